package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hailong/aggregator/rollup"
	"hailong/browsertest"
)

// TestLoginPageInABrowser signs in from a phone-sized headless Chromium:
// a wrong password, then the right one, to the dashboard with who is
// signed in and a sign-out button, the password form, then signs out. Every field has a
// label, the page says its language and has one heading.
// HAILONG_SCREENSHOTS=1 keeps the screenshots in docs/screenshots.
func TestLoginPageInABrowser(t *testing.T) {
	_, base, _ := demoServerWith(t, rollup.New(), nil)
	ctx := browsertest.Start(t, browsertest.Phone)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	shot := func(name string) {
		t.Helper()
		browsertest.KeepScreenshot(t, "aggregator-"+name, browsertest.Screenshot(ctx, t))
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login?next=%2F"),
		chromedp.WaitVisible(css("#username")),
	); err != nil {
		t.Fatal(err)
	}
	checkPage := func(page string) { t.Helper(); browsertest.CheckPage(ctx, t, page, "vi") }
	checkPage("login")
	shot("login")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(css("#username"), "dung"),
		chromedp.SendKeys(css("#password"), "wrong password"),
		chromedp.Click(css("button[type=submit]")),
		chromedp.WaitVisible(css(".error")),
	); err != nil {
		t.Fatal(err)
	}
	checkPage("refused")
	shot("login-refused")
	if msg, _ := chromedp.Run(ctx, chromedp.Text(css(".error"))); !strings.Contains(msg, "không đúng") {
		t.Errorf("refusal says %q", msg)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(css("#password"), "correct horse 1"),
		chromedp.Click(css("button[type=submit]")),
		chromedp.WaitVisible(css(".who")),
	); err != nil {
		t.Fatal(err)
	}
	who, _ := chromedp.Run(ctx, chromedp.Text(css(".who")))
	if !strings.Contains(who, "dung") || !strings.Contains(who, "Đăng xuất") {
		t.Errorf("dashboard says %q", who)
	}
	shot("dashboard-signed-in")
	if err := chromedp.Do(ctx,
		chromedp.Click(css(".who a")),
		chromedp.WaitVisible(css("#new2")),
		chromedp.SendKeys(css("#old"), "correct horse 1"),
		chromedp.SendKeys(css("#new"), "new password 22"),
		chromedp.SendKeys(css("#new2"), "new password 23"),
		chromedp.Click(css("form.card button[type=submit]")), // not the frame's sign-out
		chromedp.WaitVisible(css(".error")),
	); err != nil {
		t.Fatal(err)
	}
	checkPage("password")
	shot("password-mismatch")
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(".who"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(css(".who button")),
		chromedp.WaitVisible(css("#username")),
	); err != nil {
		t.Fatal(err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/login") {
		t.Errorf("after signing out: %s", loc)
	}
}
