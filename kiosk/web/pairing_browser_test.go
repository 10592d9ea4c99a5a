package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"hailong"
	"hailong/browsertest"
	"hailong/kiosk/web"
	"hailong/qrtoken"
)

// pairBrowser pairs the browser with s as an administrator would: it opens
// the screen at at (s's address, or another name of it), reads the code the
// unpaired screen shows, pairs it, and waits for the survey to open by
// itself. Cookies belong to a host, not a port: two servers of one test
// are paired under two host names (127.0.0.1 and localhost).
func pairBrowser(t *testing.T, ctx context.Context, s *web.Server, at, counter string) {
	t.Helper()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := chromedp.Do(ctx, chromedp.Navigate(at+"/"), chromedp.WaitVisible(css("#pair-code"))); err != nil {
		t.Fatal(err)
	}
	code, err := chromedp.Run(ctx, chromedp.Text(css("#pair-code")))
	if err != nil {
		t.Fatal(err)
	}
	name := "lobby"
	if counter != "" {
		name = "quay-" + counter
	}
	if _, err := s.Terminals.Pair(strings.TrimSpace(code), name, counter); err != nil {
		t.Fatalf("pair %q: %v", code, err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(css("#survey"))); err != nil {
		t.Fatal(err)
	}
}

// TestAnUnpairedBrowserIsRefused opens the screen in Chromium unpaired: it
// shows a pairing code, and a rating posted from it is refused; once an
// administrator pairs the code the survey opens and records; once revoked,
// the screen is refused again.
func TestAnUnpairedBrowserIsRefused(t *testing.T) {
	s, o, _ := newServerB(t)
	ctx := browsertest.New(t, 1280, 800)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := chromedp.Do(ctx, chromedp.Navigate(base[s]+"/"), chromedp.WaitVisible(css("#pair-code"))); err != nil {
		t.Fatal(err)
	}
	browsertest.CheckAxe(ctx, t, browsertest.AxeScript(t), "pairing")
	post := `fetch("/api/v1/ratings", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({questionnaire: "counter-quick", answers: {overall: 1}})}).then(r => r.status)`
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](post, awaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if status != 401 {
		t.Errorf("an unpaired browser's rating: %d, want 401", status)
	}
	pairBrowser(t, ctx, s, base[s], "")
	if status, err = chromedp.Run(ctx, chromedp.Evaluate[int](post, awaitPromise)); err != nil || status != 201 {
		t.Errorf("a paired browser's rating: %d %v, want 201", status, err)
	}
	st, _ := o.Stats()
	if st.Queued != 1 {
		t.Errorf("queued %d, want 1", st.Queued)
	}
	for _, term := range s.Terminals.List() {
		if term.Name == "lobby" {
			if _, err := s.Terminals.Revoke(term.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if status, err = chromedp.Run(ctx, chromedp.Evaluate[int](post, awaitPromise)); err != nil || status != 401 {
		t.Errorf("a revoked browser's rating: %d %v, want 401", status, err)
	}
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(css("#pair-code"))); err != nil {
		t.Errorf("a revoked screen shows no pairing code: %v", err)
	}
}

func awaitPromise(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }

// TestACounterTabletShowsTheOpenedRating: the one-stop software opens a
// rating for a dossier at counter Q1; Q1's tablet shows which dossier; the
// citizen's tap is recorded as the dossier's one rating, and the prompt
// goes. Where no software is integrated the official opens one by a tap.
func TestACounterTabletShowsTheOpenedRating(t *testing.T) {
	s, o, _ := newServerB(t)
	s.ResetAfter = time.Hour // the official opens the next rating while the thanks show
	ctx := browsertest.New(t, 1280, 800)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	pairBrowser(t, ctx, s, base[s], "Q1")
	const dossier = "H15.50.05.13-261008-0975"
	open := func() {
		t.Helper()
		req, _ := http.NewRequest("POST", base[s]+"/api/v1/counters/Q1/open", strings.NewReader(`{"dossier":"`+dossier+`","official":"cb-0012"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+software[s])
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("open: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	open()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(css("#opened"))); err != nil {
		t.Fatal(err)
	}
	banner, err := chromedp.Run(ctx, chromedp.Text(css("#opened")))
	if err != nil || !strings.Contains(banner, dossier) || !strings.Contains(banner, "Q1") {
		t.Fatalf("the tablet shows %q %v", banner, err)
	}
	browsertest.CheckAxe(ctx, t, browsertest.AxeScript(t), "counter-opened")
	// The tap is held under the dossier's id; its follow-up answer amends
	// it there.
	err = chromedp.Do(ctx,
		chromedp.Click(css(".face.m-very-good")),
		chromedp.WaitVisible(css("#follow-ups")),
		chromedp.Click(css(`[data-question="result_time"] input[value="1"] + span`)),
		chromedp.Click(css("button.done")),
		chromedp.WaitVisible(css(`#thanks`)),
		chromedp.WaitNotVisible(css("#opened")),
	)
	if err != nil {
		t.Fatal(err)
	}
	var queued []hailong.Rating
	for range 50 { // the follow-ups are sent as the thanks show
		if queued = pending(t, o); len(queued) == 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(queued) != 1 || queued[0].Dossier != dossier || queued[0].ID != qrtoken.DossierRatingID("TT-1", dossier) || queued[0].Official != "cb-0012" || queued[0].Answers["result_time"] != hailong.Int(1) {
		t.Fatalf("recorded %+v", queued)
	}
	// The dossier opened again: the citizen's tap is refused, and the
	// tablet says when the dossier was rated.
	open()
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(css("#opened")),
		chromedp.WaitVisible(css(".face.m-bad")),
		chromedp.Click(css(".face.m-bad")),
		chromedp.WaitVisible(css("#tap-error")),
	)
	if err != nil {
		t.Fatal(err)
	}
	clock, date := hailong.ClockAndDate("vi", queued[0].At)
	if said, _ := chromedp.Run(ctx, chromedp.Text(css("#tap-error"))); !strings.Contains(said, "Hồ sơ này đã được đánh giá lúc "+clock+" ngày "+date) {
		t.Errorf("a second rating of the dossier: the tablet says %q", said)
	}
	if len(pending(t, o)) != 1 {
		t.Errorf("the refused tap was recorded")
	}
	// The refused tap took the opening: the tablet stops showing it.
	if err := chromedp.Do(ctx, chromedp.WaitNotVisible(css("#opened"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(css(".open-rating"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(css("#opened"))); err != nil {
		t.Fatal(err)
	}
	if banner, _ := chromedp.Run(ctx, chromedp.Text(css("#opened"))); !strings.Contains(banner, "Mời Ông/Bà") {
		t.Errorf("the official's tap shows %q", banner)
	}
}
