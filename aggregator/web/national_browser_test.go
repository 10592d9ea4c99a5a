package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/aggregator/national"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/browsertest"
)

// stale is a national view with one province's aggregator down.
type stale struct{ pulled time.Time }

func (s stale) Sources() []national.SourceStatus {
	return []national.SourceStatus{
		{Source: national.Source{Provinces: []string{"24"}, URL: "http://p24"}, Pulled: s.pulled, Age: 600, Tried: s.pulled.Add(10 * time.Minute), Error: "connection refused"},
		{Source: national.Source{Provinces: []string{"48"}, URL: "http://p48"}, Pulled: s.pulled.Add(10 * time.Minute), Age: 1},
	}
}

// TestStaleProvinceNote: on a national aggregator whose source of
// province 24 is down, the pages say in the reader's language when that
// province's figures were pulled, and say nothing of province 48, whose
// pull succeeded; the note is axe-core clean and fits a phone.
func TestStaleProvinceNote(t *testing.T) {
	script := browsertest.AxeScript(t)
	pulled := time.Date(2026, 3, 15, 4, 20, 0, 0, time.UTC) // 11:20 in Vietnam
	for _, size := range browsertest.Sizes {
		t.Run(size.Name, func(t *testing.T) {
			_, base, _ := demoServerWith(t, rollup.New(), func(s *web.Server) { s.National = stale{pulled} })
			ctx := browsertest.Start(t, size)
			browsertest.SignIn(ctx, t, base+"/login?next=%2F", "dung", "correct horse 1", ".who")
			for _, c := range []struct{ lang, want string }{
				{"vi", "Số liệu của tỉnh, thành phố 24 là của lần lấy lúc 15/03/2026 11:20; các lần lấy sau đó không thành công (không kết nối được)."},
				{"en", "The figures of province 24 are as pulled at 15/03/2026 11:20; the pulls since have failed (cannot be reached)."},
			} {
				if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?lang="+c.lang), chromedp.WaitVisible(chromedp.CSS("main .notice"))); err != nil {
					t.Fatal(err)
				}
				if got := browsertest.Text(ctx, t, "main .notice"); got != c.want {
					t.Errorf("%s note %q, want %q", c.lang, got, c.want)
				}
				if n := browsertest.Eval(ctx, t, `document.querySelectorAll("main .notice").length`); n != float64(1) {
					t.Errorf("%s: %v notes, want one (province 48 is fresh)", c.lang, n)
				}
				browsertest.CheckPage(ctx, t, "overview-stale-"+c.lang, c.lang)
				browsertest.CheckAccessible(ctx, t, script, "overview-stale-"+c.lang)
				browsertest.CheckFitsWindow(ctx, t, "overview-stale-"+c.lang)
				browsertest.KeepScreenshot(t, "national-stale-"+size.Name+"-"+c.lang, browsertest.Screenshot(ctx, t))
			}
		})
	}
}
