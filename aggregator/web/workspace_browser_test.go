package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/browsertest"
	"hailong/syncapi"
)

// TestCommentsKiosksAndPublicPagesInABrowser walks the comments, kiosks
// and public results pages at phone and desktop size: filtering comments
// from the form, paging, a reversed period answered beside the field, the
// fleet worst first, the public page and its switch. axe-core checks each
// page (no serious or critical finding), and none scrolls sideways.
// HAILONG_SCREENSHOTS=1 keeps the desktop and phone screenshots in
// docs/screenshots.
func TestCommentsKiosksAndPublicPagesInABrowser(t *testing.T) {
	script := browsertest.AxeScript(t)
	now := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
	r := rollup.New()
	for i := range 60 {
		r.Add(rollup.Fact{Unit: "TT-09190", Date: hailong.DateFromYMD(2025, 11, 3), Satisfied: i%6 != 0, Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "kiosk"}})
		r.Add(rollup.Fact{Unit: "TT-24", Date: hailong.DateFromYMD(2025, 12, 3), Satisfied: i%4 != 0, Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "qr"}})
	}
	for range 7 {
		r.Add(rollup.Fact{Unit: "TT-09250", Date: hailong.DateFromYMD(2025, 12, 3), Satisfied: true, Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "qr"}})
	}
	idx := someComments()
	idx.Add(comments.Comment{ID: "0190b000-0000-7000-8000-999999999999", At: now.Add(-time.Hour), Unit: "TT-09190", Procedure: "1.004122",
		Channel: hailong.ChannelQR, Questionnaire: "counter-quick", Version: 1, Level: 1, Mood: comments.Dissatisfied,
		Text: "Tôi phải chờ gần hai tiếng mới đến lượt, trong khi quầy bên cạnh không có ai.\nĐề nghị bố trí thêm cán bộ vào buổi sáng thứ Hai."})
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	oldest := ago(5 * time.Hour)
	reports := fakeFleet{
		{Kiosk: "kinhbac-sanh", Seen: ago(time.Minute), Reported: ago(time.Minute), OffsetKnown: true, ClockOffset: time.Second,
			Health: &syncapi.Health{Unit: "TT-09190", Clock: ago(time.Minute), FreeDisk: 1 << 30, Version: "1.4.2"}},
		{Kiosk: "kinhbac-quay-3", Seen: ago(26 * time.Hour), Reported: ago(26 * time.Hour), OffsetKnown: true,
			Health: &syncapi.Health{Unit: "TT-09190", Clock: ago(26 * time.Hour), FreeDisk: 1 << 30, Version: "1.4.1"}},
		{Kiosk: "tuson-sanh", Seen: ago(time.Minute), Reported: ago(time.Minute), OffsetKnown: true, ClockOffset: -3 * time.Minute,
			Health: &syncapi.Health{Unit: "TT-09250", Clock: ago(time.Minute), FreeDisk: 1 << 30, Version: "1.4.2", Queued: 12, OldestQueued: &oldest, Failed: 2}},
	}
	enrolled := fakeEnrolled{{ID: "kinhbac-sanh", Unit: "TT-09190"}, {ID: "kinhbac-quay-3", Unit: "TT-09190"}, {ID: "tuson-sanh", Unit: "TT-09250"}, {ID: "langgiang-sanh", Unit: "TT-07450"}}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	for _, size := range browsertest.Sizes {
		t.Run(size.Name, func(t *testing.T) {
			_, base, fa := demoServerWith(t, r, func(s *web.Server) {
				s.Comments = func() *comments.Index { return idx }
				s.Fleet, s.Enrolled, s.Publication = reports, enrolled, &switchBoard{on: true}
				s.Now = func() time.Time { return now }
			})
			ctx := browsertest.Start(t, size)
			lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			browsertest.SignIn(lctx, t, base+"/login?next=%2F", "dung", "correct horse 1", ".who")
			// The signed-in analyst is an administrator of the province here.
			fa.mu.Lock()
			for _, p := range fa.sessions {
				p.Role, p.Permissions = "admin", fa.bearers[adminProvince].Permissions
			}
			fa.mu.Unlock()
			shots := map[string][]byte{}
			check := func(name, shown string, steps ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				// A page that never shows what it should fails, not hangs.
				sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				if err := chromedp.Do(sctx, append(steps, chromedp.WaitVisible(css(shown)))...); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				browsertest.CheckAccessible(ctx, t, script, name)
				png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				shots[name] = png
			}
			text := func(sel string) string { return browsertest.Text(ctx, t, sel) }
			check("comments", ".cm-list", chromedp.Navigate(base+"/comments"))
			if got := text(".cm-item"); !strings.Contains(got, "chờ gần hai tiếng") || !strings.Contains(got, "15/03/2026") {
				t.Errorf("the newest comment reads %q", got)
			}
			// Only the dissatisfied, from the form.
			check("comments-dissatisfied", ".cm-list",
				chromedp.Click(css(".cm-box summary")),
				chromedp.WaitVisible(css("#cm-level")),
				chromedp.SetValue(css("#cm-level"), "dissatisfied"),
				chromedp.Click(css(".cm-filters button[type=submit]")),
				chromedp.WaitReady(css(`#cm-level option[value=dissatisfied][selected]`)),
			)
			moods, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.cm-mood')].map(e => e.className)`))
			for _, m := range moods {
				if m != "cm-mood cm-dissatisfied" {
					t.Errorf("a comment of %q among the dissatisfied", m)
				}
			}
			if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "level=dissatisfied") {
				t.Errorf("the filter is not in the address: %s", loc)
			}
			check("comments-older", ".cm-pages a:not([rel])", chromedp.Navigate(base+"/comments"), chromedp.WaitVisible(css(".cm-pages a[rel=next]")),
				chromedp.Click(css(".cm-pages a[rel=next]")))
			if got := text(".cm-item"); !strings.Contains(got, "góp ý số 70") {
				t.Errorf("the second page begins with %q, want the 51st newest", got)
			}
			check("comments-reversed", "#cm-to-err", chromedp.Navigate(base+"/comments?from=2026-03-31&to=2026-03-01"))
			if got := text("#cm-to-err"); !strings.Contains(got, "không được trước ngày bắt đầu") {
				t.Errorf("the reversed period says %q", got)
			}
			check("comments-en", ".cm-list", chromedp.Navigate(base+"/comments?lang=en&period=2026-Q1"))
			check("kiosks", ".ks-table", chromedp.Navigate(base+"/kiosks"))
			if got := text(".ks-table tbody tr"); !strings.Contains(got, "langgiang-sanh") || !strings.Contains(got, "Chưa kết nối") {
				t.Errorf("the first kiosk is %q, want the one never seen", got)
			}
			check("kiosks-en", ".ks-table", chromedp.Navigate(base+"/kiosks?lang=en"))
			check("public", ".pub-table", chromedp.Navigate(base+"/public"))
			check("public-en", ".pub-table", chromedp.Navigate(base+"/public?lang=en"))
			check("admin-public", ".pub-switch", chromedp.Navigate(base+"/admin/public"))
			for _, name := range []string{"comments", "comments-reversed", "kiosks", "public", "admin-public"} {
				browsertest.KeepScreenshot(t, "aggregator-"+name+"-"+size.Name, shots[name])
			}
		})
	}
}
