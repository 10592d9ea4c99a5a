package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
)

// TestAnalysisPagesInChromium signs in and opens a unit's analysis and an
// official's page in Chromium, at phone and desktop size: the charts are
// drawn, each table is there with its download, the tables are reached by
// keyboard, a bad period comes back beside its field, and axe-core finds
// no serious violation and the page does not scroll sideways.
// HAILONG_AXE_SHOTS keeps a screenshot of each.
func TestAnalysisPagesInChromium(t *testing.T) {
	script := browsertest.AxeScript(t)
	base := analysisServer(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	for _, size := range screenSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browsertest.New(t, size.width, size.height)
			if size.phone {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))); err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Do(ctx,
				chromedp.Navigate(base+"/login?next=%2F"),
				chromedp.WaitVisible(css("#username")),
				chromedp.SendKeys(css("#username"), "dung"),
				chromedp.SendKeys(css("#password"), "correct horse 1"),
				chromedp.Click(css("button[type=submit]")),
				chromedp.WaitVisible(css(".who")),
			); err != nil {
				t.Fatal(err)
			}
			pages := []struct {
				name, path, shown string
				counts            map[string]int // selector: how many the page must have
			}{
				{"unit-analysis", "/units/24/analysis?period=2026-Q1", "#an-trend-h", map[string]int{
					"svg[role=img] path.an-line": 2, "svg[role=img] path.an-band": 1, "svg rect.an-bar": 4,
					".an-table table": 10, ".an-downloads a": 20, ".an-scroll[tabindex='0']": 10}},
				{"unit-analysis-en", "/units/24/analysis?period=2026-Q1&lang=en", "#an-trend-h", map[string]int{".an-table table": 10}},
				{"unit-analysis-bad-period", "/units/24/analysis?period=2026-Q9", "#an-period-error", map[string]int{"[aria-invalid=true]": 1}},
				{"official", "/units/24/officials/cb-0001?period=2026-Q1", "#an-pull-h", map[string]int{
					"svg[role=img] path.an-line": 1, ".an-table table": 2, ".an-figures dd": 3}},
				{"official-not-enough", "/units/24/officials/cb-0004?period=2026-Q1", "#an-pull-h", map[string]int{".an-table table": 2}},
			}
			for _, p := range pages {
				if err := chromedp.Do(ctx, chromedp.Navigate(base+p.path), chromedp.WaitVisible(css(p.shown))); err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
				for sel, want := range p.counts {
					n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("`+sel+`").length`))
					if err != nil {
						t.Fatal(err)
					}
					if n != want {
						t.Errorf("%s: %d of %s, want %d", p.name, n, sel, want)
					}
				}
				browsertest.CheckAxe(ctx, t, script, p.name)
				browsertest.CheckReflow(ctx, t, p.name)
			}
			// The keyboard reaches the tables' scrolling regions, so a
			// wide table can be scrolled without a mouse.
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/units/24/analysis?period=2026-Q1"), chromedp.WaitVisible(css("#an-trend-h"))); err != nil {
				t.Fatal(err)
			}
			reached := false
			for range 80 {
				if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
					t.Fatal(err)
				}
				cls, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className`))
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(cls, "an-scroll") {
					reached = true
					break
				}
			}
			if !reached {
				t.Error("the keyboard never reached a table")
			}
		})
	}
}
