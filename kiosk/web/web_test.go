package web_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/apidoc"
	"hailong/assets"
	"hailong/kiosk/bolt"
	"hailong/kiosk/terminals"
	"hailong/kiosk/web"
	"hailong/qrtoken"
)

type stubUploader struct{ kicks int }

func (s *stubUploader) Kick()                            { s.kicks++ }
func (s *stubUploader) Reachable() (bool, bool)          { return false, false }
func (s *stubUploader) LastAttempt() (time.Time, string) { return time.Time{}, "" }

func newServer(t *testing.T) (*web.Server, *bolt.Outbox, *stubUploader) {
	t.Helper()
	return newServerB(t)
}

// newServerB starts a test node; each of with changes its settings
// before it is built (its Outbox is open by then).
func newServerB(t testing.TB, with ...func(*web.Server)) (*web.Server, *bolt.Outbox, *stubUploader) {
	t.Helper()
	catalog, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatal(err)
	}
	o, err := bolt.Open(filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	up := &stubUploader{}
	cfg := &web.Server{Kiosk: "k1", Unit: "TT-1", UnitName: "Trung tâm", Questionnaires: []string{"counter-quick"},
		Catalog: catalog, Outbox: o, Uploader: up, Assets: assets.FS("")}
	for _, f := range with {
		f(cfg)
	}
	s, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.App().Listener(ln)
	t.Cleanup(func() { s.App().Shutdown() })
	base[s] = "http://" + ln.Addr().String()
	if _, software[s], err = s.Terminals.Issue(terminals.Software, "motcua", ""); err != nil {
		t.Fatal(err)
	}
	return s, o, up
}

// base holds each test server's address: tests speak real HTTP to it.
var base = map[*web.Server]string{}

// software holds each test server's credential of the one-stop software,
// which do sends: it may record ratings and issue links.
var software = map[*web.Server]string{}

// pairScreen pairs a screen at counter (empty: a lobby screen) without a
// code, as the one-stop software's credential is issued, and returns its
// device token.
func pairScreen(t testing.TB, s *web.Server, counter string) string {
	t.Helper()
	name := "lobby"
	if counter != "" {
		name = "quay-" + counter
	}
	_, token, err := s.Terminals.Issue(terminals.Screen, name, counter)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// asTerminal sends a request with a device token.
func asTerminal(t *testing.T, s *web.Server, token, method, path, body string) answer {
	t.Helper()
	return doWith(t, s, method, path, "application/json", body, token)
}

type answer struct {
	status int
	body   map[string]any
	raw    string
	header http.Header
}

func do(t *testing.T, s *web.Server, method, path, contentType, body string) answer {
	t.Helper()
	return doWith(t, s, method, path, contentType, body, software[s])
}

// doWith sends a request with a device token, or none when token is empty.
func doWith(t *testing.T, s *web.Server, method, path, contentType, body, token string) answer {
	t.Helper()
	req, err := http.NewRequest(method, base[s]+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if len(body) > 64<<10 {
		return doOversized(t, base[s]+path, contentType, len(body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(b), header: resp.Header}
	_ = json.Unmarshal(b, &a.body)
	return a
}

func fieldsOf(a answer) map[string]string {
	out := map[string]string{}
	errs, _ := a.body["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		out[m["field"].(string)] = m["message"].(string)
	}
	return out
}

func TestRatingCreate(t *testing.T) {
	s, o, up := newServer(t)
	id := hailong.NewID()
	body := `{"id":"` + id + `","questionnaire":"counter-quick","answers":{"overall":3,"comment":"Nhanh gọn"},"counter":"Q1","procedure":"1.004122","dossier":"H15.50.05.13-261008-0975"}`
	a := do(t, s, "POST", "/api/v1/ratings", "application/json", body)
	// A rating of a dossier is the dossier's one rating, whatever id the
	// terminal chose: the id its QR links rate under.
	id = qrtoken.DossierRatingID("TT-1", "H15.50.05.13-261008-0975")
	if a.status != 201 || a.body["id"] != id {
		t.Fatalf("first: %d %s", a.status, a.raw)
	}
	a = do(t, s, "POST", "/api/v1/ratings", "application/json", body)
	if a.status != 200 || a.body["id"] != id {
		t.Fatalf("same again: %d %s", a.status, a.raw)
	}
	a = do(t, s, "POST", "/api/v1/ratings", "application/json", strings.Replace(body, `"overall":3`, `"overall":1`, 1))
	if a.status != 409 || a.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("other content: %d %s", a.status, a.raw)
	}
	a = do(t, s, "POST", "/api/v1/ratings", "application/json", `{"questionnaire":"counter-quick","answers":{"overall":2}}`)
	if a.status != 201 || hailong.CheckID(a.body["id"].(string)) != nil {
		t.Fatalf("without id: %d %s", a.status, a.raw)
	}
	st, _ := o.Stats()
	if st.Queued != 2 || up.kicks != 2 {
		t.Errorf("queued %d, kicks %d; want 2 and 2", st.Queued, up.kicks)
	}
}

// TestOneDossierUnderEverySpelling rates a dossier, then sends a rating of
// other content under other spellings of its code (letters in lower case,
// another dash, spaces around): each is the dossier's one rating again, so
// a conflict, and the node queues one rating. Made from the code as typed,
// each spelling was a dossier of its own and counted.
func TestOneDossierUnderEverySpelling(t *testing.T) {
	s, o, _ := newServer(t)
	rate := func(dossier string, overall int) answer {
		t.Helper()
		return do(t, s, "POST", "/api/v1/ratings", "application/json",
			fmt.Sprintf(`{"questionnaire":"counter-quick","answers":{"overall":%d},"dossier":%q}`, overall, dossier))
	}
	// Typed in lower case first: kept in normal form, under the id an
	// aggregator of any version makes of the code it is sent.
	if a := rate("g09.20-20261202-0099001", 3); a.status != 201 {
		t.Fatalf("first: %d %s", a.status, a.raw)
	}
	if q, err := o.Pending(10); err != nil || len(q) != 1 || q[0].Dossier != "G09.20-20261202-0099001" ||
		q[0].ID != qrtoken.LegacyDossierRatingID("TT-1", q[0].Dossier) || q[0].ID != qrtoken.DossierRatingID("TT-1", "g09.20-20261202-0099001") {
		t.Fatalf("queued %+v, %v; want the code in normal form under its id", q, err)
	}
	for _, tc := range []struct{ name, code string }{
		{"upper case", "G09.20-20261202-0099001"},
		{"en dashes", "G09.20–20261202–0099001"},
		{"hyphens U+2010", "G09.20‐20261202‐0099001"},
		{"spaces around", "  G09.20-20261202-0099001 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := rate(tc.code, 1); a.status != 409 {
				t.Errorf("%d %s; want 409, the dossier rated already", a.status, a.raw)
			}
		})
	}
	if st, _ := o.Stats(); st.Queued != 1 {
		t.Errorf("queued %d; want 1", st.Queued)
	}
}

func TestRatingCreateRefusesBadInput(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		status                  int
		fields                  map[string]string
	}{
		{"unknown questionnaire", "application/json", `{"questionnaire":"nope","answers":{"overall":2}}`, 400, map[string]string{"questionnaire": "unknown questionnaire"}},
		{"questionnaire not offered here", "application/json", `{"questionnaire":"sipas","answers":{"overall":4}}`, 400, map[string]string{"questionnaire": "not offered"}},
		{"unknown question", "application/json", `{"questionnaire":"counter-quick","answers":{"overall":2,"x":1}}`, 400, map[string]string{"answers.x": "no question"}},
		{"value outside options", "application/json", `{"questionnaire":"counter-quick","answers":{"overall":5}}`, 400, map[string]string{"answers.overall": "not one of the options"}},
		{"missing required answer", "application/json", `{"questionnaire":"counter-quick","answers":{"contacts":1}}`, 400, map[string]string{"answers.overall": "is required"}},
		{"malformed procedure", "application/json", `{"questionnaire":"counter-quick","answers":{"overall":2},"procedure":"1-004122"}`, 400, map[string]string{"procedure": "procedure code"}},
		{"malformed dossier", "application/json", `{"questionnaire":"counter-quick","answers":{"overall":2},"dossier":"H15-2610-1"}`, 400, map[string]string{"dossier": "dossier code"}},
		{"malformed id", "application/json", `{"id":"abc","questionnaire":"counter-quick","answers":{"overall":2}}`, 400, map[string]string{"id": "UUID"}},
		{"unknown field", "application/json", `{"questionnaire":"counter-quick","answers":{"overall":2},"phone":"0912"}`, 400, map[string]string{"phone": "not a known field"}},
		{"wrong type", "application/json", `{"questionnaire":["counter-quick"],"answers":{"overall":2}}`, 400, map[string]string{"questionnaire": "must be a string"}},
		{"fractional answer", "application/json", `{"questionnaire":"counter-quick","answers":{"overall":2.5}}`, 400, nil},
		{"not json", "application/json", `{"questionnaire":`, 400, nil},
		{"two values", "application/json", `{"questionnaire":"counter-quick","answers":{"overall":2}} {}`, 400, nil},
		{"form post", "application/x-www-form-urlencoded", `questionnaire=counter-quick`, 415, nil},
		{"over the size limit", "application/json", `{"questionnaire":"counter-quick","answers":{"comment":"` + strings.Repeat("a", 70<<10) + `"}}`, 413, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, o, _ := newServer(t)
			a := do(t, s, "POST", "/api/v1/ratings", tt.contentType, tt.body)
			if a.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if a.header.Get("Content-Type") != "application/problem+json" || a.body["detail"] == "" || a.body["type"] == nil {
				t.Errorf("not a problem+json answer: %s %s", a.header.Get("Content-Type"), a.raw)
			}
			got := fieldsOf(a)
			for f, msg := range tt.fields {
				if !strings.Contains(got[f], msg) {
					t.Errorf("field %s = %q, want it to contain %q (all: %v)", f, got[f], msg, got)
				}
			}
			if st, _ := o.Stats(); st.Queued != 0 {
				t.Errorf("a refused rating was recorded")
			}
		})
	}
}

// TestRatingCreateRefusesALinksID: a terminal may not record a rating under
// a QR link's rating id (a UUID of version 8), which would burn the link;
// it hears so at once, and nothing is recorded.
func TestRatingCreateRefusesALinksID(t *testing.T) {
	s, o, _ := newServer(t)
	a := do(t, s, "POST", "/api/v1/ratings", "application/json", `{"id":"01234567-89ab-8def-8123-456789abcdef","questionnaire":"counter-quick","answers":{"overall":2}}`)
	if got := fieldsOf(a)["id"]; a.status != 400 || !strings.Contains(got, "version 8") {
		t.Fatalf("status %d, id error %q: %s", a.status, got, a.raw)
	}
	if st, _ := o.Stats(); st.Queued != 0 {
		t.Error("the rating was recorded")
	}
}

func TestStatusAndQuestionnaires(t *testing.T) {
	s, _, _ := newServer(t)
	a := do(t, s, "GET", "/api/v1/status", "", "")
	if a.status != 200 || a.body["kiosk"] != "k1" || a.body["unit"] != "TT-1" || a.body["queued"] != 0.0 || a.body["last_sync"] != nil || a.body["aggregator"] != "unreachable" {
		t.Errorf("status: %s", a.raw)
	}
	resp, err := http.Get(base[s] + "/api/v1/questionnaires?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	var qs []struct {
		ID, Title, Headline string
		Version             int
		Questions           []struct {
			ID, Kind string
			Required bool
			Options  []struct {
				Value int
				Label string
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&qs); err != nil {
		t.Fatal(err)
	}
	if len(qs) != 1 || qs[0].ID != "counter-quick" || qs[0].Title != "Quick rating at the counter" || qs[0].Headline != "overall" {
		t.Fatalf("questionnaires = %+v", qs)
	}
	if q := qs[0].Questions[0]; q.Kind != "scale" || !q.Required || len(q.Options) != 3 || q.Options[2].Label != "Very satisfied" {
		t.Errorf("headline question = %+v", q)
	}
}

func TestScreen(t *testing.T) {
	s, _, _ := newServer(t)
	screen, tablet := pairScreen(t, s, ""), pairScreen(t, s, "Q2")
	tests := []struct {
		name, token, path string
		status            int
		contains          []string
	}{
		{"vietnamese by default", screen, "/", 200, []string{`lang="vi"`, "Rất hài lòng", "Xong", "Trung tâm", "/audio/vi/"}},
		{"english, a counter's tablet", tablet, "/?lang=en&counter=Q2", 200, []string{`lang="en"`, "Very satisfied", `data-counter="Q2"`}},
		{"not offered", screen, "/?q=sipas", 404, nil},
		{"bad counter", screen, "/?counter=%3Cscript%3E", 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", base[s]+tt.path, nil)
			req.Header.Set("Accept", "text/html")
			req.AddCookie(&http.Cookie{Name: web.TerminalCookie, Value: tt.token})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("CSP = %q", csp)
			}
			for _, c := range tt.contains {
				if !strings.Contains(string(b), c) {
					t.Errorf("page lacks %q", c)
				}
			}
		})
	}
}

// doOversized announces a body over the limit and sends only the headers:
// the server must answer 413 from the length alone, before reading a byte
// of the body. (A client that streams the whole body may see the
// connection closed under it instead of the answer.)
func doOversized(t *testing.T, url, contentType string, size int) answer {
	t.Helper()
	req, err := http.NewRequest("POST", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", req.URL.RequestURI(), req.URL.Host, contentType, size)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(b), header: resp.Header}
	_ = json.Unmarshal(b, &a.body)
	return a
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	s, _, _ := newServer(t)
	documented, err := apidoc.Routes("../../docs/api/kiosk.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if served := apidoc.AppRoutes(s.App()); !slices.Equal(served, documented) {
		t.Errorf("routes served:\n%v\ndocumented:\n%v", served, documented)
	}
}

// A path served for other methods answers 405 with the methods it takes;
// a path served for none, 404.
func TestWrongMethodIs405(t *testing.T) {
	s, _, _ := newServer(t)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/api/v1/ratings", 405, "POST"},
		{"PUT", "/api/v1/ratings/0192f3a4-0000-7000-8000-000000000000", 405, "PATCH"},
		{"PUT", "/api/v1/counters/Q1/open", 405, "DELETE, GET, HEAD, POST"},
		{"GET", "/api/v1/nothing", 404, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			a := do(t, s, tc.method, tc.path, "application/json", "")
			if a.status != tc.status || a.header.Get("Allow") != tc.allow {
				t.Errorf("%d, Allow %q; want %d, %q: %s", a.status, a.header.Get("Allow"), tc.status, tc.allow, a.raw)
			}
		})
	}
}
