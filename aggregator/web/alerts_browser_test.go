package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
)

// TestAlertsPagesInABrowser acknowledges, comments on and closes an alert
// from the alerts page, at phone and desktop size, a refused comment
// coming back beside its field, and adds a rule with a bad threshold on
// the rules page, said beside the field; axe-core checks every page.
func TestAlertsPagesInABrowser(t *testing.T) {
	script := browsertest.AxeScript(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	for _, size := range browsertest.Sizes {
		t.Run(size.Name, func(t *testing.T) {
			base, _, fa, ids := alertsServer(t)
			ctx := browsertest.Start(t, size)
			lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			browsertest.SignIn(lctx, t, base+"/login?next=%2Falerts", "dung", "correct horse 1", ".al-list")
			// The signed-in analyst is an administrator of the province here.
			fa.mu.Lock()
			for _, p := range fa.sessions {
				p.Role, p.Permissions = "admin", fa.bearers[adminProvince].Permissions
			}
			fa.mu.Unlock()
			shots := map[string][]byte{}
			check := func(name, lang, shown string, steps ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				if err := chromedp.Do(sctx, append(steps, chromedp.WaitVisible(css(shown)))...); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				browsertest.CheckPage(ctx, t, name, lang)
				browsertest.CheckAccessible(ctx, t, script, name)
				shots[name] = browsertest.Screenshot(ctx, t)
			}
			text := func(sel string) string { return browsertest.Text(ctx, t, sel) }
			card := "#alert-" + ids["TT-09190"]
			check("alerts", "vi", card+" .al-actions", chromedp.Navigate(base+"/alerts"))
			if got := text(card); !strings.Contains(got, "Phản ánh công chức gây phiền hà, sách nhiễu") || !strings.Contains(got, "Đang mở") || !strings.Contains(got, "15/03/2026") {
				t.Errorf("the alert reads %q", got)
			}
			check("alerts-acknowledged", "vi", card+".al-acknowledged", chromedp.Click(css(card+` input[value=acknowledge] ~ button`)))
			if got := text(card); !strings.Contains(got, "Đã tiếp nhận") || !strings.Contains(got, "dung") {
				t.Errorf("acknowledged, the alert reads %q", got)
			}
			check("alerts-empty-comment", "vi", "#al-text-err-"+ids["TT-09190"], chromedp.Click(css(card+` .al-comment button`)))
			if got := text("#al-text-err-" + ids["TT-09190"]); !strings.Contains(got, "Hãy viết ghi chú") {
				t.Errorf("an empty comment says %q", got)
			}
			check("alerts-commented", "vi", card+" .al-comments",
				chromedp.SendKeys(css(card+" textarea"), "Đã gọi điện cho trung tâm, hẹn kiểm tra camera."),
				chromedp.Click(css(card+` .al-comment button`)))
			if got := text(card + " .al-comments"); !strings.Contains(got, "hẹn kiểm tra camera") {
				t.Errorf("the comments read %q", got)
			}
			check("alerts-closed", "vi", card+".al-closed", chromedp.Click(css(card+` input[value=close] ~ button`)))
			if n := browsertest.Eval(ctx, t, `document.querySelectorAll('`+card+` form').length`); n != float64(0) {
				t.Errorf("a closed alert has %v forms", n)
			}
			check("alerts-en", "en", ".al-list", chromedp.Navigate(base+"/alerts?lang=en&state=closed"))
			if got := text(card); !strings.Contains(got, "Closed") {
				t.Errorf("in English the alert reads %q", got)
			}
			check("alert-rules", "vi", "#rule-new form", chromedp.Navigate(base+"/alerts/rules"))
			check("alert-rules-bad", "vi", "#r-new-threshold-err",
				chromedp.SendKeys(css("#r-new-name"), "Tỷ lệ không hài lòng cao"),
				chromedp.SendKeys(css("#r-new-threshold"), "1,5"),
				chromedp.SendKeys(css("#r-new-window_hours"), "168"),
				chromedp.SendKeys(css("#r-new-min_ratings"), "20"),
				chromedp.Click(css("#rule-new button[value=save]")))
			if got := text("#r-new-threshold-err"); !strings.Contains(got, "Ngưỡng phải là một số") {
				t.Errorf("a bad threshold says %q", got)
			}
			check("alert-rules-saved", "vi", "[role=status]",
				chromedp.SetValue(css("#r-new-threshold"), "0,4"),
				chromedp.Click(css("#rule-new button[value=save]")))
			if got := text(".al-list"); !strings.Contains(got, "Tỷ lệ không hài lòng cao") {
				t.Errorf("the new rule is not listed: %q", got)
			}
			for _, name := range []string{"alerts", "alerts-empty-comment", "alert-rules-bad"} {
				browsertest.KeepScreenshot(t, "aggregator-"+name+"-"+size.Name, shots[name])
			}
		})
	}
}
