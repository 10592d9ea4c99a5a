package e2e

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/browsertest"
)

// TestAdminWebhooksPageInABrowser: on a phone, a province admin refused a
// bad URL sees the reason beside the field in Vietnamese; subscribes and
// sees the secret once; finds a failed delivery among the dead letters and
// resends it with the button; the page switches to English. Every state
// is checked with axe-core and for reflow.
func TestAdminWebhooksPageInABrowser(t *testing.T) {
	agg := startAggregatorWith(t, aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true,
		WebhookAllowPrivate: true, WebhookRetries: []time.Duration{10 * time.Millisecond}})
	defer agg.Close()
	if err := agg.Access().AddUser(t.Context(), nil, hailong.User{Username: "quantri", Role: hailong.RoleAdmin, Scope: "24"}, e2ePassword); err != nil {
		t.Fatal(err)
	}
	kiosk := enrol(t, agg, "wh-kiosk", centre)
	rc := &hookReceiver{status: 503}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	script := browsertest.AxeScript(t)
	ctx := browsertest.Start(t, browsertest.Phone)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	check := func(page, lang string) {
		t.Helper()
		browsertest.CheckPage(ctx, t, page, lang)
		browsertest.CheckAccessible(ctx, t, script, page)
	}
	browsertest.SignIn(ctx, t, agg.URL()+"/admin/webhooks", "quantri", e2ePassword, "#wh-url")
	check("webhooks", "vi")

	if err := chromedp.Do(ctx,
		chromedp.SendKeys(css("#wh-url"), "ftp://nhan.example/hook"),
		chromedp.Click(css(`input[value="rating.stored"]`)),
		chromedp.Click(css("form.card button[type=submit]")),
		chromedp.WaitVisible(css("#wh-url-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Text(ctx, t, "#wh-url-error"); !strings.Contains(got, "phải bắt đầu bằng http:// hoặc https://") {
		t.Errorf("the URL's error: %q", got)
	}
	if got := browsertest.Eval(ctx, t, `document.querySelector('#wh-url').getAttribute('aria-invalid') + ' ' + document.querySelector('input[value="rating.stored"]').checked`); got != "true true" {
		t.Errorf("the field is not marked invalid, or the form lost its choices: %v", got)
	}
	check("webhooks, bad URL", "vi")
	browsertest.KeepScreenshot(t, "aggregator-admin-webhooks-error", browsertest.Screenshot(ctx, t))

	if err := chromedp.Do(ctx,
		chromedp.SetValue(css("#wh-url"), srv.URL+"/hook"),
		chromedp.Click(css("form.card button[type=submit]")),
		chromedp.WaitVisible(css("#secret")),
	); err != nil {
		t.Fatal(err)
	}
	secret := browsertest.Eval(ctx, t, `document.querySelector('#secret').value`).(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret shown: %q", secret)
	}
	check("webhooks, subscribed", "vi")
	browsertest.KeepScreenshot(t, "aggregator-admin-webhooks-secret", browsertest.Screenshot(ctx, t))

	_, ids := syncRatings(t, agg.URL(), kiosk, centre, 5)
	// The five events may leave in more than one delivery: wait until
	// every one is a dead letter, or a later one would still be retrying.
	eventually(t, func() bool {
		n := 0
		for _, l := range agg.Webhooks().DeadLetters() {
			n += max(len(l.Events), l.Count)
		}
		return n == len(ids)
	})
	rc.setStatus(0)
	if err := chromedp.Do(ctx, chromedp.Navigate(agg.URL()+"/admin/webhooks"), chromedp.WaitVisible(css("#wh-url"))); err != nil {
		t.Fatal(err)
	}
	if html := browsertest.Eval(ctx, t, `document.body.innerHTML`).(string); strings.Contains(html, secret) {
		t.Error("the secret is shown again")
	}
	browsertest.Eval(ctx, t, `document.querySelectorAll('details').forEach(d => d.open = true), true`)
	check("webhooks, dead letter", "vi")
	browsertest.KeepScreenshot(t, "aggregator-admin-webhooks-dead", browsertest.Screenshot(ctx, t))
	if err := chromedp.Do(ctx,
		chromedp.Click(css(`button[aria-label^="Gửi lại"]`)),
		chromedp.WaitVisible(css(`p.ok[role=status]`)),
	); err != nil {
		t.Fatal(err)
	}
	// The page resent the first; any other goes through the same call.
	for _, l := range agg.Webhooks().DeadLetters() {
		if err := agg.Webhooks().Resend(t.Context(), l.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, func() bool { // a receiver drops a repeated event id, as docs/WEBHOOKS.md says
		return len(slices.Compact(slices.Sorted(slices.Values(rc.ids(hailong.EventRatingStored))))) == len(ids)
	})

	if err := chromedp.Do(ctx, chromedp.Navigate(agg.URL()+"/admin/webhooks?lang=en"), chromedp.WaitVisible(css("#wh-url"))); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Text(ctx, t, "h2"); !strings.Contains(got, "New subscription") {
		t.Errorf("not in English: %q", got)
	}
	check("webhooks in English", "en")
}
