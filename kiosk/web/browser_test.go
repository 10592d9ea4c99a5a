package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"hailong"
	"hailong/browsertest"
	"hailong/kiosk/bolt"
	"hailong/qrtoken"
	"hailong/syncapi"
)

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

// run is chromedp.Run failing the test on an error.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// do runs steps, failing the test on an error.
func steps(t *testing.T, ctx context.Context, a ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, a...); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls a JavaScript condition until it holds.
func waitFor(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		// A page navigating away ends a poll: poll the next one.
		if _, err = chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(time.Until(deadline)))); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: %v", cond, err)
}

// shot keeps a screenshot of the viewport in docs/screenshots when
// HAILONG_SCREENSHOTS is set, scaled by scale (a 1080×1920 lobby screen is
// kept at half size).
func shot(t *testing.T, ctx context.Context, name string, scale float64) {
	t.Helper()
	if os.Getenv("HAILONG_SCREENSHOTS") == "" {
		return
	}
	png := run(t, ctx, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		w, err := chromedp.Run(ctx, chromedp.Evaluate[float64]("innerWidth"))
		if err != nil {
			return nil, err
		}
		h, err := chromedp.Run(ctx, chromedp.Evaluate[float64]("innerHeight"))
		if err != nil {
			return nil, err
		}
		r, err := cdp.Call(ctx, tg, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Clip: &page.Viewport{Width: w, Height: h, Scale: scale},
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}))
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func outboxStats(t *testing.T, o *bolt.Outbox) bolt.Stats {
	t.Helper()
	st, err := o.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func pending(t *testing.T, o *bolt.Outbox) []hailong.Rating {
	t.Helper()
	p, err := o.Pending(10)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// screen is a browser whose page is exactly width×height CSS pixels.
func screen(t *testing.T, width, height int) context.Context {
	t.Helper()
	ctx := browsertest.New(t, width, height)
	steps(t, ctx, chromedp.EmulateViewport(int64(width), int64(height)))
	return ctx
}

// lobby is a portrait lobby screen, 1080×1920.
func lobby(t *testing.T) context.Context {
	t.Helper()
	return screen(t, 1080, 1920)
}

// tablet is a landscape counter tablet, 1280×800.
func tablet(t *testing.T) context.Context {
	t.Helper()
	return screen(t, 1280, 800)
}

// TestOneTapIsARating taps one face on a portrait lobby screen: the
// rating is stored at once (the node holds it open to follow-ups), and
// "done" with no follow-up answered sends it as it is, once.
func TestOneTapIsARating(t *testing.T) {
	s, o, _ := newServerB(t)
	s.ResetAfter = time.Second
	ctx := lobby(t)
	pairBrowser(t, ctx, s, base[s], "")
	steps(t, ctx, chromedp.Navigate(base[s]+"/?terminal=lobby-1"), chromedp.WaitVisible(css(".face.m-very-good")))
	lang := run(t, ctx, chromedp.Evaluate[string]("document.documentElement.lang"))
	// Within a seated person's reach: every face in the lower half.
	top := run(t, ctx, chromedp.Evaluate[float64](`Math.min(...[...document.querySelectorAll(".face")].map(f => f.getBoundingClientRect().top)) / innerHeight`))
	steps(t, ctx, chromedp.Click(css(".face.m-very-good")), chromedp.WaitVisible(css("#follow-ups")))
	if st := outboxStats(t, o); st.Held != 1 {
		t.Fatalf("after the tap the node holds %d ratings, want 1", st.Held)
	}
	recorded := run(t, ctx, chromedp.Text(css("#follow-ups h1")))
	steps(t, ctx, chromedp.Click(css("button.done")), chromedp.WaitVisible(css("#thanks")))
	steps(t, ctx, chromedp.WaitVisible(css("#start"))) // back by itself
	if lang != "vi" || top < .5 || !strings.Contains(recorded, "đã được ghi nhận") {
		t.Errorf("lang %q, faces from %.0f%% of the height (want the lower half), after the tap %q", lang, top*100, recorded)
	}
	p := pending(t, o)
	if len(p) != 1 || len(p[0].Answers) != 1 || p[0].Answers["overall"].Value != 3 {
		t.Fatalf("queued %+v, want one rating of 3 and nothing else", p)
	}
	if st := outboxStats(t, o); st.Held != 0 || st.Queued != 1 {
		t.Errorf("held %d, queued %d; want 0 and 1", st.Held, st.Queued)
	}
}

// TestFollowUpsAmendTheRating answers follow-ups on a 1280×800 counter
// tablet, going back a page on the way: the same rating, under the tap's
// id, carries them. The tablet names its counter and official and never
// scrolls.
func TestFollowUpsAmendTheRating(t *testing.T) {
	s, o, _ := newServerB(t)
	s.ShowOfficial = "name"
	ctx := tablet(t)
	pairBrowser(t, ctx, s, base[s], "Q1")
	steps(t, ctx, chromedp.Navigate(base[s]+"/?counter=Q1&official=CB-07&official_name="+strings.ReplaceAll("Nguyễn Thị Lan", " ", "%20")),
		chromedp.WaitVisible(css(".face")))
	who := run(t, ctx, chromedp.Text(css(".top")))
	shot(t, ctx, "kiosk-tablet.png", 1)
	fits := `document.documentElement.scrollHeight <= innerHeight && [...document.querySelectorAll("button.done, .face")].every(b => b.offsetParent === null || b.getBoundingClientRect().bottom <= innerHeight)`
	if !run(t, ctx, chromedp.Evaluate[bool](fits)) {
		t.Error("the start does not fit 1280×800")
	}
	steps(t, ctx, chromedp.Click(css(".face.m-good")), chromedp.WaitVisible(css("#follow-ups")))
	steps(t, ctx,
		chromedp.Click(css(`[data-question="result_time"] input[value="1"] + span`)),
		chromedp.Click(css("button.next")),
		chromedp.Click(css(`[data-question="contacts"] input[value="2"] + span`)),
		chromedp.Click(css("button.back")),
	)
	chosen := run(t, ctx, chromedp.Evaluate[bool](`document.querySelector('[data-question="result_time"] input[value="1"]').checked`))
	for range 4 {
		if !run(t, ctx, chromedp.Evaluate[bool](fits)) {
			t.Errorf("page %q does not fit 1280×800", run(t, ctx, chromedp.Text(css("#step-text"))))
		}
		steps(t, ctx, chromedp.Click(css("button.next")))
	}
	steps(t, ctx, chromedp.SendKeys(css("#f-comment"), "Nhanh, chu đáo"), chromedp.Click(css("button.done")), chromedp.WaitVisible(css("#thanks")))
	var p []hailong.Rating
	for range 50 {
		if p = pending(t, o); len(p) == 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !chosen || !strings.Contains(who, "Quầy Q1") || !strings.Contains(who, "Công chức Nguyễn Thị Lan") {
		t.Errorf("after going back the answer is chosen: %v; the tablet says %q", chosen, who)
	}
	if len(p) != 1 {
		t.Fatalf("queued %d ratings, want the one", len(p))
	}
	want := hailong.Answers{"overall": hailong.Int(2), "result_time": hailong.Int(1), "contacts": hailong.Int(2), "comment": hailong.Str("Nhanh, chu đáo")}
	if len(p[0].Answers) != len(want) || p[0].Counter != "Q1" || p[0].Official != "CB-07" {
		t.Fatalf("recorded %+v, want answers %v at Q1 by CB-07", p[0], want)
	}
	for k, v := range want {
		if p[0].Answers[k] != v {
			t.Errorf("answer %s = %+v, want %+v", k, p[0].Answers[k], v)
		}
	}
}

// TestIdleCountdownAndContinue leaves a screen with follow-ups open: a
// countdown shows with a way to continue, which keeps the page; left
// again, the screen starts over, the rating goes with what was answered,
// and the large text is gone.
func TestIdleCountdownAndContinue(t *testing.T) {
	s, o, _ := newServerB(t)
	s.IdleReset, s.IdleWarning = time.Second, 3*time.Second // 60 s and 20 s at a centre
	ctx := lobby(t)
	pairBrowser(t, ctx, s, base[s], "")
	steps(t, ctx, chromedp.Navigate(base[s]+"/"), chromedp.WaitVisible(css(".face")),
		chromedp.Click(css("#large-toggle")),
		chromedp.Click(css(`.face[data-value="1"]`)), chromedp.WaitVisible(css("#follow-ups")),
		chromedp.Click(css(`[data-question="result_time"] input[value="0"] + span`)),
		chromedp.WaitVisible(css("#idle-warning")))
	countdown := run(t, ctx, chromedp.Text(css("#idle-more")))
	steps(t, ctx, chromedp.Click(css("#idle-continue")), chromedp.WaitNotVisible(css("#idle-warning")))
	still := run(t, ctx, chromedp.Evaluate[bool](`!document.getElementById("follow-ups").hidden && document.querySelector('[data-question="result_time"] input[value="0"]').checked`))
	steps(t, ctx, chromedp.WaitVisible(css("#idle-warning")), chromedp.WaitVisible(css("#start")))
	large := run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.classList.contains("large")`))
	if !strings.Contains(countdown, "giây") || !still || large {
		t.Errorf("countdown %q; after continue the page stays: %v; large text after the reset: %v", countdown, still, large)
	}
	var p []hailong.Rating
	for range 50 {
		if p = pending(t, o); len(p) == 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(p) != 1 || p[0].Answers["result_time"].Value != 0 || p[0].Answers["overall"].Value != 1 {
		t.Fatalf("queued %+v, want the rating with its one follow-up answer", p)
	}
}

// TestTypingKeepsTheScreen types a comment slowly for well past the idle
// time: typing is input, so no countdown shows and nothing is lost (the
// old screen counted only touches and cleared after 60 s).
func TestTypingKeepsTheScreen(t *testing.T) {
	s, _, _ := newServerB(t)
	s.IdleReset, s.IdleWarning = 2*time.Second, 2*time.Second
	ctx := lobby(t)
	pairBrowser(t, ctx, s, base[s], "")
	steps(t, ctx, chromedp.Navigate(base[s]+"/"), chromedp.WaitVisible(css(".face")),
		chromedp.Click(css(".face.m-good")), chromedp.WaitVisible(css("#follow-ups")))
	for range 4 {
		steps(t, ctx, chromedp.Click(css("button.next")))
	}
	steps(t, ctx, chromedp.Evaluate[chromedp.Void](`window.warned = 0; new MutationObserver(() => { if (!document.getElementById("idle-warning").hidden) window.warned++; }).observe(document.getElementById("idle-warning"), {attributes: true})`))
	text := "Cán bộ hướng dẫn rất tận tình"
	steps(t, ctx, chromedp.Focus(css("#f-comment")))
	started := time.Now()
	for _, r := range text { // about 9 s of typing against an idle time of 2 s
		steps(t, ctx, chromedp.KeyEvent(string(r)), chromedp.Sleep(300*time.Millisecond))
	}
	typed := run(t, ctx, chromedp.Value(css("#f-comment")))
	warned := run(t, ctx, chromedp.Evaluate[int]("window.warned"))
	if time.Since(started) < 2*s.IdleReset {
		t.Fatalf("typed for %v only", time.Since(started))
	}
	if warned != 0 || typed != text {
		t.Errorf("countdowns while typing: %d; the box holds %q", warned, typed)
	}
}

// TestLanguageResetsForTheNextCitizen rates in English: once thanked, the
// screen goes back to Vietnamese; and an English screen left untouched
// does so too, after its countdown.
func TestLanguageResetsForTheNextCitizen(t *testing.T) {
	s, _, _ := newServerB(t)
	s.ResetAfter = time.Second
	s.IdleReset, s.IdleWarning = time.Second, time.Second
	ctx := lobby(t)
	pairBrowser(t, ctx, s, base[s], "")
	steps(t, ctx, chromedp.Navigate(base[s]+"/?lang=en&terminal=lobby-1"), chromedp.WaitVisible(css(".face")))
	title := run(t, ctx, chromedp.Text(css("#start h1")))
	steps(t, ctx, chromedp.Click(css(".face.m-good")), chromedp.WaitVisible(css("#follow-ups")),
		chromedp.Click(css("button.done")), chromedp.WaitVisible(css("#thanks")))
	waitFor(t, ctx, `document.documentElement.lang === "vi" && document.readyState === "complete"`)
	again := run(t, ctx, chromedp.Text(css("#start h1")))
	terminal := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("survey").dataset.terminal`))
	if title != "Quick rating at the counter" || again != "Đánh giá nhanh tại quầy" || terminal != "lobby-1" {
		t.Errorf("English %q, then %q at terminal %q", title, again, terminal)
	}
	steps(t, ctx, chromedp.Navigate(base[s]+"/?lang=en"), chromedp.WaitVisible(css(".face")))
	waitFor(t, ctx, `document.documentElement.lang === "vi"`)
}

// TestSIPASIsPaged: the 19-question SIPAS survey comes as one page per
// element after the tap, with progress and a way back.
func TestSIPASIsPaged(t *testing.T) {
	s, _, _ := newServerB(t)
	s.Questionnaires = []string{"sipas"}
	ctx := tablet(t)
	pairBrowser(t, ctx, s, base[s], "")
	steps(t, ctx, chromedp.Navigate(base[s]+"/"), chromedp.WaitVisible(css(".face")))
	faces := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".face").length`))
	steps(t, ctx, chromedp.Click(css(".face.m-neutral")), chromedp.WaitVisible(css("#follow-ups")))
	var got []string
	for i := range 7 {
		step := run(t, ctx, chromedp.Text(css("#step-text")))
		title := run(t, ctx, chromedp.Evaluate[string](`(document.querySelector(".page:not([hidden]) h2") || {}).textContent || ""`))
		fits := run(t, ctx, chromedp.Evaluate[bool](`document.querySelector("button.done").getBoundingClientRect().bottom <= innerHeight`))
		backOff := run(t, ctx, chromedp.Evaluate[bool](`document.querySelector("button.back").disabled`))
		got = append(got, step+" "+title)
		if i == 0 {
			shot(t, ctx, "kiosk-sipas-page.png", 1)
		}
		if !fits {
			t.Errorf("%s: the done button is below the fold", step)
		}
		if backOff != (i == 0) {
			t.Errorf("%s: back disabled %v", step, backOff)
		}
		if i < 6 {
			steps(t, ctx, chromedp.Click(css("button.next")))
		}
	}
	if faces != 5 || got[0] != "Bước 1 / 7 Tiếp cận dịch vụ" || got[4] != "Bước 5 / 7 Tiếp nhận, xử lý phản ánh, kiến nghị" || !strings.HasPrefix(got[6], "Bước 7 / 7") {
		t.Errorf("%d faces; pages %q", faces, got)
	}
}

// TestSpokenPrompts: each question and face has a speaker button playing
// an embedded recording Chromium can play; read aloud is on by default
// where the centre turned it on.
func TestSpokenPrompts(t *testing.T) {
	s, _, _ := newServerB(t)
	s.Speak = true
	ctx := lobby(t)
	pairBrowser(t, ctx, s, base[s], "")
	steps(t, ctx, chromedp.Navigate(base[s]+"/"), chromedp.WaitVisible(css(".face")))
	canPlay := run(t, ctx, chromedp.Evaluate[string](`new Audio().canPlayType('audio/ogg; codecs="opus"')`))
	buttons := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#start .speak").length`))
	pressed := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("speak-toggle").getAttribute("aria-pressed")`))
	steps(t, ctx, chromedp.Click(css(".rate .ask .speak")))
	// The recording decodes and plays to its end.
	waitFor(t, ctx, `(() => { const a = [...document.querySelectorAll(".speak")].find(b => b.classList.contains("playing")); return !a; })() && performance.getEntriesByType("resource").some(e => e.name.includes("/audio/vi/"))`)
	duration := run(t, ctx, chromedp.Evaluate[float64](`new Promise(ok => { const a = new Audio(document.querySelector(".rate .ask .speak").dataset.audio); a.onloadedmetadata = () => ok(a.duration); a.onerror = () => ok(-1); })`, chromedp.EvalAwaitPromise))
	if canPlay != "probably" || buttons != 4 || pressed != "true" || duration < 1 {
		t.Errorf("canPlayType %q, %d speaker buttons on the start (want 4), read aloud %s, recording of %.1f s", canPlay, buttons, pressed, duration)
	}
}

// TestIdleScreenOffersAPhoneCode leaves the lobby screen untouched and
// expects the walk-in code in a panel beside the faces, covering none.
func TestIdleScreenOffersAPhoneCode(t *testing.T) {
	s, _, _ := newServerB(t)
	cred, _ := syncapi.NewCredential("k1")
	s.Signer, _ = qrtoken.KeyFromSecret(cred.Secret)
	s.PublicURL = "https://hailong.example.gov.vn"
	s.IdleQR = time.Second
	ctx := lobby(t)
	pairBrowser(t, ctx, s, base[s], "")
	steps(t, ctx, chromedp.Navigate(base[s]+"/?terminal=lobby-1"), chromedp.WaitVisible(css("#phone-qr")))
	width := run(t, ctx, chromedp.Evaluate[int](`document.getElementById("phone-qr-img").naturalWidth`))
	overlap := run(t, ctx, chromedp.Evaluate[bool](`(() => {
	  const q = document.getElementById("phone-qr").getBoundingClientRect();
	  return [...document.querySelectorAll(".face, .speak, .tool")].some(e => { const r = e.getBoundingClientRect();
	    return r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom; });
	})()`))
	shot(t, ctx, "kiosk-lobby.png", .5)
	if width != 320 || overlap {
		t.Errorf("QR image %d px wide (want 320); the panel covers a control: %v", width, overlap)
	}
	steps(t, ctx, chromedp.Click(css(".face.m-good")), chromedp.WaitVisible(css("#follow-ups")))
}
