package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
)

// TestDatesAreTypedThePagesWay types dates into the overview's form in
// Chromium, whose own date picker would show the browser's locale
// (mm/dd/yyyy): the Vietnamese page takes 05/11/2026 as 5 November and
// shows it back as 05/11/2026; 31/11/2026 comes back beside its field in
// Vietnamese; the English page shows ISO dates. No page of the workspace
// keeps a browser date picker.
func TestDatesAreTypedThePagesWay(t *testing.T) {
	script := browsertest.AxeScript(t)
	base := analysisServer(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	ctx := browsertest.Start(t, browsertest.Desktop)
	browsertest.SignIn(ctx, t, base+"/login?next=%2F", "dung", "correct horse 1", "#ov-from")
	query := func() url.Values {
		t.Helper()
		v, err := url.ParseQuery(strings.TrimPrefix(browsertest.Eval(ctx, t, `location.search`).(string), "?"))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// typeDates chooses custom dates and types from and to, as a reader
	// does, then sends the form.
	typeDates := func(from, to string) {
		t.Helper()
		before := browsertest.Eval(ctx, t, `location.href`)
		// The first choice of the period, custom dates, and the fields
		// emptied (chromedp sets no empty value).
		browsertest.Eval(ctx, t, `document.querySelector("#ov-period").selectedIndex = 0; document.querySelector("#ov-from").value = document.querySelector("#ov-to").value = ""`)
		if err := chromedp.Do(ctx, chromedp.SendKeys(css("#ov-from"), from), chromedp.SendKeys(css("#ov-to"), to)); err != nil {
			t.Fatal(err)
		}
		browsertest.Eval(ctx, t, `document.querySelector(".ov-filters").requestSubmit(), true`)
		// The next page: a poll the navigation interrupts is polled again.
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			next, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.href != `+jsString(before.(string))+` && document.readyState == "complete"`))
			if err == nil && next {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the form sent no page: %v", err)
			}
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(css("#ov-from"))); err != nil {
			t.Fatal(err)
		}
	}

	for _, path := range []string{"/", "/units/24"} {
		wait, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(wait, chromedp.Navigate(base+path), chromedp.WaitVisible(css("#main h1, main h1")))
		cancel()
		if err != nil {
			t.Fatalf("%s: %v: %s", path, err, browsertest.Eval(ctx, t, `document.body.innerText.slice(0, 300)`))
		}
		if n := browsertest.Eval(ctx, t, `document.querySelectorAll("input[type=date]").length`); n != float64(0) {
			t.Errorf("%s: %v browser date pickers", path, n)
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(css("#ov-from"))); err != nil {
		t.Fatal(err)
	}
	typeDates("05/11/2026", "30/11/2026")
	if q := query(); q.Get("from") != "05/11/2026" || q.Get("to") != "30/11/2026" {
		t.Errorf("the form sent from=%q to=%q", q.Get("from"), q.Get("to"))
	}
	if s := browsertest.Text(ctx, t, ".ov-period"); !strings.Contains(s, "Kỳ 05/11/2026 – 30/11/2026") {
		t.Errorf("05/11/2026 to 30/11/2026 is not 5 to 30 November: %q", s)
	}
	for sel, want := range map[string]string{"#ov-from": "05/11/2026", "#ov-to": "30/11/2026"} {
		if v := browsertest.Eval(ctx, t, `document.querySelector("`+sel+`").value`); v != want {
			t.Errorf("%s shows %v, want %s", sel, v, want)
		}
	}
	if hint := browsertest.Text(ctx, t, `label[for="ov-from"]`); !strings.Contains(hint, "dd/mm/yyyy") {
		t.Errorf("the label says no format: %q", hint)
	}
	browsertest.CheckAccessible(ctx, t, script, "overview-typed-dates")
	browsertest.KeepScreenshot(t, "aggregator-desktop-typed-dates", browsertest.Screenshot(ctx, t))

	// A day November lacks: the page again, the message beside the field,
	// what was typed kept in it.
	typeDates("31/11/2026", "30/12/2026")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(css("#ov-from-err"))); err != nil {
		t.Fatal(err)
	}
	if s := browsertest.Text(ctx, t, "#ov-from-err"); !strings.Contains(s, "31/11/2026") || !strings.Contains(s, "ngày/tháng/năm") {
		t.Errorf("beside from: %q", s)
	}
	if v := browsertest.Eval(ctx, t, `document.querySelector("#ov-from").value`); v != "31/11/2026" {
		t.Errorf("the field shows %v, not what was typed", v)
	}
	if n := browsertest.Eval(ctx, t, `document.querySelectorAll("table[data-table]").length`); n != float64(0) {
		t.Errorf("%v tables shown for a bad date", n)
	}
	browsertest.CheckAccessible(ctx, t, script, "overview-bad-date")
	browsertest.KeepScreenshot(t, "aggregator-desktop-bad-date", browsertest.Screenshot(ctx, t))

	// The English page writes dates as ISO, and reads them so.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?lang=en"), chromedp.WaitVisible(css("#ov-from"))); err != nil {
		t.Fatal(err)
	}
	typeDates("2026-11-05", "2026-11-30")
	if s := browsertest.Text(ctx, t, ".ov-period"); !strings.Contains(s, "5 Nov 2026") {
		t.Errorf("the English page's period: %q", s)
	}
	if v := browsertest.Eval(ctx, t, `document.querySelector("#ov-from").value`); v != "2026-11-05" {
		t.Errorf("the English field shows %v", v)
	}
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
