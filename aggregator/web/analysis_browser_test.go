package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

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
	for _, size := range browsertest.Sizes {
		t.Run(size.Name, func(t *testing.T) {
			ctx := browsertest.Start(t, size)
			browsertest.SignIn(ctx, t, base+"/login?next=%2F", "dung", "correct horse 1", ".who")
			pages := []struct {
				name, path, shown string
				counts            map[string]int // selector: how many the page must have
			}{
				{"unit-analysis", "/units/24?period=2026-Q1", "#an-trend-h", map[string]int{
					"svg[role=img] path.an-line": 2, "svg[role=img] path.an-band": 1, "svg rect.an-bar": 4,
					"table[data-table^=by_]": 6, "table[data-table^=worst_]": 2, "table[data-table=trend]": 1, "table[data-table=sipas_profile]": 1}},
				{"unit-analysis-en", "/units/24?period=2026-Q1&lang=en", "#an-trend-h", map[string]int{"table[data-table^=by_]": 6}},
				{"unit-analysis-bad-period", "/units/24?period=2026-Q9", "[aria-invalid=true]", map[string]int{"[aria-invalid=true]": 1, "#an-trend-h": 0}},
				{"official", "/units/24/officials/cb-0001?period=2026-Q1", "#an-current-h", map[string]int{
					"svg[role=img] path.an-line": 1, "table[data-table]": 2, ".an-figures dd": 3}},
				{"official-not-enough", "/units/24/officials/cb-0004?period=2026-Q1", "#an-current-h", map[string]int{"table[data-table]": 2}},
			}
			for _, p := range pages {
				// A page that never shows what it must fails, rather than
				// waits forever.
				wait, cancel := context.WithTimeout(ctx, 30*time.Second)
				err := chromedp.Do(wait, chromedp.Navigate(base+p.path), chromedp.WaitVisible(css(p.shown)))
				cancel()
				if err != nil {
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
				browsertest.CheckAccessible(ctx, t, script, p.name)
			}
			// The keyboard reaches the tables' scrolling regions, so a
			// wide table can be scrolled without a mouse.
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/units/24?period=2026-Q1"), chromedp.WaitVisible(css("#an-trend-h"))); err != nil {
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
				if strings.Contains(cls, "ov-scroll") {
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
