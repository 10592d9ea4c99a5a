package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hailong"
	"hailong/browsertest"
)

// TestUsersPageOnAPhone signs a province's administrator in from a
// phone-sized headless Chromium, adds a user from /admin/users and looks
// at the page: every field labelled, one h1, Vietnamese, nothing wider
// than the screen, the generated password shown. HAILONG_SCREENSHOTS=1
// keeps the screenshots in docs/screenshots.
func TestUsersPageOnAPhone(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	ctx := context.Background()
	svc := agg.Access()
	for _, u := range []hailong.User{
		{Username: "root", Name: "Quản trị tỉnh", Role: hailong.RoleAdmin, Scope: "24"},
		{Username: "nguyen.thi.lan", Name: "Nguyễn Thị Lan", Role: hailong.RoleAnalyst, Scope: "09190"},
		{Username: "tran.van.binh", Name: "Trần Văn Bình", Role: hailong.RoleManager, Scope: "07210"},
	} {
		if err := svc.AddUser(ctx, nil, u, e2ePassword); err != nil {
			t.Fatal(err)
		}
	}
	disabled := true
	if err := svc.UpdateUser(ctx, nil, "tran.van.binh", nil, nil, &disabled); err != nil {
		t.Fatal(err)
	}
	b := browsertest.Start(t, browsertest.Phone)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	browsertest.SignIn(b, t, agg.URL()+"/login?next=%2Fadmin%2Fusers", "root", e2ePassword, "#new-username")
	check := func(page string) {
		t.Helper()
		browsertest.CheckPage(b, t, page, "vi")
		browsertest.CheckFitsWindow(b, t, page)
		browsertest.KeepScreenshot(t, "aggregator-"+page, browsertest.Screenshot(b, t))
	}
	check("admin-users")
	if err := chromedp.Do(b,
		chromedp.SendKeys(css("#new-username"), "le.hoa"),
		chromedp.SendKeys(css("#new-name"), "Lê Hoa"),
		chromedp.SetValue(css("#new-scope"), "09190"),
		chromedp.Click(css("form[action='/admin/users'] button[type=submit]")),
		chromedp.WaitVisible(css(".secret code")),
	); err != nil {
		t.Fatal(err)
	}
	if secret, _ := chromedp.Run(b, chromedp.Text(css(".secret code"))); len(secret) < 12 {
		t.Errorf("generated password %q", secret)
	}
	if text, _ := chromedp.Run(b, chromedp.Text(css(".people"))); !strings.Contains(text, "le.hoa") || !strings.Contains(text, "Đã khoá") {
		t.Errorf("the list says %q", text)
	}
	check("admin-users-added")
	if err := chromedp.Do(b, chromedp.Navigate(agg.URL()+"/admin/audit"), chromedp.WaitVisible(css("table"))); err != nil {
		t.Fatal(err)
	}
	check("admin-audit")
	if err := chromedp.Do(b, chromedp.Navigate(agg.URL()+"/account/tokens"), chromedp.WaitVisible(css("#token-name"))); err != nil {
		t.Fatal(err)
	}
	check("account-tokens")
}
