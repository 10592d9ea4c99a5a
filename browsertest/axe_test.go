package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
)

// TestAxeFindsViolationsUnderAStrictCSP serves pages under a CSP stricter
// than ours (no script at all, no eval) and requires Axe to report what is
// wrong with them, and nothing on a clean page: the injection through the
// DevTools protocol must not depend on the page allowing scripts.
func TestAxeFindsViolationsUnderAStrictCSP(t *testing.T) {
	script := browsertest.AxeScript(t)
	pages := map[string]string{
		"/clean": `<!doctype html><html lang="en"><head><title>Clean</title><link rel="stylesheet" href="/s.css"></head>
<body><main><h1>Clean</h1><form><label for="n">Name</label><input id="n"><button>Send</button></form></main></body></html>`,
		"/broken": `<!doctype html><html><head><title>Broken</title><link rel="stylesheet" href="/s.css"></head>
<body><main><h1>Broken</h1><p class="faint">Hard to read</p><img src="/x.png"><input id="n"></main></body></html>`,
		"/s.css": `.faint { color: #bbb; background: #fff; }`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'none'; style-src 'self'")
		if r.URL.Path == "/s.css" {
			w.Header().Set("Content-Type", "text/css")
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()
	ctx := browsertest.New(t, 800, 600)

	tests := []struct {
		name, path string
		want       []string // rule ids, sorted
	}{
		{"clean page", "/clean", nil},
		{"broken page", "/broken", []string{"color-contrast", "html-has-lang", "image-alt", "label"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+tt.path)); err != nil {
				t.Fatal(err)
			}
			vs, err := browsertest.Axe(ctx, script)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, v.ID)
				if v.Impact == "" || v.Help == "" || len(v.Nodes) == 0 || v.Nodes[0].Target == "" {
					t.Errorf("incomplete violation: %+v", v)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("violations %v, want %v; details:\n%v", got, tt.want, vs)
			}
		})
	}
	t.Run("targets", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/broken")); err != nil {
			t.Fatal(err)
		}
		vs, err := browsertest.Axe(ctx, script, "wcag2aa")
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 1 || vs[0].ID != "color-contrast" || !slices.Equal(vs[0].Targets(), []string{"p"}) || !vs[0].Serious() {
			t.Errorf("with wcag2aa only: %v", vs)
		}
	})
}
