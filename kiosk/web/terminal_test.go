package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/kiosk/terminals"
	"hailong/misuse"
	"hailong/qrtoken"
	"hailong/syncapi"
)

const adminSecret = "the-admin-secret-of-this-test-node-0123456789"

// TestUnpairedTerminalsAreRefused: without a paired device token nothing is
// recorded and no link is issued, the screen shows a pairing code, and only
// the admin secret pairs.
func TestUnpairedTerminalsAreRefused(t *testing.T) {
	s, o, _ := newServer(t)
	s.AdminSecret = adminSecret
	revoked := pairScreen(t, s, "Q1")
	for _, term := range s.Terminals.List() {
		if term.Kind == terminals.Screen {
			s.Terminals.Revoke(term.ID)
		}
	}
	requests := []struct{ method, path, body string }{
		{"POST", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":1}}`},
		{"POST", "/api/v1/tokens", `{"dossier":"H15.50.05.13-261008-0975"}`},
		{"POST", "/api/v1/tokens/walk-in", `{"terminal":"lobby"}`},
		{"POST", "/api/v1/counters/Q1/open", `{"dossier":"H15.50.05.13-261008-0975"}`},
		{"GET", "/api/v1/counters/Q1/open", ""},
		{"DELETE", "/api/v1/counters/Q1/open", ""},
		{"PATCH", "/api/v1/ratings/" + hailong.NewID(), `{"answers":{"overall":1},"done":true}`},
	}
	for _, who := range []struct{ name, token string }{
		{"no token", ""}, {"a revoked screen", revoked}, {"a made-up token", "hlt_0123456789ab_secret"}, {"the admin secret", adminSecret},
	} {
		for _, r := range requests {
			t.Run(who.name+" "+r.method+" "+r.path, func(t *testing.T) {
				a := doWith(t, s, r.method, r.path, "application/json", r.body, who.token)
				if a.status != 401 || !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%d %s, want 401 with WWW-Authenticate", a.status, a.raw)
				}
			})
		}
	}
	for _, r := range []struct{ method, path, token string }{
		{"GET", "/api/v1/terminals", ""}, {"GET", "/api/v1/terminals", software[s]}, {"POST", "/api/v1/terminals", software[s]},
	} {
		if a := doWith(t, s, r.method, r.path, "application/json", `{"name":"x"}`, r.token); a.status != 401 {
			t.Errorf("%s %s without the admin secret: %d", r.method, r.path, a.status)
		}
	}
	page := doWith(t, s, "GET", "/", "", "", "")
	if page.status != 401 || !regexp.MustCompile(`id="pair-code"[^>]*>[A-Z2-9]{6}<`).MatchString(page.raw) {
		t.Errorf("an unpaired screen: %d, no pairing code:\n%s", page.status, page.raw)
	}
	if st, _ := o.Stats(); st.Queued != 0 {
		t.Errorf("%d ratings recorded", st.Queued)
	}
}

// TestPairingByCode pairs a browser over HTTP as a centre does: the
// unpaired screen shows a code, the administrator pairs it at a counter,
// the screen collects its device cookie once and records ratings of its
// counter, until it is revoked.
func TestPairingByCode(t *testing.T) {
	s, o, _ := newServer(t)
	s.AdminSecret = adminSecret
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := browser.Get(base[s] + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, page := get("/")
	m := regexp.MustCompile(`id="pair-code"[^>]*>([A-Z2-9]{6})<`).FindStringSubmatch(page)
	if status != 401 || m == nil {
		t.Fatalf("unpaired screen: %d\n%s", status, page)
	}
	code := m[1]
	if status, again := get("/"); status != 401 || !strings.Contains(again, code) {
		t.Errorf("the code changed on reload")
	}
	if _, body := get("/api/v1/pairing"); !strings.Contains(body, `"paired":false`) {
		t.Errorf("before pairing: %s", body)
	}
	if a := doWith(t, s, "POST", "/api/v1/terminals", "application/json", `{"code":"`+strings.ToLower(code)+`","name":"quay-1","counter":"Q1"}`, adminSecret); a.status != 201 || a.body["counter"] != "Q1" || a.body["token"] != nil || a.body["hash"] != nil {
		t.Fatalf("pair: %d %s", a.status, a.raw)
	}
	if a := doWith(t, s, "POST", "/api/v1/terminals", "application/json", `{"code":"`+code+`","name":"quay-9"}`, adminSecret); a.status != 400 {
		t.Errorf("the same code twice: %d %s", a.status, a.raw)
	}
	if _, body := get("/api/v1/pairing"); !strings.Contains(body, `"paired":true`) {
		t.Fatalf("after pairing: %s", body)
	}
	if status, page := get("/"); status != 200 || !strings.Contains(page, `data-counter="Q1"`) {
		t.Fatalf("the paired screen: %d (its counter shown?)", status)
	}
	resp, err := browser.Post(base[s]+"/api/v1/ratings", "application/json", strings.NewReader(`{"questionnaire":"counter-quick","answers":{"overall":3}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	pending, _ := o.Pending(10)
	if resp.StatusCode != 201 || len(pending) != 1 || pending[0].Counter != "Q1" {
		t.Fatalf("the paired screen's rating: %d %+v", resp.StatusCode, pending)
	}
	list := doWith(t, s, "GET", "/api/v1/terminals", "", "", adminSecret)
	terms, _ := list.body["terminals"].([]any)
	var id string
	for _, x := range terms {
		if m := x.(map[string]any); m["name"] == "quay-1" {
			id, _ = m["id"].(string)
		}
	}
	if id == "" || strings.Contains(list.raw, `"hash"`) {
		t.Fatalf("list: %s", list.raw)
	}
	if a := doWith(t, s, "POST", "/api/v1/terminals/"+id+"/revoke", "", "", adminSecret); a.status != 200 || a.body["revoked"] == nil {
		t.Fatalf("revoke: %d %s", a.status, a.raw)
	}
	resp, _ = browser.Post(base[s]+"/api/v1/ratings", "application/json", strings.NewReader(`{"questionnaire":"counter-quick","answers":{"overall":3}}`))
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("a revoked screen's rating: %d", resp.StatusCode)
	}
	if status, _ := get("/"); status != 401 {
		t.Errorf("a revoked screen: %d, want its pairing page", status)
	}
}

// TestLinksNeedTheOneStopSoftwareOrACounter: a lobby screen may not mint
// links for any dossier; a counter's tablet mints them for its counter.
func TestLinksNeedTheOneStopSoftwareOrACounter(t *testing.T) {
	s, _, _ := newServer(t)
	cred, _ := syncapi.NewCredential("k1")
	s.Signer, _ = qrtoken.KeyFromSecret(cred.Secret)
	body := `{"dossier":"H15.50.05.13-261008-0975"}`
	tests := []struct {
		name, token string
		status      int
		counter     string
	}{
		{"the one-stop software", software[s], 201, ""},
		{"a counter's tablet", pairScreen(t, s, "Q2"), 201, "Q2"},
		{"a lobby screen", pairScreen(t, s, ""), 403, ""},
		{"nobody", "", 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := asTerminal(t, s, tt.token, "POST", "/api/v1/tokens", body)
			if a.status != tt.status {
				t.Fatalf("%d %s, want %d", a.status, a.raw, tt.status)
			}
			if tt.status == 201 {
				c, err := qrtoken.Parse(a.body["token"].(string))
				if err != nil || c.Counter != tt.counter {
					t.Errorf("claims %+v %v, want counter %q", c, err, tt.counter)
				}
			}
		})
	}
}

// TestMisuseIsFlaggedNeverRefused: a rating within the interval of the
// previous one from the same terminal, or past the burst, is recorded with
// a flag; other terminals are judged on their own; a re-sent rating is not
// a new one.
func TestMisuseIsFlaggedNeverRefused(t *testing.T) {
	s, o, _ := newServer(t)
	a, b := pairScreen(t, s, ""), pairScreen(t, s, "Q1")
	post := func(token, id string) {
		t.Helper()
		if r := asTerminal(t, s, token, "POST", "/api/v1/ratings", `{"id":"`+id+`","questionnaire":"counter-quick","answers":{"overall":1}}`); r.status/100 != 2 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	}
	flagsOf := func() map[string][]string {
		t.Helper()
		pending, err := o.Pending(100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, r := range pending {
			out[r.ID] = r.Flags
		}
		return out
	}
	t.Run("interval", func(t *testing.T) {
		s.Misuse = misuse.New(misuse.Config{Interval: time.Hour, Burst: 100, Window: time.Hour})
		ids := []string{hailong.NewID(), hailong.NewID(), hailong.NewID()}
		post(a, ids[0])
		post(a, ids[0]) // sent again: the same rating
		post(a, ids[1])
		post(b, ids[2])
		got := flagsOf()
		if got[ids[0]] != nil || !slices.Equal(got[ids[1]], []string{hailong.FlagInterval}) || got[ids[2]] != nil {
			t.Errorf("flags %v", got)
		}
	})
	t.Run("burst", func(t *testing.T) {
		s.Misuse = misuse.New(misuse.Config{Interval: time.Nanosecond, Burst: 2, Window: time.Hour})
		ids := []string{hailong.NewID(), hailong.NewID(), hailong.NewID()}
		for _, id := range ids {
			post(a, id)
		}
		got := flagsOf()
		if got[ids[0]] != nil || got[ids[1]] != nil || !slices.Equal(got[ids[2]], []string{hailong.FlagBurst}) {
			t.Errorf("flags %v", got)
		}
	})
}

// TestACounterRatingIsBoundToItsDossier: the one-stop software opens a
// rating for a dossier at counter Q1; only Q1's tablet sees it; its next
// rating is the dossier's, under the dossier's one id; the dossier cannot
// be rated twice.
func TestACounterRatingIsBoundToItsDossier(t *testing.T) {
	s, o, _ := newServer(t)
	q1, q2 := pairScreen(t, s, "Q1"), pairScreen(t, s, "Q2")
	const dossier = "H15.50.05.13-261008-0975"
	open := `{"dossier":"` + dossier + `","procedure":"1.004122","official":"cb-0012"}`
	if a := asTerminal(t, s, q2, "POST", "/api/v1/counters/Q1/open", open); a.status != 403 {
		t.Errorf("another counter's tablet opens Q1: %d", a.status)
	}
	if a := asTerminal(t, s, software[s], "POST", "/api/v1/counters/Q1/open", `{"dossier":"nope"}`); a.status != 400 || fieldsOf(a)["dossier"] == "" {
		t.Errorf("a bad dossier: %d %s", a.status, a.raw)
	}
	if a := asTerminal(t, s, software[s], "POST", "/api/v1/counters/Q1/open", open); a.status != 201 || a.body["dossier"] != dossier {
		t.Fatalf("open: %d %s", a.status, a.raw)
	}
	if a := asTerminal(t, s, q2, "GET", "/api/v1/counters/Q1/open", ""); a.status != 403 {
		t.Errorf("Q2's tablet sees Q1: %d", a.status)
	}
	if a := asTerminal(t, s, q1, "GET", "/api/v1/counters/Q1/open", ""); a.status != 200 || a.body["dossier"] != dossier {
		t.Fatalf("Q1's tablet: %d %s", a.status, a.raw)
	}
	clientID := hailong.NewID()
	tap := `{"id":"` + clientID + `","questionnaire":"counter-quick","answers":{"overall":3}}`
	want := qrtoken.DossierRatingID("TT-1", dossier)
	if a := asTerminal(t, s, q1, "POST", "/api/v1/ratings", tap); a.status != 201 || a.body["id"] != want {
		t.Fatalf("the citizen's tap: %d %s, want the dossier's id %s", a.status, a.raw, want)
	}
	if a := asTerminal(t, s, q1, "POST", "/api/v1/ratings", tap); a.status != 200 || a.body["id"] != want {
		t.Errorf("the tap sent again: %d %s", a.status, a.raw)
	}
	if a := asTerminal(t, s, q1, "GET", "/api/v1/counters/Q1/open", ""); a.status != 404 {
		t.Errorf("a rated opening still shown: %d", a.status)
	}
	pending, _ := o.Pending(10)
	if len(pending) != 1 || pending[0].ID != want || pending[0].Dossier != dossier || pending[0].Procedure != "1.004122" || pending[0].Official != "cb-0012" || pending[0].Counter != "Q1" {
		t.Fatalf("recorded %+v", pending)
	}
	// The next tap, with nothing open, is a rating of its own.
	if a := asTerminal(t, s, q1, "POST", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":2}}`); a.status != 201 || a.body["id"] == want {
		t.Errorf("an unbound tap: %d %s", a.status, a.raw)
	}
	// The dossier opened again, by mistake or on purpose: already rated.
	asTerminal(t, s, software[s], "POST", "/api/v1/counters/Q1/open", open)
	if a := asTerminal(t, s, q1, "POST", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":1}}`); a.status != 409 || !strings.Contains(a.raw, "already rated") {
		t.Errorf("a second rating of the dossier: %d %s", a.status, a.raw)
	}
	if a := asTerminal(t, s, software[s], "POST", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":1},"dossier":"`+dossier+`"}`); a.status != 409 {
		t.Errorf("the dossier rated again by the software: %d %s", a.status, a.raw)
	}
	if a := asTerminal(t, s, q1, "DELETE", "/api/v1/counters/Q1/open", ""); a.status != 404 {
		t.Errorf("close a taken opening: %d", a.status)
	}
}

// TestACounterTapIsHeldForItsFollowUps: the citizen taps on a counter's
// tablet with a dossier opened there; the tap is held for its follow-ups
// under the dossier's id, and the follow-ups amend it there, from that
// tablet only: another counter's tablet, the lobby screen and the one-stop
// software, all paired, are refused as an unpaired browser is. Misuse is
// judged on taps: amendments add no flag and do not count towards the next
// tap's.
func TestACounterTapIsHeldForItsFollowUps(t *testing.T) {
	s, o, _ := newServer(t)
	s.Misuse = misuse.New(misuse.Config{Interval: time.Nanosecond, Burst: 2, Window: time.Hour})
	q1, q2, lobby := pairScreen(t, s, "Q1"), pairScreen(t, s, "Q2"), pairScreen(t, s, "")
	const dossier = "H15.50.05.13-261008-0976"
	if a := asTerminal(t, s, software[s], "POST", "/api/v1/counters/Q1/open", `{"dossier":"`+dossier+`"}`); a.status != 201 {
		t.Fatalf("open: %d %s", a.status, a.raw)
	}
	want := qrtoken.DossierRatingID("TT-1", dossier)
	tap := `{"id":"` + hailong.NewID() + `","questionnaire":"counter-quick","answers":{"overall":3},"follow_up":true}`
	if a := asTerminal(t, s, q1, "POST", "/api/v1/ratings", tap); a.status != 201 || a.body["id"] != want {
		t.Fatalf("the tap: %d %s, want the dossier's id %s", a.status, a.raw, want)
	}
	if st := outboxStats(t, o); st.Held != 1 || st.Queued != 0 {
		t.Fatalf("after the tap: held %d, queued %d; want 1, 0", st.Held, st.Queued)
	}
	path := "/api/v1/ratings/" + want
	tests := []struct {
		name, token, body string
		status            int
	}{
		{"unpaired", "", `{"answers":{"overall":3,"attitude":2}}`, 401},
		{"another counter's tablet", q2, `{"answers":{"overall":3,"attitude":0}}`, 403},
		{"the lobby screen", lobby, `{"answers":{"overall":3,"attitude":0}}`, 403},
		{"the one-stop software", software[s], `{"answers":{"overall":3,"attitude":0},"done":true}`, 403},
		{"some answers", q1, `{"answers":{"overall":3,"attitude":2}}`, 200},
		{"more, and done", q1, `{"answers":{"overall":3,"attitude":2,"comment":"Tốt"},"done":true}`, 200},
		{"another counter's tablet, after done", q2, `{"answers":{"overall":3,"attitude":2,"comment":"Tốt"},"done":true}`, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a := doWith(t, s, "PATCH", path, "application/json", tt.body, tt.token); a.status != tt.status {
				t.Errorf("%d %s, want %d", a.status, a.raw, tt.status)
			}
		})
	}
	if a := asTerminal(t, s, q1, "POST", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":2}}`); a.status != 201 {
		t.Fatalf("the next tap: %d %s", a.status, a.raw)
	}
	p, err := o.Pending(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 2 || p[0].ID != want || p[0].Dossier != dossier || len(p[0].Answers) != 3 || p[0].Flags != nil || p[1].Flags != nil {
		t.Fatalf("queued %+v, want the dossier's rating with its three answers, then the next tap, neither flagged", p)
	}
}

// TestASecondRatingOfADossierSaysWhenTheFirstWas: a dossier rated at a
// counter and opened again is refused with when it was rated, in Vietnam
// time and the language the screen asks for.
func TestASecondRatingOfADossierSaysWhenTheFirstWas(t *testing.T) {
	s, _, _ := newServer(t)
	first := time.Date(2026, 11, 28, 7, 5, 0, 0, time.UTC) // 14:05 in Vietnam
	s.Now = func() time.Time { return first }
	q1 := pairScreen(t, s, "Q1")
	const dossier = "H15.50.05.13-261008-0977"
	open := `{"dossier":"` + dossier + `"}`
	if a := asTerminal(t, s, software[s], "POST", "/api/v1/counters/Q1/open", open); a.status != 201 {
		t.Fatalf("open: %d %s", a.status, a.raw)
	}
	if a := asTerminal(t, s, q1, "POST", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":3}}`); a.status != 201 {
		t.Fatalf("the first rating: %d %s", a.status, a.raw)
	}
	s.Now = func() time.Time { return first.Add(50 * time.Hour) }
	tests := []struct{ name, language, detail string }{
		{"Vietnamese", "vi-VN,vi;q=0.9", "Hồ sơ này đã được đánh giá lúc 14:05 ngày 28/11/2026"},
		{"English", "en", "This dossier was already rated at 14:05 on 28 Nov 2026"},
		{"no language asked", "", "This dossier was already rated at 14:05 on 28 Nov 2026"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a := asTerminal(t, s, software[s], "POST", "/api/v1/counters/Q1/open", open); a.status != 201 {
				t.Fatalf("open again: %d %s", a.status, a.raw)
			}
			req, _ := http.NewRequest("POST", base[s]+"/api/v1/ratings", strings.NewReader(`{"questionnaire":"counter-quick","answers":{"overall":1}}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+q1)
			if tt.language != "" {
				req.Header.Set("Accept-Language", tt.language)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p struct {
				Detail  string    `json:"detail"`
				RatedAt time.Time `json:"rated_at"`
			}
			body, _ := io.ReadAll(resp.Body)
			json.Unmarshal(body, &p)
			if resp.StatusCode != 409 || !strings.HasPrefix(p.Detail, tt.detail) || !p.RatedAt.Equal(first) {
				t.Errorf("%d %s; want 409 saying %q, rated_at %s", resp.StatusCode, body, tt.detail, first.Format(time.RFC3339))
			}
		})
	}
}

// TestAScreenRatesWhereItStands: a screen's rating names no dossier and no
// counter but its own (a lobby screen took a dossier's one rating before
// its citizen; a tablet rated and issued links as another counter); the
// opening's official and procedure win over those the tablet's address
// names; a tap refused as not valid leaves the opening for the next one;
// a walk-in code of a tablet names its counter, and a lobby screen's may
// not name a counter where a tablet stands.
func TestAScreenRatesWhereItStands(t *testing.T) {
	s, o, _ := newServer(t)
	cred, _ := syncapi.NewCredential("k1")
	s.Signer, _ = qrtoken.KeyFromSecret(cred.Secret)
	q1, q3, lobby := pairScreen(t, s, "Q1"), pairScreen(t, s, "Q3"), pairScreen(t, s, "")
	const dossier = "H15.50.05.13-261202-4001"
	tap := func(extra string) string {
		return `{"questionnaire":"counter-quick","answers":{"overall":1}` + extra + `}`
	}
	for _, tc := range []struct {
		name, token, method, path, body string
		status                          int
	}{
		{"a lobby screen names a dossier", lobby, "POST", "/api/v1/ratings", tap(`,"dossier":"` + dossier + `"`), 403},
		{"a tablet names a dossier", q1, "POST", "/api/v1/ratings", tap(`,"dossier":"` + dossier + `"`), 403},
		{"a lobby screen names a counter", lobby, "POST", "/api/v1/ratings", tap(`,"counter":"Q1"`), 403},
		{"a tablet rates as another counter", q3, "POST", "/api/v1/ratings", tap(`,"counter":"Q1"`), 403},
		{"a tablet issues a link for another counter", q3, "POST", "/api/v1/tokens", `{"dossier":"` + dossier + `","counter":"Q1"}`, 403},
		{"a tablet's walk-in code names another counter", q3, "POST", "/api/v1/tokens/walk-in", `{"terminal":"Q1"}`, 403},
		{"a lobby screen's walk-in code names a tablet's counter", lobby, "POST", "/api/v1/tokens/walk-in", `{"terminal":"Q3"}`, 403},
		{"a lobby screen's walk-in code under its own name", lobby, "POST", "/api/v1/tokens/walk-in", `{"terminal":"lobby-1"}`, 201},
		{"a tablet rates its own counter", q3, "POST", "/api/v1/ratings", tap(`,"counter":"Q3"`), 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := asTerminal(t, s, tc.token, tc.method, tc.path, tc.body); a.status != tc.status {
				t.Errorf("%d %s; want %d", a.status, a.raw, tc.status)
			}
		})
	}
	if st, _ := o.Stats(); st.Queued != 1 {
		t.Errorf("%d ratings queued; want the tablet's own one", st.Queued)
	}
	// A screen shows where it is paired, whatever counter its address names.
	for _, tc := range []struct{ name, token, want string }{
		{"a lobby screen at a counter's address", lobby, `data-counter=""`},
		{"a tablet at another counter's address", q3, `data-counter="Q3"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := asTerminal(t, s, tc.token, "GET", "/?counter=Q6&official=cb-0600", ""); a.status != 200 || !strings.Contains(a.raw, tc.want) {
				t.Errorf("%d, want the screen with %s", a.status, tc.want)
			}
		})
	}

	// The one-stop software opens the dossier for official cb-0200; the
	// tablet's address names cb-0300.
	if a := asTerminal(t, s, software[s], "POST", "/api/v1/counters/Q1/open", `{"dossier":"`+dossier+`","official":"cb-0200","procedure":"1.004122"}`); a.status != 201 {
		t.Fatalf("open: %d %s", a.status, a.raw)
	}
	if a := asTerminal(t, s, q1, "POST", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":9},"official":"cb-0300"}`); a.status != 400 {
		t.Fatalf("a tap not valid: %d %s", a.status, a.raw)
	}
	if a := asTerminal(t, s, q1, "GET", "/api/v1/counters/Q1/open", ""); a.status != 200 {
		t.Errorf("the opening is gone after a tap that recorded nothing: %d", a.status)
	}
	if a := asTerminal(t, s, q1, "POST", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":1},"official":"cb-0300","procedure":"1.009999"}`); a.status != 201 {
		t.Fatalf("the citizen's tap: %d %s", a.status, a.raw)
	}
	pending, _ := o.Pending(10)
	var got *hailong.Rating
	for i := range pending {
		if pending[i].Dossier == dossier {
			got = &pending[i]
		}
	}
	if got == nil || got.Official != "cb-0200" || got.Procedure != "1.004122" || got.Counter != "Q1" {
		t.Errorf("recorded %+v; want the opening's official cb-0200 and procedure at Q1", got)
	}
}
