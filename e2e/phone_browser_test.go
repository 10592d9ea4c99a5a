package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
	"hailong/qrtoken"
)

// TestPhonePageInABrowser rates a dossier from a phone-sized headless
// Chromium, by touch, and checks what a cheap phone on 3G would load.
// HAILONG_SCREENSHOTS=1 keeps screenshots in docs/screenshots.
func TestPhonePageInABrowser(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	key, _ := qrtoken.KeyFromSecret(cred.Secret)
	tok, _ := qrtoken.Sign(key, qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "kiosk-1", Unit: centre,
		Dossier: "H15.50.05.13-261008-0975", Procedure: "1.004122", Official: "cb-0012", Expires: time.Now().Add(time.Hour)})
	link := agg.URL() + "/r/" + tok

	// The whole page, HTML and CSS, is small and self-contained.
	html := fetch(t, link)
	css := fetch(t, agg.URL()+"/static/phone.css")
	if total := len(html) + len(css); total > 50<<10 {
		t.Errorf("page weighs %d bytes, over 50 KB", total)
	}
	if strings.Contains(html, "<script") || regexp.MustCompile(`(src|href)="https?://`).MatchString(html) {
		t.Error("the page must work without JavaScript and load nothing from elsewhere")
	}
	for _, want := range []string{`lang="vi"`, "<h1>", "Trung tâm Phục vụ hành chính công phường Kinh Bắc", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "dịch vụ đã nhận", "<legend>", `type="radio"`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// A link is good for 30 days: the page asks about the service received,
	// and names the procedure, not its code.
	for _, unwanted := range []string{"hôm nay", "1.004122"} {
		if strings.Contains(html, unwanted) {
			t.Errorf("page says %q", unwanted)
		}
	}
	if strings.Contains(html, "0975") || strings.Contains(html, "cb-0012") {
		t.Error("the page must not show the dossier or the official")
	}

	ctx := browsertest.Start(t, browsertest.Phone)
	css2 := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(css2("button[type=submit]")),
	); err != nil {
		t.Fatal(err)
	}
	form := browsertest.Screenshot(ctx, t)
	if err := chromedp.Do(ctx,
		chromedp.Tap(css2(`input[name="overall"][value="3"]`)),
		chromedp.Tap(css2(`input[name="attitude"][value="2"]`)),
		chromedp.SendKeys(css2(`textarea[name="comment"]`), "Cán bộ hướng dẫn tận tình"),
		chromedp.Click(css2("button[type=submit]")),
		chromedp.WaitVisible(css2(".n-thanks")),
	); err != nil {
		t.Fatal(err)
	}
	heading, next := browsertest.Text(ctx, t, "h1"), browsertest.Text(ctx, t, ".n-thanks")
	if heading != "Xin cảm ơn Ông/Bà!" || !strings.Contains(next, "chỉ số mức độ hài lòng") || !strings.Contains(next, "góp ý") {
		t.Errorf("after sending: %q, %q: the citizen is not told what happens with the rating", heading, next)
	}
	thanks, _ := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today(), "channel", "qr", "official", "cb-0012"))
	if s.N != 1 || s.Satisfied != 1 {
		t.Fatalf("n=%d satisfied=%d", s.N, s.Satisfied)
	}
	browsertest.KeepScreenshot(t, "phone-form", form)
	browsertest.KeepScreenshot(t, "phone-thanks", thanks)
}

func fetch(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return string(b)
}
