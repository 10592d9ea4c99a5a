package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
	"hailong/qrtoken"
)

// TestPhonePageIsAxeClean runs axe-core's WCAG 2 A/AA rules on the phone
// rating page of the real aggregator in every state a citizen can meet:
// the form in both languages, the form sent back with errors, the thanks,
// the link used again and a broken link; at phone and desktop size. It
// fails on any serious or critical violation and on a page that scrolls
// sideways. HAILONG_AXE_SHOTS keeps a screenshot of each.
func TestPhonePageIsAxeClean(t *testing.T) {
	script := browsertest.AxeScript(t)
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	key, _ := qrtoken.KeyFromSecret(cred.Secret)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	for i, size := range browsertest.Sizes {
		t.Run(size.Name, func(t *testing.T) {
			tok, err := qrtoken.Sign(key, qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "kiosk-1", Unit: centre,
				Dossier: fmt.Sprintf("H15.50.05.13-261008-%04d", i), Procedure: "1.004122", Official: "cb-0012", Expires: time.Now().Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			link := agg.URL() + "/r/" + tok
			ctx := browsertest.Start(t, size)
			pages := []struct {
				name  string
				steps []chromedp.Action[chromedp.Void]
				shown string // what the page must show before axe-core looks at it
			}{
				{"form", []chromedp.Action[chromedp.Void]{chromedp.Navigate(link)}, "button[type=submit]"},
				{"form-en", []chromedp.Action[chromedp.Void]{chromedp.Navigate(link + "?lang=en")}, "button[type=submit]"},
				{"form-errors", []chromedp.Action[chromedp.Void]{
					chromedp.Navigate(link),
					chromedp.WaitVisible(css("button[type=submit]")),
					// As a browser that does not check required fields would send it.
					chromedp.Evaluate[chromedp.Void](`document.querySelector("form").noValidate = true`),
					chromedp.Click(css("button[type=submit]")),
				}, ".errors"},
				{"thanks", []chromedp.Action[chromedp.Void]{
					chromedp.Navigate(link),
					chromedp.WaitVisible(css("button[type=submit]")),
					chromedp.Click(css(`input[name="overall"][value="3"]`)),
					chromedp.SendKeys(css(`textarea[name="comment"]`), "Cán bộ hướng dẫn tận tình"),
					chromedp.Click(css("button[type=submit]")),
				}, ".n-thanks"},
				{"already-rated", []chromedp.Action[chromedp.Void]{chromedp.Navigate(link)}, ".n-already"},
				{"broken-link", []chromedp.Action[chromedp.Void]{chromedp.Navigate(agg.URL() + "/r/not-a-token")}, ".n-invalid"},
			}
			for _, p := range pages {
				if err := chromedp.Do(ctx, append(p.steps, chromedp.WaitVisible(css(p.shown)))...); err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
				browsertest.CheckAccessible(ctx, t, script, p.name)
			}
		})
	}
}
