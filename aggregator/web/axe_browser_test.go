package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/browsertest"
)

// TestAccountPagesAndDashboardAreAxeClean runs axe-core's WCAG 2 A/AA
// rules on every page a person signs in and works with, in each state it
// can be in (a refusal, an error list, a notice), at phone and desktop
// size, and fails on any serious or critical violation, and on a page
// wider than the window. HAILONG_AXE_SHOTS keeps a screenshot of each.
func TestAccountPagesAndDashboardAreAxeClean(t *testing.T) {
	script := browsertest.AxeScript(t)
	r := rollup.New()
	day := hailong.DateFromYMD(2026, 3, 1)
	for i := 0; i < 40; i++ { // a bar at Kinh Bắc
		r.Add(rollup.Fact{Unit: "TT-09190", Date: day, Satisfied: i%10 != 0, Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "kiosk"}})
	}
	for i := 0; i < 5; i++ { // "not enough ratings" at Từ Sơn
		r.Add(rollup.Fact{Unit: "TT-09250", Date: day, Satisfied: true, Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "kiosk"}})
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	for _, size := range browsertest.Sizes {
		t.Run(size.Name, func(t *testing.T) {
			_, base, _ := demoServerWith(t, r, nil)
			ctx := browsertest.Start(t, size)
			signIn := func(password string) []chromedp.Action[chromedp.Void] {
				return []chromedp.Action[chromedp.Void]{
					chromedp.Navigate(base + "/login?next=%2F"),
					chromedp.WaitVisible(css("#username")),
					chromedp.SendKeys(css("#username"), "dung"),
					chromedp.SendKeys(css("#password"), password),
					chromedp.Click(css("button[type=submit]")),
				}
			}
			changePassword := func(old, new string) []chromedp.Action[chromedp.Void] {
				return []chromedp.Action[chromedp.Void]{
					chromedp.Navigate(base + "/account/password"),
					chromedp.WaitVisible(css("#new2")),
					chromedp.SendKeys(css("#old"), old),
					chromedp.SendKeys(css("#new"), new),
					chromedp.SendKeys(css("#new2"), new),
					chromedp.Click(css("form.card button[type=submit]")), // not the frame's sign-out
				}
			}
			pages := []struct {
				name  string
				steps []chromedp.Action[chromedp.Void]
				shown string // what the page must show before axe-core looks at it
			}{
				{"login", []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/login?next=%2F")}, "#username"},
				{"login-en", []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/login?lang=en")}, "#username"},
				{"login-refused", signIn("wrong password"), ".error"},
				{"stale-form", []chromedp.Action[chromedp.Void]{
					chromedp.Navigate(base + "/login"),
					chromedp.WaitVisible(css("#username")),
					chromedp.SendKeys(css("#username"), "dung"),
					chromedp.SendKeys(css("#password"), "correct horse 1"),
					chromedp.Evaluate[chromedp.Void](`document.querySelector("input[name=_csrf]").value = "stale"`),
					chromedp.Click(css("button[type=submit]")),
				}, "main p a"},
				{"dashboard", signIn("correct horse 1"), ".who"},
				{"dashboard-en", []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/?lang=en")}, ".who"},
				// A problem of a field the filters have no control for, said above them.
				{"dashboard-loose-problem", []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/?include_flagged=yes")}, ".ov-filters .error"},
				{"password", []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/account/password")}, "#new2"},
				{"password-refused", changePassword("correct horse 1", "short"), ".error li"},
				{"password-changed", changePassword("correct horse 1", "new password 22"), ".ok"},
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
