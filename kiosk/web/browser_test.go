package web_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// TestScreenInABrowser taps through the kiosk screen in headless Chromium:
// the citizen picks a level, sends, sees the thank-you screen, and the
// screen returns to the start by itself. A screenshot is kept in docs.
func TestScreenInABrowser(t *testing.T) {
	s, o, _ := newServerB(t)
	s.ResetAfter = time.Second
	ctx := browsertest.New(t, 1280, 800)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	pairBrowser(t, ctx, s, base[s], "Q1")
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

// TestIdleScreenOffersAPhoneCode leaves the lobby screen untouched and
// expects the walk-in QR code; a touch brings the survey back.
func TestIdleScreenOffersAPhoneCode(t *testing.T) {
	s, _, _ := newServerB(t)
	cred, _ := syncapi.NewCredential("k1")
	s.Signer, _ = qrtoken.KeyFromSecret(cred.Secret)
	s.PublicURL = "https://hailong.example.gov.vn"
	s.IdleQR = time.Second
	ctx := browsertest.New(t, 1280, 800)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	pairBrowser(t, ctx, s, base[s], "")
	if err := chromedp.Do(ctx, chromedp.Navigate(base[s]+"/?terminal=lobby-1"), chromedp.WaitVisible(css("#phone-qr"))); err != nil {
		t.Fatal(err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.getElementById("phone-qr-img").naturalWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width != 320 {
		t.Errorf("QR image is %d px wide, want 320 (not loaded?)", width)
	}
	shot, _ := chromedp.Run(ctx, chromedp.CaptureScreenshot()) // the screen as the citizen sees it
	if err := chromedp.Do(ctx, chromedp.Click(css("#phone-qr h1")), chromedp.WaitNotVisible(css("#phone-qr")), chromedp.WaitVisible(css("button.send"))); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("HAILONG_SCREENSHOTS") != "" {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", "kiosk-idle-qr.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
