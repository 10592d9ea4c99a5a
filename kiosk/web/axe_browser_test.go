package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// TestScreenIsAxeClean runs axe-core's WCAG 2 A/AA rules on the kiosk
// screen in every state a citizen meets: each questionnaire, in both
// languages, with the error of an empty form, the thanks, and the idle
// code for a phone; at the screen's size and at a phone's. It fails on any
// serious or critical violation. HAILONG_AXE_SHOTS keeps a screenshot of
// each.
func TestScreenIsAxeClean(t *testing.T) {
	script := browsertest.AxeScript(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	sizes := []struct {
		name          string
		width, height int
		phone         bool
	}{
		{"phone", 390, 844, true},
		{"desktop", 1280, 800, false},
	}
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			s, _, _ := newServerB(t)
			s.Questionnaires = append(s.Questionnaires, "sipas")
			s.ResetAfter = time.Hour     // the thanks stay until axe-core has looked
			lobby, _, _ := newServerB(t) // shows the code for a phone after a second untouched
			cred, _ := syncapi.NewCredential("k1")
			lobby.Signer, _ = qrtoken.KeyFromSecret(cred.Secret)
			lobby.PublicURL = "https://hailong.example.gov.vn"
			lobby.IdleQR = time.Second
			ctx := browsertest.New(t, size.width, size.height)
			if size.phone {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))); err != nil {
					t.Fatal(err)
				}
			}
			home := base[s] + "/?counter=Q1"
			lobbyAt := strings.Replace(base[lobby], "127.0.0.1", "localhost", 1) // its own cookies
			pairBrowser(t, ctx, s, base[s], "Q1")
			pairBrowser(t, ctx, lobby, lobbyAt, "")
			pages := []struct {
				name  string
				steps []chromedp.Action[chromedp.Void]
				shown string // what the screen must show before axe-core looks at it
			}{
				{"counter-quick", []chromedp.Action[chromedp.Void]{chromedp.Navigate(home)}, "button.send"},
				{"counter-quick-en", []chromedp.Action[chromedp.Void]{chromedp.Navigate(home + "&lang=en")}, "button.send"},
				{"sipas", []chromedp.Action[chromedp.Void]{chromedp.Navigate(home + "&q=sipas")}, "button.send"},
				{"empty-form", []chromedp.Action[chromedp.Void]{
					chromedp.Navigate(home),
					chromedp.WaitVisible(css("button.send")),
					chromedp.Click(css("button.send")),
				}, "#form-error"},
				{"thanks", []chromedp.Action[chromedp.Void]{
					chromedp.Navigate(home),
					chromedp.WaitVisible(css("button.send")),
					chromedp.Click(css(`fieldset[data-question="overall"] label.v3 span`)),
					chromedp.Click(css("button.send")),
				}, "#thanks"},
				{"idle-code", []chromedp.Action[chromedp.Void]{chromedp.Navigate(lobbyAt + "/?terminal=lobby-1")}, "#phone-qr"},
			}
			for _, p := range pages {
				if err := chromedp.Do(ctx, append(p.steps, chromedp.WaitVisible(css(p.shown)))...); err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
				browsertest.CheckAxe(ctx, t, script, p.name)
			}
			// axe-core does not measure borders: the (unchosen) options and the comment
			// box must stand out from the page and their own background by
			// 3:1 (WCAG 1.4.11, issue 11).
			least, err := chromedp.Run(ctx, chromedp.Evaluate[float64](borderContrast))
			if err != nil {
				t.Fatal(err)
			}
			if least < 3 {
				t.Errorf("an option or the comment box has a border of contrast %.2f:1, under 3:1", least)
			}
		})
	}
}

// borderContrast is the least contrast of the border of an option or the
// comment box against the element's own background and the page's.
const borderContrast = `(() => {
  const lum = (c) => {
    const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const page = getComputedStyle(document.body).backgroundColor;
  let least = 21;
  for (const e of document.querySelectorAll(".opt span, textarea")) {
    const s = getComputedStyle(e);
    least = Math.min(least, ratio(s.borderTopColor, s.backgroundColor), ratio(s.borderTopColor, page));
  }
  return least;
})()`
