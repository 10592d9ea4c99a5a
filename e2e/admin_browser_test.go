package e2e

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hailong"
	"hailong/browsertest"
)

// TestAdminKiosksPageInABrowser signs a province admin in on a
// phone-sized headless Chromium, enrols a kiosk on /admin/kiosks, sees its
// credential once, gives another kiosk a new credential, and switches to
// English. Every field has a label, one heading, the page says its
// language. HAILONG_SCREENSHOTS=1 keeps the screenshots in
// docs/screenshots; HAILONG_SCREENSHOT_DIR puts them elsewhere too.
func TestAdminKiosksPageInABrowser(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	if err := agg.Access().AddUser(t.Context(), nil, hailong.User{Username: "quantri", Role: hailong.RoleAdmin, Scope: "24"}, e2ePassword); err != nil {
		t.Fatal(err)
	}
	enrol(t, agg, "kiosk-kinhbac-1", centre)
	enrol(t, agg, "kiosk-tuson-1", "TT-09250")
	ctx := browsertest.New(t, 390, 844)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	eval := func(js string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	checkPage := func(page, lang string) {
		t.Helper()
		unlabelled := eval(`[...document.querySelectorAll('input:not([type=hidden]):not([hidden]), select, textarea')].filter(i => i.labels.length == 0).length`)
		headings := eval(`document.querySelectorAll('h1').length`)
		wide := eval(`document.documentElement.scrollWidth > window.innerWidth`)
		if got := eval(`document.documentElement.lang`); unlabelled != float64(0) || headings != float64(1) || got != lang || wide != false {
			t.Errorf("%s: unlabelled fields %v, headings %v, lang %v, wider than the phone %v", page, unlabelled, headings, got, wide)
		}
	}
	shots := map[string][]byte{}
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		shots[name] = b
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(agg.URL()+"/admin/kiosks"),
		chromedp.WaitVisible(css("#username")),
		chromedp.SendKeys(css("#username"), "quantri"),
		chromedp.SendKeys(css("#password"), e2ePassword),
		chromedp.Click(css("button[type=submit]")),
		chromedp.WaitVisible(css("#id")),
	); err != nil {
		t.Fatal(err)
	}
	checkPage("kiosks", "vi")
	shot("admin-kiosks")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(css("#id"), "kiosk-kinhbac-2"),
		chromedp.SetValue(css("#unit"), centre),
		chromedp.Click(css("form.card button[type=submit]")),
		chromedp.WaitVisible(css(".credential")),
	); err != nil {
		t.Fatal(err)
	}
	checkPage("enrolled", "vi")
	shot("admin-kiosks-enrolled")
	cred := eval(`document.querySelector('#cred').value`).(string)
	if !strings.HasPrefix(cred, "kiosk-kinhbac-2.") {
		t.Fatalf("credential shown: %q", cred)
	}
	if st := upload(t, agg.URL(), parseCred(t, cred)); st != 200 {
		t.Errorf("the credential shown uploads: %d", st)
	}
	// Shown once: the list does not show it again.
	if err := chromedp.Do(ctx, chromedp.Navigate(agg.URL()+"/admin/kiosks?lang=en"), chromedp.WaitVisible(css("#id"))); err != nil {
		t.Fatal(err)
	}
	if html := eval(`document.body.innerHTML`).(string); strings.Contains(html, cred[len("kiosk-kinhbac-2."):]) || !strings.Contains(html, "Enrol a kiosk") {
		t.Error("the English page shows the credential again, or is not in English")
	}
	checkPage("kiosks in English", "en")
	if err := chromedp.Do(ctx,
		chromedp.Click(css(`button[aria-label="New credential: kiosk-tuson-1"]`)),
		chromedp.WaitVisible(css(".credential")),
	); err != nil {
		t.Fatal(err)
	}
	shot("admin-kiosks-rotated")
	if got := eval(`document.querySelector('#cred').value`).(string); !strings.HasPrefix(got, "kiosk-tuson-1.") {
		t.Errorf("rotated credential: %q", got)
	}
	for _, dir := range []string{os.Getenv("HAILONG_SCREENSHOT_DIR"), map[bool]string{true: filepath.Join("..", "docs", "screenshots")}[os.Getenv("HAILONG_SCREENSHOTS") != ""]} {
		if dir == "" {
			continue
		}
		for name, b := range shots {
			os.WriteFile(filepath.Join(dir, "aggregator-"+name+".png"), b, 0o644)
		}
	}
}

// TestAdminPagesRefuseForgedForms: a form of the admin pages without its
// CSRF token is refused and changes nothing; a bad units file shows its
// lines in a table in the page's language; a commune admin's page offers
// only the commune's units and gets 403 on the imports.
func TestAdminPagesRefuseForgedForms(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	for _, u := range []hailong.User{{Username: "quantri", Role: hailong.RoleAdmin, Scope: "24"}, {Username: "xa", Role: hailong.RoleAdmin, Scope: "09190"}} {
		if err := agg.Access().AddUser(t.Context(), nil, u, e2ePassword); err != nil {
			t.Fatal(err)
		}
	}
	signIn := func(user string) *http.Client {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		_, tok := pageCSRF(t, c, agg.URL()+"/login")
		resp, err := c.PostForm(agg.URL()+"/login", url.Values{"_csrf": {tok}, "username": {user}, "password": {e2ePassword}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return c
	}
	c := signIn("quantri")
	if page, _ := pageCSRF(t, c, agg.URL()+"/admin"); !strings.Contains(page, "/admin/kiosks") || !strings.Contains(page, "/admin/imports") {
		t.Fatalf("the index lacks links:\n%s", page)
	}
	_, tok := pageCSRF(t, c, agg.URL()+"/admin/imports")
	t.Run("no CSRF token", func(t *testing.T) {
		resp, err := c.PostForm(agg.URL()+"/admin/kiosks", url.Values{"action": {"enrol"}, "id": {"forged"}, "unit": {centre}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
		all, err := agg.DB().Kiosks(t.Context())
		if err != nil || len(all) != 0 {
			t.Fatalf("a forged form enrolled a kiosk: %v %v", all, err)
		}
	})
	t.Run("bad units file in English", func(t *testing.T) {
		status, page := postFile(t, c, agg.URL()+"/admin/imports?lang=en", tok, "units", "code,name,kind,parent,valid_from,valid_to,successor\nX Y,,planet,,2025-01-01,,\n")
		if status != 400 {
			t.Fatalf("status %d", status)
		}
		for _, want := range []string{"<th scope=\"col\">Line</th>", "<td>2</td><td>code</td>", "<td>2</td><td>kind</td>", "nothing was changed"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q:\n%s", want, page)
			}
		}
	})
	t.Run("good procedures file", func(t *testing.T) {
		procs, _ := os.ReadFile("../assets/procedures/demo.csv")
		status, page := postFile(t, c, agg.URL()+"/admin/imports", tok, "procedures", string(procs))
		if status != 200 || !strings.Contains(page, "Đã nhập") {
			t.Fatalf("status %d:\n%s", status, page)
		}
	})
	t.Run("bad units file in Vietnamese", func(t *testing.T) {
		status, page := postFile(t, c, agg.URL()+"/admin/imports", tok, "units", "code,name,kind,parent,valid_from,valid_to,successor\nTT-1,,planet,,2025-01-01,,\n")
		if status != 400 {
			t.Fatalf("status %d", status)
		}
		for _, want := range []string{"<th scope=\"col\">Dòng</th>", "<td>2</td><td>name</td><td>bắt buộc, mã hoá UTF-8</td>", "không phải province", "danh mục không thay đổi"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q:\n%s", want, page)
			}
		}
	})
	t.Run("commune admin", func(t *testing.T) {
		xa := signIn("xa")
		page, _ := pageCSRF(t, xa, agg.URL()+"/admin/kiosks")
		if !strings.Contains(page, `value="TT-09190"`) || strings.Contains(page, `value="TT-09250"`) {
			t.Errorf("units offered to the commune admin:\n%s", page)
		}
		if strings.Contains(page, "/admin/imports") {
			t.Error("the commune admin is offered imports")
		}
		resp, err := xa.Get(agg.URL() + "/admin/imports")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("imports page: %d, want 403", resp.StatusCode)
		}
	})
}

// pageCSRF gets a page and the CSRF token of its forms.
func pageCSRF(t *testing.T, c *http.Client, u string) (page, token string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		token = m[1]
	}
	return string(b), token
}

// postFile sends the imports page's upload form.
func postFile(t *testing.T, c *http.Client, u, csrf, kind, content string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", csrf)
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", kind+".csv")
	io.WriteString(fw, content)
	mw.Close()
	resp, err := c.Post(u, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminKiosksPageRefusals: an id not valid, or already enrolled, is
// said on the page, with the page's status, and nothing is enrolled.
func TestAdminKiosksPageRefusals(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	if err := agg.Access().AddUser(t.Context(), nil, hailong.User{Username: "quantri", Role: hailong.RoleAdmin, Scope: "24"}, e2ePassword); err != nil {
		t.Fatal(err)
	}
	enrol(t, agg, "kiosk-1", centre)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, tok := pageCSRF(t, c, agg.URL()+"/login")
	resp, err := c.PostForm(agg.URL()+"/login", url.Values{"_csrf": {tok}, "username": {"quantri"}, "password": {e2ePassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, tok = pageCSRF(t, c, agg.URL()+"/admin/kiosks")
	for _, tt := range []struct {
		name, id, unit string
		status         int
		says           string
	}{
		{"id not valid", "Kiosk 1", centre, 400, "lower-case letters"},
		{"id in use", "kiosk-1", centre, 409, "already enrolled"},
		{"unit unknown", "kiosk-2", "TT-99999", 400, "not a unit in force today"},
		{"unknown kiosk revoked", "kiosk-9", "", 404, "kiosk-9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			action := "enrol"
			if tt.unit == "" {
				action = "revoke"
			}
			resp, err := c.PostForm(agg.URL()+"/admin/kiosks?lang=en", url.Values{"_csrf": {tok}, "action": {action}, "id": {tt.id}, "unit": {tt.unit}})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.says) || !strings.Contains(string(b), `role="alert"`) {
				t.Fatalf("status %d, want %d saying %q:\n%s", resp.StatusCode, tt.status, tt.says, b)
			}
		})
	}
	if all, _ := agg.DB().Kiosks(t.Context()); len(all) != 1 {
		t.Fatalf("kiosks %v", all)
	}
}
