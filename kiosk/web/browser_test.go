package web_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
)

// TestScreenInABrowser taps through the kiosk screen in headless Chromium:
// the citizen picks a level, sends, sees the thank-you screen, and the
// screen returns to the start by itself. A screenshot is kept in docs.
func TestScreenInABrowser(t *testing.T) {
	s, o, _ := newServerB(t)
	s.ResetAfter = time.Second
	ctx := browsertest.New(t, 1280, 800)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := chromedp.Do(ctx, chromedp.Navigate(base[s]+"/?counter=Q1"), chromedp.WaitVisible(css("button.send"))); err != nil {
		t.Fatal(err)
	}
	lang, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.lang"))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(css(`fieldset[data-question="overall"] label.v3 span`)), // Rất hài lòng
		chromedp.Click(css(`fieldset[data-question="contacts"] label.v2 span`)),
		chromedp.Click(css(`button.send`)),
		chromedp.WaitVisible(css(`#thanks`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	thanks, err := chromedp.Run(ctx, chromedp.Text(css(`#thanks h1`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(css(`#rating-form`))); err != nil { // back by itself
		t.Fatal(err)
	}
	formAgain, err := chromedp.Run(ctx, chromedp.Text(css(`#rating-form h1`)))
	if err != nil {
		t.Fatal(err)
	}
	if lang != "vi" || thanks != "Xin cảm ơn Ông/Bà!" || formAgain != "Đánh giá nhanh tại quầy" {
		t.Errorf("lang %q, thanks %q, form %q", lang, thanks, formAgain)
	}
	pending, err := o.Pending(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Answers["overall"].Value != 3 || pending[0].Answers["contacts"].Value != 2 || pending[0].Counter != "Q1" {
		t.Fatalf("recorded %+v", pending)
	}
	if os.Getenv("HAILONG_SCREENSHOTS") != "" { // refresh the picture in docs
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", "kiosk-screen.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
