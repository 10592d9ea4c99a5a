package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong"
	"hailong/browsertest"
	"hailong/syncapi"
)

// TestOverviewAndDrillDownInABrowser walks a provincial analyst's main path
// in headless Chromium on the real aggregator: the overview of the
// province, another period chosen in the form, the ranking of communes
// sorted by name, down to a commune and its centre and back up by the
// breadcrumb, and a CSV downloaded with the page's filters; axe-core on
// every page, at phone and desktop size. HAILONG_SCREENSHOTS=1 keeps the
// screenshots in docs/screenshots.
func TestOverviewAndDrillDownInABrowser(t *testing.T) {
	script := browsertest.AxeScript(t)
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	if err := agg.Access().AddUser(context.Background(), nil, hailong.User{Username: "phan.thu", Name: "Phan Thu", Role: hailong.RoleAnalyst, Scope: "24"}, e2ePassword); err != nil {
		t.Fatal(err)
	}
	// Ratings this month and last: Kinh Bắc most satisfied, Bắc Giang
	// less, Từ Sơn too few to rank.
	now := time.Now().In(hailong.Location)
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, hailong.Location)
	lastMonth := thisMonth.AddDate(0, -1, 0).Add(9 * time.Hour)
	// This month's ratings lie between its start and now, a minute apart
	// or closer early on the 1st (Vietnam time), never in the future.
	step := min(time.Minute, now.Sub(thisMonth)/100)
	var creds []syncapi.Credential
	for _, c := range []struct {
		unit       string
		n, happy   int
		at         time.Time
		lastMonthN int
	}{{"TT-09190", 40, 36, thisMonth, 30}, {"TT-07210", 40, 24, thisMonth, 30}, {"TT-09250", 4, 4, thisMonth, 0}} {
		creds = append(creds, enrolSince(t, agg, "kiosk-"+strings.ToLower(c.unit), c.unit, lastMonth.AddDate(0, -1, 0)))
		cred := creds[len(creds)-1]
		var up syncapi.Request
		add := func(n, happy int, at time.Time, step time.Duration) {
			for i := 0; i < n; i++ {
				overall := 1
				if i < happy {
					overall = 3
				}
				up.Ratings = append(up.Ratings, hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
					Answers: hailong.Answers{"overall": hailong.Int(overall)}}, Channel: hailong.ChannelKiosk, Unit: c.unit, Kiosk: "kiosk-" + strings.ToLower(c.unit), At: at.Add(time.Duration(i) * step)})
			}
		}
		add(c.n, c.happy, c.at, step)
		add(c.lastMonthN, c.lastMonthN/2, lastMonth, time.Minute)
		// The aggregator reads new kiosks at most every two seconds.
		waitFor(t, "the upload of "+c.unit, func() bool {
			_, err := kioskClient(agg.URL(), cred).Sync(t.Context(), up)
			if st := statusOf(t, err); st != 200 && st != 401 {
				t.Fatalf("sync: %v", err)
			}
			return err == nil
		})
	}
	month := hailong.DateOf(thisMonth).String()[:7]

	for _, size := range []browsertest.Size{{Name: "phone", Width: 360, Height: 780, Phone: true}, {Name: "desktop", Width: 1280, Height: 900}} {
		t.Run(size.Name, func(t *testing.T) {
			b := browsertest.Start(t, size)
			css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
			text := func(sel string) string { return browsertest.Text(b, t, sel) }
			location := func() string { return browsertest.Eval(b, t, `location.pathname + location.search`).(string) }
			// go follows a link (by keyboard: focus it and press Enter) and
			// waits for the next page.
			follow := func(sel string) {
				t.Helper()
				before := location()
				if err := chromedp.Do(b, chromedp.Focus(css(sel)), chromedp.KeyEvent("\r")); err != nil {
					t.Fatalf("%s: %v", sel, err)
				}
				waitFor(t, "the page after "+sel, func() bool { return location() != before })
				if err := chromedp.Do(b, chromedp.WaitVisible(css("main h1"))); err != nil {
					t.Fatal(err)
				}
			}
			shots := map[string][]byte{}
			check := func(page string) {
				t.Helper()
				browsertest.CheckAccessible(b, t, script, size.Name+"-"+page)
				if lang := browsertest.Eval(b, t, `document.documentElement.lang`); lang != "vi" {
					t.Errorf("%s: lang %v", page, lang)
				}
				shots[page] = browsertest.Screenshot(b, t)
			}
			browsertest.SignIn(b, t, agg.URL()+"/login?next=%2F", "phan.thu", e2ePassword, "table[data-table=headline]")
			if h := text("main h1"); h != "Tổng quan" {
				t.Errorf("h1 %q", h)
			}
			if s := text(".ov-period"); !strings.Contains(s, "Kỳ Quý ") {
				t.Errorf("the default period is not the quarter: %q", s)
			}
			check("overview")
			if !size.Phone {
				// The whole path is walked on the phone; the desktop
				// checks the layout of the two kinds of page.
				follow(".ov-unit a")
				check("units-province")
				save(t, size.Name, shots, "overview", "units-province")
				return
			}

			// Another period: this month, from the form.
			if err := chromedp.Do(b, chromedp.SetValue(css("#ov-period"), month), chromedp.Click(css(".ov-filters button[type=submit]"))); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the month's overview", func() bool { return strings.Contains(location(), "period="+month) })
			if err := chromedp.Do(b, chromedp.WaitVisible(css("table[data-table=headline]"))); err != nil {
				t.Fatal(err)
			}
			if s := text(".ov-period"); !strings.Contains(s, "Kỳ Tháng ") {
				t.Errorf("the period chosen is not shown: %q", s)
			}
			rate := text("table[data-table=headline] tbody tr:first-child td:nth-of-type(2)")
			if !strings.HasSuffix(rate, "\u00a0%") || !strings.Contains(rate, ",") {
				t.Errorf("the rate is not written the Vietnamese way: %q", rate)
			}
			check("overview-month")

			// Down to the ranking of the province's units, sorted by name.
			follow(".ov-unit a")
			if h := text("main h1"); h != "Tỉnh Bắc Ninh" || !strings.Contains(location(), "period="+month) {
				t.Errorf("the province's page: %q at %s", h, location())
			}
			first := func() string { return text("table[data-table=ranking] tbody tr:first-child th") }
			if f := first(); f != "Phường Kinh Bắc" {
				t.Errorf("ranked first: %q", f)
			}
			follow(`table[data-table=ranking] thead a[href*="sort=name"]`)
			if f := first(); f != "Phường Bắc Giang" || !strings.Contains(location(), "sort=name") {
				t.Errorf("by name, first %q at %s", f, location())
			}
			if s := browsertest.Eval(b, t, `document.querySelector('table[data-table=ranking] th[aria-sort]').textContent`); s != "Đơn vị" {
				t.Errorf("sorted column %v", s)
			}
			check("units-province")

			// The ranking downloads as a CSV with the filters.
			s, err := chromedp.Run(b, chromedp.Evaluate[string](`(async () => {
				const a = document.querySelector('a[href*="format=csv"][href*="table=ranking"]');
				const r = await fetch(a.href);
				return r.headers.get('content-type') + '\n' + await r.text(); })()`, chromedp.EvalAwaitPromise))
			if err != nil || !strings.HasPrefix(s, "text/csv") || !strings.Contains(s, "Phường Kinh Bắc") || !strings.Contains(s, month) {
				t.Errorf("the CSV (%v): %.300s", err, s)
			}

			// Province → commune → centre, and back by the breadcrumb.
			follow(`table[data-table=ranking] tbody th a[href^="/units/09190"]`)
			if h := text("main h1"); h != "Phường Kinh Bắc" {
				t.Errorf("the commune's page: %q", h)
			}
			check("units-commune")
			follow(`table[data-table=ranking] tbody th a[href^="/units/TT-09190"]`)
			crumbs := text(".ov-crumbs")
			if !strings.Contains(crumbs, "Tỉnh Bắc Ninh") || !strings.Contains(crumbs, "Phường Kinh Bắc") || !strings.Contains(crumbs, "Trung tâm Phục vụ hành chính công phường Kinh Bắc") {
				t.Errorf("breadcrumb %q", crumbs)
			}
			check("units-centre")
			follow(`.ov-crumbs li:first-child a`)
			if h := text("main h1"); h != "Tỉnh Bắc Ninh" || !strings.Contains(location(), "period="+month) {
				t.Errorf("back up: %q at %s", h, location())
			}

			// A bad period: the page back with the message beside the field.
			if err := chromedp.Do(b, chromedp.Navigate(agg.URL()+"/units/24?from=2026-03-10&to=2026-03-01"), chromedp.WaitVisible(css("#ov-to-err"))); err != nil {
				t.Fatal(err)
			}
			if s := text("#ov-to-err"); !strings.Contains(s, "không được trước") {
				t.Errorf("beside the end: %q", s)
			}
			check("units-bad-period")
			save(t, size.Name, shots, "overview", "units-province", "units-centre", "units-bad-period")
		})
	}
}

// save keeps the named screenshots (see browsertest.KeepScreenshot).
func save(t *testing.T, size string, shots map[string][]byte, names ...string) {
	t.Helper()
	for _, name := range names {
		browsertest.KeepScreenshot(t, "aggregator-"+size+"-"+name, shots[name])
	}
}
