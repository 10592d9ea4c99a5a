package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
)

// TestTablesFitADesktop opens the overview and unit pages, with every
// figure and comparison filled, in Chromium: on a 1280×800 desktop and a
// 1440×900 dashboard neither the page nor any of its tables scrolls sideways; on a 360 px
// phone a table may scroll within its own region but the page does not.
// Grouped column headings are scoped, and axe-core finds no serious
// violation. HAILONG_SCREENSHOT_DIR keeps the screenshots.
func TestTablesFitADesktop(t *testing.T) {
	script := browsertest.AxeScript(t)
	overview, analysis := overviewServer(t), analysisServer(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	pages := []struct{ name, base, path string }{
		{"overview", overview, "/?period=2026-Q1"},
		{"overview-en", overview, "/?period=2026-Q1&lang=en"},
		{"overview-commune", overview, "/?unit=09190&period=2026-Q1"},
		{"unit-province", overview, "/units/24?period=2026-Q1"},
		{"unit-analysis", analysis, "/units/24?period=2026-Q1"},
		{"unit-centre", analysis, "/units/TT-09190?period=2026-Q1"},
	}
	for _, size := range []browsertest.Size{browsertest.Desktop, {Name: "desktop-1440", Width: 1440, Height: 900}, {Name: "phone-360", Width: 360, Height: 780, Phone: true}} {
		t.Run(size.Name, func(t *testing.T) {
			signedIn := map[string]context.Context{}
			for _, p := range pages {
				ctx, ok := signedIn[p.base]
				if !ok {
					ctx = browsertest.Start(t, size)
					browsertest.SignIn(ctx, t, p.base+"/login?next=%2F", "dung", "correct horse 1", ".who")
					signedIn[p.base] = ctx
				}
				wait, cancel := context.WithTimeout(ctx, 30*time.Second)
				err := chromedp.Do(wait, chromedp.Navigate(p.base+p.path), chromedp.WaitVisible(css("table[data-table=headline]")))
				cancel()
				if err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
				browsertest.CheckFitsWindow(ctx, t, size.Name+" "+p.name)
				if !size.Phone {
					wide := browsertest.Eval(ctx, t, `[...document.querySelectorAll(".ov-scroll")].filter(s => s.scrollWidth > s.clientWidth).map(s => s.querySelector("table").dataset.table + " " + s.scrollWidth + "/" + s.clientWidth)`)
					if w, _ := wide.([]any); len(w) > 0 {
						t.Errorf("%s: tables scroll sideways at %d px: %v", p.name, size.Width, w)
					}
				}
				unscoped := browsertest.Eval(ctx, t, `document.querySelectorAll("table[data-table] th:not([scope])").length`)
				if unscoped != float64(0) {
					t.Errorf("%s: %v header cells without a scope", p.name, unscoped)
				}
				browsertest.CheckAxe(ctx, t, script, size.Name+"-"+p.name)
				browsertest.KeepScreenshot(t, "aggregator-"+size.Name+"-fit-"+p.name, browsertest.Screenshot(ctx, t))
			}
		})
	}
}
