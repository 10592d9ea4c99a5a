package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Size is a window a page is checked in; a phone is emulated as one
// (mobile, touch, twice the pixels).
type Size struct {
	Name          string
	Width, Height int
	Phone         bool
}

// Phone and Desktop are the windows the pages are checked in: a phone
// used by touch and an office desktop.
var (
	Phone   = Size{Name: "phone", Width: 390, Height: 844, Phone: true}
	Desktop = Size{Name: "desktop", Width: 1280, Height: 800}
)

// Sizes are Phone and Desktop, for a subtest each.
var Sizes = []Size{Phone, Desktop}

// Start is New at the given size, emulating a phone when size.Phone.
func Start(t testing.TB, size Size) context.Context {
	t.Helper()
	ctx := New(t, size.Width, size.Height)
	if size.Phone {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(size.Width), int64(size.Height), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))); err != nil {
			t.Fatal(err)
		}
	}
	return ctx
}

// SignIn opens start, which must show the sign-in form (the login page,
// or a page that sends there), signs in through the form as user and
// waits until shown is visible. It fails the test when it is not.
func SignIn(ctx context.Context, t testing.TB, start, user, password, shown string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(start),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(shown)),
	); err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
}

// Eval evaluates the JavaScript expression js on the page and returns its
// value as JSON decodes it (numbers are float64).
func Eval(ctx context.Context, t testing.TB, js string) any {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Text is the text of the first element that matches the CSS selector.
func Text(ctx context.Context, t testing.TB, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return s
}

// CheckAccessible runs CheckAxe and CheckReflow on the page the browser
// shows.
func CheckAccessible(ctx context.Context, t testing.TB, script, page string) {
	t.Helper()
	CheckAxe(ctx, t, script, page)
	CheckReflow(ctx, t, page)
}

// CheckPage fails the test when the page the browser shows has a field
// without a label, not exactly one h1, or another language than lang.
// page names the page in the message.
func CheckPage(ctx context.Context, t testing.TB, page, lang string) {
	t.Helper()
	unlabelled := Eval(ctx, t, `[...document.querySelectorAll('input:not([type=hidden]):not([hidden]), select, textarea')].filter(i => i.labels.length == 0).length`)
	headings := Eval(ctx, t, `document.querySelectorAll('h1').length`)
	if got := Eval(ctx, t, `document.documentElement.lang`); unlabelled != float64(0) || headings != float64(1) || got != lang {
		t.Errorf("%s: unlabelled fields %v, headings %v, lang %v", page, unlabelled, headings, got)
	}
}

// CheckFitsWindow fails the test when the page the browser shows is wider
// than the window, scroll bar included (CheckReflow is stricter: it
// leaves the scroll bar out).
func CheckFitsWindow(ctx context.Context, t testing.TB, page string) {
	t.Helper()
	if wide := Eval(ctx, t, `document.documentElement.scrollWidth > window.innerWidth`); wide != false {
		t.Errorf("%s: wider than the window", page)
	}
}

// Screenshot is a full-page screenshot of what the browser shows, as PNG.
func Screenshot(ctx context.Context, t testing.TB) []byte {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	return png
}

// ScreenshotsEnv names an environment variable: when set, KeepScreenshot
// writes screenshots into docs/screenshots, where the documentation shows
// them.
const ScreenshotsEnv = "HAILONG_SCREENSHOTS"

// ScreenshotDirEnv names an environment variable: when it names a folder,
// KeepScreenshot writes screenshots there too.
const ScreenshotDirEnv = "HAILONG_SCREENSHOT_DIR"

// KeepScreenshot writes png as name.png into docs/screenshots (when
// ScreenshotsEnv is set) and into the folder ScreenshotDirEnv names;
// without either it does nothing.
func KeepScreenshot(t testing.TB, name string, png []byte) {
	t.Helper()
	var dirs []string
	if os.Getenv(ScreenshotsEnv) != "" {
		root := moduleRoot()
		if root == "" {
			t.Fatal("screenshots: no go.mod above the working directory")
		}
		dirs = append(dirs, filepath.Join(root, "docs", "screenshots"))
	}
	if dir := os.Getenv(ScreenshotDirEnv); dir != "" {
		dirs = append(dirs, dir)
	}
	for _, dir := range dirs {
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Error(err)
		}
	}
}
