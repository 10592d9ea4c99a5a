package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hailong"
	"hailong/browsertest"
)

// TestSubscriptionsPage signs an analyst of Phường Kinh Bắc in, on a phone
// and a desktop, on an aggregator without an SMTP server: the page says
// no email is sent; a bad address and a unit outside the scope come back
// with the message beside their field, in Vietnamese; a good address and
// a subscription are saved and listed, then removed; the English page
// too. Every state is checked with axe-core and must fit the window.
func TestSubscriptionsPage(t *testing.T) {
	script := browsertest.AxeScript(t)
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	for _, size := range browsertest.Sizes {
		t.Run(size.Name, func(t *testing.T) {
			user := "phan.hoa." + size.Name
			if err := agg.Access().AddUser(context.Background(), nil, hailong.User{Username: user, Name: "Phan Hoa", Role: hailong.RoleAnalyst, Scope: "09190"}, e2ePassword); err != nil {
				t.Fatal(err)
			}
			b := browsertest.Start(t, size)
			css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
			browsertest.SignIn(b, t, agg.URL()+"/login?next=%2Faccount%2Fsubscriptions", user, e2ePassword, "#sub-email")
			check := func(page, lang, shown, want string) {
				t.Helper()
				if err := chromedp.Do(b, chromedp.WaitVisible(css(shown))); err != nil {
					t.Fatalf("%s: %s not shown: %v", page, shown, err)
				}
				if got := browsertest.Text(b, t, shown); !strings.Contains(got, want) {
					t.Errorf("%s: %s says %q, want %q", page, shown, got, want)
				}
				browsertest.CheckPage(b, t, page, lang)
				browsertest.CheckAccessible(b, t, script, page)
				browsertest.CheckFitsWindow(b, t, page)
				browsertest.KeepScreenshot(t, "aggregator-"+page+"-"+size.Name, browsertest.Screenshot(b, t))
			}
			check("subscriptions", "vi", ".notice", "chưa được cấu hình gửi thư")

			if err := chromedp.Do(b,
				chromedp.SendKeys(css("#sub-email"), "hoa@localhost"), // valid to the browser, not to the server
				chromedp.Click(css("form[action='/account/email'] button[type=submit]")),
			); err != nil {
				t.Fatal(err)
			}
			check("subscriptions-bad-email", "vi", "#sub-email-err", "Địa chỉ email chưa hợp lệ")

			if err := chromedp.Do(b,
				chromedp.SetValue(css("#sub-email"), "phan.hoa@example.gov.vn"),
				chromedp.Click(css("form[action='/account/email'] button[type=submit]")),
			); err != nil {
				t.Fatal(err)
			}
			check("subscriptions-email-saved", "vi", ".ok", "Đã lưu địa chỉ email")

			if err := chromedp.Do(b,
				// As a forged form would send it: a unit outside the scope.
				chromedp.Evaluate[chromedp.Void](`document.querySelector("#sub-unit").options[0].value = "09250"`),
				chromedp.Click(css("form[action='/account/subscriptions'] button[type=submit]")),
			); err != nil {
				t.Fatal(err)
			}
			check("subscriptions-out-of-scope", "vi", "#sub-unit-err", "không nằm trong phạm vi của bạn")

			if err := chromedp.Do(b,
				chromedp.SetValue(css("#sub-unit"), "TT-09190"),
				chromedp.SetValue(css("#sub-kind"), "weekly"),
				chromedp.Click(css("form[action='/account/subscriptions'] button[type=submit]")),
			); err != nil {
				t.Fatal(err)
			}
			check("subscriptions-added", "vi", ".people li", "Tóm tắt tuần")

			if err := chromedp.Do(b, chromedp.Navigate(agg.URL()+"/account/subscriptions?lang=en")); err != nil {
				t.Fatal(err)
			}
			check("subscriptions-en", "en", ".people li", "Weekly summary")

			if err := chromedp.Do(b, chromedp.Click(css(".people form button[type=submit]"))); err != nil {
				t.Fatal(err)
			}
			check("subscriptions-removed", "en", ".ok", "Unsubscribed")
			if got := browsertest.Text(b, t, "main"); !strings.Contains(got, "No subscriptions yet.") {
				t.Errorf("after removing, the page says %q", got)
			}
		})
	}
}
