package e2e

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
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
	ctx := browsertest.Start(t, browsertest.Phone)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	checkPage := func(page, lang string) {
		t.Helper()
		browsertest.CheckPage(ctx, t, page, lang)
		browsertest.CheckFitsWindow(ctx, t, page)
	}
	shot := func(name string) {
		t.Helper()
		browsertest.KeepScreenshot(t, "aggregator-"+name, browsertest.Screenshot(ctx, t))
	}
	browsertest.SignIn(ctx, t, agg.URL()+"/admin/kiosks", "quantri", e2ePassword, "#id")
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
	cred := browsertest.Eval(ctx, t, `document.querySelector('#cred').value`).(string)
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
	if html := browsertest.Eval(ctx, t, `document.body.innerHTML`).(string); strings.Contains(html, cred[len("kiosk-kinhbac-2."):]) || !strings.Contains(html, "Enrol a kiosk") {
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
	if got := browsertest.Eval(ctx, t, `document.querySelector('#cred').value`).(string); !strings.HasPrefix(got, "kiosk-tuson-1.") {
		t.Errorf("rotated credential: %q", got)
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
	c := signInClient(t, agg.URL(), "quantri")
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
	procs, _ := os.ReadFile("../assets/procedures/demo.csv")
	for _, tt := range []struct {
		name, query, kind, file string
		status                  int
		says                    []string
	}{
		{"bad units file in English", "?lang=en", "units", "code,name,kind,parent,valid_from,valid_to,successor\nX Y,,planet,,2025-01-01,,\n", 400,
			[]string{"<th scope=\"col\">Line</th>", "<td>2</td><td>code</td>", "<td>2</td><td>kind</td>", "nothing was changed"}},
		{"good procedures file", "", "procedures", string(procs), 200, []string{"Đã nhập"}},
		{"bad units file in Vietnamese", "", "units", "code,name,kind,parent,valid_from,valid_to,successor\nTT-1,,planet,,2025-01-01,,\n", 400,
			[]string{"<th scope=\"col\">Dòng</th>", "<td>2</td><td>name</td><td>bắt buộc, mã hoá UTF-8</td>", "không phải province", "danh mục không thay đổi"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, page := postFile(t, c, agg.URL()+"/admin/imports"+tt.query, tok, tt.kind, tt.file)
			if status != tt.status {
				t.Fatalf("status %d, want %d:\n%s", status, tt.status, page)
			}
			for _, want := range tt.says {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q:\n%s", want, page)
				}
			}
		})
	}
	t.Run("commune admin", func(t *testing.T) {
		xa := signInClient(t, agg.URL(), "xa")
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

// signInClient signs user in through the login form of the aggregator at
// base and returns a client that holds the session.
func signInClient(t *testing.T, base, user string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, tok := pageCSRF(t, c, base+"/login")
	resp, err := c.PostForm(base+"/login", url.Values{"_csrf": {tok}, "username": {user}, "password": {e2ePassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c
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
	c := signInClient(t, agg.URL(), "quantri")
	_, tok := pageCSRF(t, c, agg.URL()+"/admin/kiosks")
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
