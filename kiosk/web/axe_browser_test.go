package web_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// TestScreenIsAxeClean runs axe-core's WCAG 2 A/AA rules on the kiosk
// screen in every state a citizen meets: the faces of each questionnaire
// in both languages, in large text, each follow-up page (every SIPAS
// element), the countdown, the thanks, the idle code beside the faces, and
// the counter tablet; at a lobby screen's size, a tablet's and a phone's.
// It fails on any serious or critical violation. HAILONG_AXE_SHOTS keeps a
// screenshot of each.
func TestScreenIsAxeClean(t *testing.T) {
	script := browsertest.AxeScript(t)
	sizes := []struct {
		name          string
		width, height int
		phone         bool
	}{
		{"phone", 390, 844, true},
		{"tablet", 1280, 800, false},
		{"lobby", 1080, 1920, false},
	}
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			s, _, _ := newServerB(t)
			s.Questionnaires = append(s.Questionnaires, "sipas")
			s.ResetAfter = time.Hour // the thanks stay until axe-core has looked
			s.IdleReset, s.IdleWarning = time.Hour, time.Hour
			waiting, _, _ := newServerB(t) // counts down a second after a tap
			waiting.IdleReset, waiting.IdleWarning = time.Second, time.Hour
			lobbyNode, _, _ := newServerB(t) // shows the code for a phone after a second untouched
			cred, _ := syncapi.NewCredential("k1")
			lobbyNode.Signer, _ = qrtoken.KeyFromSecret(cred.Secret)
			lobbyNode.PublicURL = "https://hailong.example.gov.vn"
			lobbyNode.IdleQR = time.Second
			ctx := screen(t, size.width, size.height)
			if size.phone {
				steps(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)))
			}
			home := base[s] + "/?counter=Q1&official=CB-07"
			// Cookies belong to a host, not a port: each node's pairing
			// is kept under a name of its own (Chromium takes any
			// *.localhost for the loopback).
			waitingAt := strings.Replace(base[waiting], "127.0.0.1", "waiting.localhost", 1)
			lobbyAt := strings.Replace(base[lobbyNode], "127.0.0.1", "localhost", 1)
			pairBrowser(t, ctx, s, base[s], "Q1")
			pairBrowser(t, ctx, waiting, waitingAt, "")
			pairBrowser(t, ctx, lobbyNode, lobbyAt, "")
			tap := []chromedp.Action[chromedp.Void]{chromedp.Navigate(home), chromedp.WaitVisible(css(".face")), chromedp.Click(css(`.face[data-value="2"]`))}
			type page struct {
				name  string
				steps []chromedp.Action[chromedp.Void]
				shown string // what the screen must show before axe-core looks at it
			}
			pages := []page{
				{"counter-quick", []chromedp.Action[chromedp.Void]{chromedp.Navigate(home)}, ".face"},
				{"counter-quick-en", []chromedp.Action[chromedp.Void]{chromedp.Navigate(home + "&lang=en")}, ".face"},
				{"large-text", []chromedp.Action[chromedp.Void]{chromedp.Navigate(home), chromedp.WaitVisible(css(".face")), chromedp.Click(css("#large-toggle"))}, "html.large .face"},
				{"follow-up-1", tap, "#follow-ups"},
				{"follow-up-comment", append(tap, chromedp.WaitVisible(css("#follow-ups")), chromedp.Click(css("button.next")), chromedp.Click(css("button.next")), chromedp.Click(css("button.next")), chromedp.Click(css("button.next"))), "#f-comment"},
				{"thanks", append(tap, chromedp.WaitVisible(css("#follow-ups")), chromedp.Click(css("button.done"))), "#thanks"},
				{"countdown", []chromedp.Action[chromedp.Void]{chromedp.Navigate(waitingAt + "/"), chromedp.WaitVisible(css(".face")), chromedp.Click(css(".face"))}, "#idle-warning"},
				{"idle-code", []chromedp.Action[chromedp.Void]{chromedp.Navigate(lobbyAt + "/?terminal=lobby-1")}, "#phone-qr"},
				{"sipas", []chromedp.Action[chromedp.Void]{chromedp.Navigate(home + "&q=sipas")}, ".face"},
			}
			sipas := []chromedp.Action[chromedp.Void]{chromedp.Navigate(home + "&q=sipas"), chromedp.WaitVisible(css(".face")), chromedp.Click(css(`.face[data-value="4"]`)), chromedp.WaitVisible(css("#follow-ups"))}
			for i := range 7 {
				pages = append(pages, page{fmt.Sprintf("sipas-page-%d", i+1), slices.Clone(sipas), fmt.Sprintf(`.page[data-page="%d"]`, i)})
				sipas = append(sipas, chromedp.Click(css("button.next")))
			}
			for _, p := range pages {
				if err := chromedp.Do(ctx, append(p.steps, chromedp.WaitVisible(css(p.shown)))...); err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
				browsertest.CheckAxe(ctx, t, script, p.name)
				if size.phone {
					browsertest.CheckReflow(ctx, t, p.name)
				}
				// axe-core does not measure borders: the (unchosen) options and
				// the comment box must stand out from the page and their own
				// background by 3:1 (WCAG 1.4.11, issue 11).
				least, err := chromedp.Run(ctx, chromedp.Evaluate[float64](borderContrast))
				if err != nil {
					t.Fatal(err)
				}
				if least < 3 {
					t.Errorf("%s: a control has a border of contrast %.2f:1, under 3:1", p.name, least)
				}
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
  for (const e of document.querySelectorAll(".opt span, textarea, .speak, .back, .next")) {
    if (!e.offsetParent) continue;
    const s = getComputedStyle(e);
    least = Math.min(least, ratio(s.borderTopColor, s.backgroundColor), ratio(s.borderTopColor, page));
  }
  return least;
})()`
