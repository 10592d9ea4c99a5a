package web_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"hailong/browsertest"
)

// TestReportsPageInChromium signs in, opens the reports page at phone and
// desktop size, checks it with axe-core and for reflow (with a refused
// year beside its field too), chooses a quarter and downloads the PDF.
// HAILONG_AXE_SHOTS keeps a screenshot of each state.
func TestReportsPageInChromium(t *testing.T) {
	script := browsertest.AxeScript(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	for _, size := range browsertest.Sizes {
		t.Run(size.Name, func(t *testing.T) {
			base := reportsServer(t)
			ctx := browsertest.Start(t, size)
			browsertest.SignIn(ctx, t, base+"/login?next=%2Freports", "dung", "correct horse 1", "#reports-unit")
			browsertest.CheckAccessible(ctx, t, script, "reports")

			// A year that is not one comes back beside its field.
			if err := chromedp.Do(ctx,
				chromedp.SetValue(css("#reports-year"), "20x6"),
				chromedp.Click(css("button[value=pdf]")),
				chromedp.WaitVisible(css("#reports-year-error")),
			); err != nil {
				t.Fatal(err)
			}
			msg, err := chromedp.Run(ctx, chromedp.Text(css("#reports-year-error")))
			if err != nil || msg != "“20x6” không phải một năm từ 2015 đến 2100" {
				t.Errorf("the year's message is %q (%v)", msg, err)
			}
			browsertest.CheckAccessible(ctx, t, script, "reports-refused")

			// Quarter 2 of 2026, downloaded as PDF.
			dir := t.TempDir()
			// The timeout only guards against a download that never ends;
			// it measures nothing.
			wait, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			progress := chromedp.Events(wait, browser.DownloadProgress)
			if err := chromedp.Do(ctx,
				chromedp.SetValue(css("#reports-year"), "2026"),
				chromedp.SetValue(css("#reports-quarter"), "2"),
				chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
					events := true
					_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
						Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events})
					return err
				}),
				chromedp.Click(css("button[value=pdf]")),
			); err != nil {
				t.Fatal(err)
			}
			var file string
			for ev, err := range progress {
				if err != nil {
					t.Fatalf("no download: %v", err)
				}
				if ev.State == browser.DownloadProgressStateCompleted {
					file = filepath.Join(dir, ev.GUID)
					break
				}
			}
			pdf, err := os.ReadFile(file)
			if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("the download is not a PDF: %v %.20q", err, pdf)
			}
			text := pdfText(t, pdf)
			for _, want := range []string{"Quý 2/2026", "Tỉnh Bắc Ninh", "Mức độ hài lòng"} {
				if !bytes.Contains([]byte(text), []byte(want)) {
					t.Errorf("the downloaded PDF lacks %q", want)
				}
			}
		})
	}
}
