package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeEnv names the environment variable that gives the path of axe-core's
// axe.min.js; .ci/run sets it after installing axe-core from npm.
const AxeEnv = "HAILONG_AXE_JS"

// AxeInstallPath is where scripts/test-deps.sh installs axe.min.js,
// relative to the module root; the tests look there when AxeEnv is unset.
const AxeInstallPath = ".cache/npm/node_modules/axe-core/axe.min.js"

// WCAG2 are the axe-core tags of the WCAG 2.0, 2.1 and 2.2 A and AA rules:
// what "axe-core clean" means in this project.
var WCAG2 = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// Violation is one axe-core rule a page breaks, with the elements that
// break it.
type Violation struct {
	ID      string // the rule, e.g. "color-contrast"
	Impact  string // minor, moderate, serious or critical
	Help    string // what the rule asks, in one line
	HelpURL string
	Nodes   []Node
}

// Node is one element that breaks a rule.
type Node struct {
	// Target is the CSS selector of the element (frames and shadow roots
	// joined by " >>> ").
	Target string
	// HTML is the start of the element's markup.
	HTML string
	// Failure is axe-core's summary of what is wrong, e.g. the contrast
	// ratio it measured.
	Failure string
}

// Serious reports whether the violation is serious or critical: the ones
// that fail a test.
func (v Violation) Serious() bool { return v.Impact == "serious" || v.Impact == "critical" }

// Targets are the selectors of the elements that break the rule.
func (v Violation) Targets() []string {
	out := make([]string, len(v.Nodes))
	for i, n := range v.Nodes {
		out[i] = n.Target
	}
	return out
}

// String is the violation as a test failure shows it: rule, impact, help
// and each element with what is wrong with it.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s <%s>", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %s  %s", n.Target, n.HTML)
		if n.Failure != "" {
			fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(n.Failure, "\n", "\n      "))
		}
	}
	return b.String()
}

var axeCache struct {
	sync.Mutex
	path, script string
}

// AxePath is where axe.min.js is: the file AxeEnv names, or AxeInstallPath
// under the module root, or "" when neither exists.
func AxePath() string {
	if p := os.Getenv(AxeEnv); p != "" {
		return p
	}
	root := moduleRoot()
	if root == "" {
		return ""
	}
	p := filepath.Join(root, filepath.FromSlash(AxeInstallPath))
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// moduleRoot is the folder of go.mod above the working directory (tests
// run in their package's folder), or "" when there is none.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// AxeScript returns the source of axe.min.js for Axe. Without it the test
// is skipped with a note, or fails on CI (CI set), where .ci/run installs
// axe-core. Call it before starting servers and browsers, so that a
// skipped test costs nothing.
func AxeScript(t testing.TB) string {
	t.Helper()
	axeCache.Lock()
	defer axeCache.Unlock()
	p := AxePath()
	if p == "" {
		msg := fmt.Sprintf("no axe-core: run scripts/test-deps.sh (installs it in %s) or set %s to axe.min.js", AxeInstallPath, AxeEnv)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if axeCache.path == p {
		return axeCache.script
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("axe-core: %v", err) // named but unreadable: a broken set-up, not a missing tool
	}
	axeCache.path, axeCache.script = p, string(b)
	return axeCache.script
}

// axeRun runs axe-core on the whole document and keeps what a report
// needs; the results' DOM references cannot cross the protocol.
const axeRun = `(async (tags) => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  const sel = (t) => t.map(s => Array.isArray(s) ? s.join(" >>> ") : s).join(" >>> ");
  return r.violations.map(v => ({
    ID: v.id, Impact: v.impact || "", Help: v.help, HelpURL: v.helpUrl,
    Nodes: v.nodes.map(n => ({Target: sel(n.target), HTML: n.html.slice(0, 200), Failure: n.failureSummary || ""})),
  }));
})(%s)`

// Axe runs axe-core (the source of axe.min.js, from AxeScript) on the page
// the browser shows, with the rules of the given tags (WCAG2 when none),
// and returns what the page violates. The script goes in through the
// DevTools protocol (Runtime.evaluate), which the page's
// Content-Security-Policy does not govern, so pages are checked under
// their real CSP.
func Axe(ctx context.Context, script string, tags ...string) ([]Violation, error) {
	if script == "" {
		return nil, errors.New("axe: no axe-core source")
	}
	if len(tags) == 0 {
		tags = WCAG2
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe === "object" && typeof axe.run === "function"`))
	if err != nil {
		return nil, fmt.Errorf("axe: %w", err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](script)); err != nil {
			return nil, fmt.Errorf("axe: inject axe.min.js: %w", err)
		}
	}
	arg, _ := json.Marshal(tags)
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](fmt.Sprintf(axeRun, arg), chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("axe: run: %w", err)
	}
	return vs, nil
}

// ShotsEnv names an environment variable: when it names a folder, CheckAxe
// keeps there a full-page screenshot of every page it checks, to look at.
const ShotsEnv = "HAILONG_AXE_SHOTS"

// CheckAxe runs Axe with the WCAG 2 A/AA rules on the page the browser
// shows and fails the test for each serious or critical violation; lesser
// ones are logged. page names the page in the messages (and the
// screenshot's file, see ShotsEnv).
func CheckAxe(ctx context.Context, t testing.TB, script, page string) {
	t.Helper()
	if dir := os.Getenv(ShotsEnv); dir != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: screenshot: %v", page, err)
		}
		name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name() + "-" + page)
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := Axe(ctx, script)
	if err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	for _, v := range vs {
		if v.Serious() {
			t.Errorf("%s: axe-core: %s", page, v)
		} else {
			t.Logf("%s: axe-core (not failing): %s", page, v)
		}
	}
}

// CheckReflow fails the test when the page the browser shows is wider than
// the window, so that a reader must scroll sideways (WCAG 1.4.10 Reflow,
// which axe-core does not check). page names the page in the message.
func CheckReflow(ctx context.Context, t testing.TB, page string) {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[[2]int](`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`))
	if err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	if w[0] > w[1] {
		t.Errorf("%s: the page is %d px wide in a window of %d: it scrolls sideways", page, w[0], w[1])
	}
}
