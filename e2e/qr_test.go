package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/qrtoken"
	"hailong/syncapi"
)

type issued struct {
	Token, URL string
	QRPNG      string `json:"qr_png"`
}

func issueToken(t *testing.T, kioskURL, body string) issued {
	t.Helper()
	var req map[string]any
	json.Unmarshal([]byte(body), &req)
	status, out := postJSON(t, kioskURL+"/api/v1/tokens", req, nil)
	if status != 201 {
		t.Fatalf("issue token: %d %s", status, out)
	}
	var tok issued
	json.Unmarshal(out, &tok)
	return tok
}

// phone is a citizen's browser: it keeps cookies and fills in the form.
type phone struct {
	t      *testing.T
	client *http.Client
}

func newPhone(t *testing.T) *phone {
	jar, _ := cookiejar.New(nil)
	return &phone{t: t, client: &http.Client{Jar: jar}}
}

func (p *phone) get(u string) (int, string) {
	p.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// rate opens the link and submits the form with the given answers.
func (p *phone) rate(link string, answers url.Values) (int, string) {
	p.t.Helper()
	status, page := p.get(link)
	if status != 200 {
		return status, page
	}
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		p.t.Fatalf("no CSRF field in the form:\n%s", page)
	}
	answers.Set("_csrf", m[1])
	return p.send(link, answers)
}

// send posts a form already filled in, its CSRF field included.
func (p *phone) send(link string, answers url.Values) (int, string) {
	p.t.Helper()
	status, page, err := p.post(link, answers)
	if err != nil {
		p.t.Fatal(err)
	}
	return status, page
}

// post is send for another goroutine than the test's: it returns the
// error rather than end the test.
func (p *phone) post(link string, answers url.Values) (int, string, error) {
	req, _ := http.NewRequest("POST", link, strings.NewReader(answers.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestOfflineKioskIssuesALinkThePhoneRatesThrough(t *testing.T) {
	aggDir, addr := t.TempDir(), freeAddr(t)
	agg := startAggregator(t, aggDir, addr)
	cred := enrol(t, agg, "kiosk-1", centre)
	agg.Close() // the centre is offline when the dossier is received
	k := startKiosk(t, t.TempDir(), "http://"+addr, cred, centre)
	defer k.Close()
	tok := issueToken(t, k.URL(), `{"dossier":"H15.50.05.13-261008-0975","procedure":"1.004122","official":"cb-0012","counter":"Q1"}`)
	tok2 := issueToken(t, k.URL(), `{"dossier":"H15.50.05.13-261008-0976","procedure":"1.004122","official":"cb-0012"}`)

	agg = startAggregator(t, aggDir, addr) // days later, the citizen's phone reaches the aggregator
	defer agg.Close()
	p := newPhone(t)
	// A second phone opens the form before the first sends it.
	late := newPhone(t)
	status, page := late.get(tok.URL + "?lang=en")
	lateForm := csrfField.FindStringSubmatch(page)
	if status != 200 || lateForm == nil {
		t.Fatalf("the second phone: %d\n%s", status, page)
	}
	// A link is valid for 30 days: the form asks about the service
	// received, never about "today", in either language.
	_, vi := newPhone(t).get(tok.URL)
	for lang, form := range map[string]string{"vi": vi, "en": page} {
		low := strings.ToLower(form)
		if strings.Contains(low, "hôm nay") || strings.Contains(low, "today") ||
			!strings.Contains(form, map[string]string{"vi": "dịch vụ đã nhận", "en": "the service you received"}[lang]) {
			t.Errorf("the %s form asks about today, or not about the service received:\n%s", lang, form)
		}
	}
	before := time.Now()
	status, page = p.rate(tok.URL, url.Values{"overall": {"3"}, "result_time": {"2"}, "comment": {"Nhanh, chu đáo"}})
	if status != 200 || !strings.Contains(page, "Xin cảm ơn Ông/Bà!") {
		t.Fatalf("form: %d\n%s", status, page)
	}
	after := time.Now()
	// A program posts JSON for the second link, repeating its dossier in
	// another spelling of the same code.
	st, body := postJSON(t, tok2.URL, map[string]any{"answers": map[string]any{"overall": 1}, "dossier": " h15.50.05.13–261008–0976"}, nil)
	if st != 201 {
		t.Fatalf("json: %d %s", st, body)
	}
	// The same link again: already rated, and when, in the page's
	// language; also to the phone that sends a form it opened before, and
	// after the aggregator restarted.
	checkRatedAt(t, "second visit", before, after, func() (int, string) { return p.get(tok.URL) })
	checkRatedAt(t, "second visit in English", before, after, func() (int, string) { return p.get(tok.URL + "?lang=en") })
	checkRatedAt(t, "a form opened before", before, after, func() (int, string) {
		return late.send(tok.URL, url.Values{"overall": {"1"}, "lang": {"en"}, "_csrf": {lateForm[1]}})
	})
	agg.Close()
	agg = startAggregator(t, aggDir, addr)
	defer agg.Close()
	checkRatedAt(t, "after a restart", before, after, func() (int, string) { return p.get(tok.URL) })
	day := today()
	for _, tt := range []struct {
		query        string
		n, satisfied int64
	}{
		{q("unit", "24", "from", day, "to", day, "channel", "qr"), 2, 1},
		{q("unit", centre, "from", day, "to", day, "channel", "qr", "official", "cb-0012"), 2, 1},
		{q("unit", centre, "from", day, "to", day, "counter", "Q1"), 1, 1},
		{q("unit", centre, "from", day, "to", day, "channel", "kiosk"), 0, 0},
	} {
		s := satisfactionOf(t, agg.URL(), tt.query)
		if s.N != tt.n || s.Satisfied != tt.satisfied || s.ByChannel["qr"].N != tt.n {
			t.Errorf("%s: n=%d satisfied=%d qr=%d, want %d %d", tt.query, s.N, s.Satisfied, s.ByChannel["qr"].N, tt.n, tt.satisfied)
		}
	}
}

// ratedAtVI and ratedAtEN find when a dossier was rated on the phone's
// "already rated" page.
var (
	ratedAtVI = regexp.MustCompile(`Hồ sơ này đã được đánh giá lúc (\d\d:\d\d) ngày (\d\d/\d\d/\d{4})`)
	ratedAtEN = regexp.MustCompile(`This dossier was rated at (\d\d:\d\d) on (\d{1,2} [A-Z][a-z]{2} \d{4})`)
)

// checkRatedAt opens a rated dossier's link with open and expects 409 and
// a page saying when it was rated, in Vietnam time, between from and to
// (to the minute), in the page's language.
func checkRatedAt(t *testing.T, name string, from, to time.Time, open func() (int, string)) {
	t.Helper()
	status, page := open()
	layout, m := "15:04 02/01/2006", ratedAtVI.FindStringSubmatch(page)
	if strings.Contains(page, `<html lang="en">`) {
		layout, m = "15:04 2 Jan 2006", ratedAtEN.FindStringSubmatch(page)
	}
	if status != 409 || m == nil {
		t.Errorf("%s: %d, no time of the rating on the page:\n%s", name, status, page)
		return
	}
	at, err := time.ParseInLocation(layout, m[1]+" "+m[2], hailong.Location)
	if err != nil || at.Before(from.Truncate(time.Minute)) || at.After(to) {
		t.Errorf("%s: rated at %s, want between %s and %s (%v)", name, m[0], from.In(hailong.Location), to.In(hailong.Location), err)
	}
}

func TestBadLinksRecordNothing(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	revokedCred := enrol(t, agg, "kiosk-2", centre)
	key, _ := qrtoken.KeyFromSecret(cred.Secret)
	revokedKey, _ := qrtoken.KeyFromSecret(revokedCred.Secret)
	stranger, _ := syncapi.NewCredential("kiosk-1") // right id, not the enrolled key
	strangerKey, _ := qrtoken.KeyFromSecret(stranger.Secret)
	claims := qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "kiosk-1", Unit: centre, Dossier: "H15.50.05.13-261008-0975", Procedure: "1.004122", Expires: time.Now().Add(time.Hour)}
	sign := func(k []byte, c qrtoken.Claims) string {
		tok, err := qrtoken.Sign(k, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(key, claims)
	expired := claims
	expired.Expires = time.Now().Add(-time.Minute)
	otherUnit := claims
	otherUnit.Unit = "TT-09250"
	revoked := claims
	revoked.Kiosk = "kiosk-2"
	unknown := claims
	unknown.Kiosk = "kiosk-9"
	payload, sig, _ := strings.Cut(good, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	altered := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), "0975", "0976", 1))) + "." + sig
	if err := agg.DB().RevokeKiosk(context.Background(), "kiosk-2"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, token string
		status      int
		page        string
	}{
		{"forged by another key", sign(strangerKey, claims), 403, "không hợp lệ"},
		{"altered dossier", altered, 403, "không hợp lệ"},
		{"truncated", good[:len(good)-12], 400, "không hợp lệ"},
		{"signature cut off", payload, 400, "không hợp lệ"},
		{"expired", sign(key, expired), 410, "hết hạn"},
		{"bound to another unit than its kiosk", sign(key, otherUnit), 403, "không hợp lệ"},
		{"kiosk revoked", sign(revokedKey, revoked), 403, "không còn hiệu lực"},
		{"unknown kiosk", sign(key, unknown), 403, "không hợp lệ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link := agg.URL() + "/r/" + tt.token
			p := newPhone(t)
			if status, page := p.get(link); status != tt.status || !strings.Contains(page, tt.page) {
				t.Errorf("page: %d, want %d with %q", status, tt.status, tt.page)
			}
			if st, body := postJSON(t, link, map[string]any{"answers": map[string]any{"overall": 3}}, nil); st != tt.status || !strings.Contains(string(body), `"status":`) {
				t.Errorf("json: %d %s, want %d problem", st, body, tt.status)
			}
		})
	}
	if s := satisfactionOf(t, agg.URL(), q("unit", "24", "from", today(), "to", today())); s.N != 0 {
		t.Fatalf("bad links recorded %d ratings", s.N)
	}
	// The good link still works, and its form refuses a missing answer.
	p := newPhone(t)
	if status, page := p.rate(agg.URL()+"/r/"+good, url.Values{"comment": {"x"}}); status != 400 || !strings.Contains(page, "chưa được trả lời") {
		t.Errorf("missing answer: %d", status)
	}
	if status, _ := p.rate(agg.URL()+"/r/"+good, url.Values{"overall": {"2"}}); status != 200 {
		t.Errorf("good link: %d", status)
	}
	// A form posted without the page's CSRF token is refused.
	req, _ := http.NewRequest("POST", agg.URL()+"/r/"+sign(key, claims), strings.NewReader("overall=3"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("form without CSRF token: %v %v", resp.StatusCode, err)
	}
	if s := satisfactionOf(t, agg.URL(), q("unit", "24", "from", today(), "to", today())); s.N != 1 {
		t.Fatalf("n = %d, want only the good link's rating", s.N)
	}
}

func TestALinkRatesOnceUnderRace(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	key, _ := qrtoken.KeyFromSecret(cred.Secret)
	for round := 0; round < 5; round++ {
		tok, _ := qrtoken.Sign(key, qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "kiosk-1", Unit: centre, Dossier: fmt.Sprintf("H15.50.05.13-261008-097%d", round), Expires: time.Now().Add(time.Hour)})
		const phones = 12
		var wg sync.WaitGroup
		codes := make(chan int, phones)
		start := make(chan struct{})
		for i := 0; i < phones; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				st, _ := postJSON(t, agg.URL()+"/r/"+tok, map[string]any{"answers": map[string]any{"overall": 1 + i%3}}, nil)
				codes <- st
			}()
		}
		close(start)
		wg.Wait()
		close(codes)
		count := map[int]int{}
		for c := range codes {
			count[c]++
		}
		if count[201] != 1 || count[201]+count[409]+count[200] != phones {
			t.Fatalf("round %d: answers %v, want exactly one 201", round, count)
		}
	}
	if s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today(), "channel", "qr")); s.N != 5 {
		t.Fatalf("n = %d, want one rating per link", s.N)
	}
}

func TestPhoneRequestsAreRateLimitedPerAddress(t *testing.T) {
	tests := []struct {
		name    string
		trusted string
		want    []int
	}{
		// The test client is not the trusted proxy: its header is ignored
		// and all seven requests come from one address.
		{"untrusted forwarded header", "10.9.9.9", []int{400, 400, 400, 400, 400, 429, 429}},
		// From the trusted proxy, each request is another citizen.
		{"trusted proxy", "127.0.0.1", []int{400, 400, 400, 400, 400, 400, 400}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &aggapp.Main{Config: aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true, RateLimit: 5,
				ProxyHeader: "X-Forwarded-For", TrustedProxies: []string{tt.trusted}}, Logger: quiet}
			if err := m.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			var statuses []int
			for i := 0; i < 7; i++ {
				req, _ := http.NewRequest("GET", m.URL()+"/r/not-a-token", nil)
				req.Header.Set("X-Forwarded-For", "203.0.113."+string(rune('1'+i)))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				statuses = append(statuses, resp.StatusCode)
			}
			if !slices.Equal(statuses, tt.want) {
				t.Fatalf("statuses %v, want %v", statuses, tt.want)
			}
			if getJSON(t, m.URL()+"/healthz", nil) != 200 {
				t.Error("other paths must not be limited")
			}
		})
	}
}

func TestWalkInCodeFromTheLobbyScreen(t *testing.T) {
	m := startAggregatorWith(t, aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true, WalkInMax: 3})
	defer m.Close()
	cred := enrol(t, m, "kiosk-1", centre)
	k := startKiosk(t, t.TempDir(), m.URL(), cred, centre)
	defer k.Close()
	first := issueWalkIn(t, k.URL(), "lobby-1", 201)
	if again := issueWalkIn(t, k.URL(), "lobby-1", 200); again.Token != first.Token {
		t.Error("a terminal asking again should get its current code")
	}
	if other := issueWalkIn(t, k.URL(), "lobby-2", 201); other.Token == first.Token {
		t.Error("each terminal has its own code")
	}
	var codes []int
	for i := 0; i < 4; i++ { // four citizens scan the same code
		st, _ := postJSON(t, first.URL, map[string]any{"answers": map[string]any{"overall": 3}}, nil)
		codes = append(codes, st)
	}
	if !slices.Equal(codes, []int{201, 201, 201, 429}) {
		t.Fatalf("answers %v, want three ratings then refusal", codes)
	}
	// The three taken came from one address within a second: kept, the
	// two after the first flagged, out of the measures unless asked for.
	s := satisfactionOf(t, m.URL(), q("unit", centre, "from", today(), "to", today(), "channel", "qr", "counter", "lobby-1", "include_flagged", "true"))
	if s.N != 3 {
		t.Fatalf("n = %d, want 3 walk-in ratings at terminal lobby-1", s.N)
	}
	if s := satisfactionOf(t, m.URL(), q("unit", centre, "from", today(), "to", today(), "channel", "qr", "counter", "lobby-1")); s.N != 1 {
		t.Errorf("n = %d unflagged, want the first only", s.N)
	}
}

// TestOnePhoneRatesOnceAScan: a phone that sends its rating form again (a
// double tap, the back button) is thanked and records nothing more, with
// a walk-in code and with a dossier's link (whose second send said
// "already rated"); a program posting a walk-in code's ratings from one
// address, faster or more often than citizens give them, has them kept
// flagged, out of the measures, rather than filling the code's figures.
func TestOnePhoneRatesOnceAScan(t *testing.T) {
	m := startAggregatorWith(t, aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true})
	defer m.Close()
	cred := enrol(t, m, "kiosk-1", centre)
	k := startKiosk(t, t.TempDir(), m.URL(), cred, centre)
	defer k.Close()
	code := issueWalkIn(t, k.URL(), "lobby-1", 201)
	counted := func(flagged bool) int64 {
		t.Helper()
		query := q("unit", centre, "from", today(), "to", today(), "channel", "qr")
		if flagged {
			query += "&include_flagged=true"
		}
		return satisfactionOf(t, m.URL(), query).N
	}

	phone := newPhone(t)
	st, page := phone.get(code.URL)
	form := csrfField.FindStringSubmatch(page)
	if st != 200 || form == nil {
		t.Fatalf("the walk-in page: %d", st)
	}
	answers := url.Values{"overall": {"1"}, "_csrf": {form[1]}}
	for i := range 3 {
		if st, page := phone.send(code.URL, answers); st != 200 || !strings.Contains(page, "cảm ơn") {
			t.Fatalf("send %d: %d %.300s", i+1, st, page)
		}
	}
	if n := counted(true); n != 1 {
		t.Errorf("%d ratings after one phone sent its form three times, want 1", n)
	}

	// A program, without cookies, from the same address.
	for range 6 {
		if st, out := postJSON(t, code.URL, map[string]any{"answers": map[string]any{"overall": 1}}, nil); st != 201 {
			t.Fatalf("a program's post: %d %s", st, out)
		}
	}
	if all, measured := counted(true), counted(false); all != 7 || measured != 1 {
		t.Errorf("%d ratings kept, %d in the measures; want 7 kept and only the phone's first measured", all, measured)
	}

	// A dossier's link sent again by its phone: thanks, not "already rated".
	tok := issueToken(t, k.URL(), `{"dossier":"H15.50.05.13-261202-0778","procedure":"1.004227"}`)
	dossierPhone := newPhone(t)
	st, page = dossierPhone.get(tok.URL)
	if form = csrfField.FindStringSubmatch(page); st != 200 || form == nil {
		t.Fatalf("the dossier's page: %d", st)
	}
	answers = url.Values{"overall": {"3"}, "_csrf": {form[1]}}
	for i := range 2 {
		if st, page := dossierPhone.send(tok.URL, answers); st != 200 || !strings.Contains(page, "cảm ơn") {
			t.Errorf("the dossier's form, send %d: %d %.300s", i+1, st, page)
		}
	}

	// A double tap: the second send leaves before the first's answer (and
	// its cookie) comes back. Still one rating, and thanks for both.
	before := counted(true)
	for round := range 3 {
		for _, link := range []string{code.URL, issueToken(t, k.URL(), fmt.Sprintf(`{"dossier":"H15.50.05.13-261202-079%d"}`, round)).URL} {
			tapper := newPhone(t)
			st, page := tapper.get(link)
			form := csrfField.FindStringSubmatch(page)
			if st != 200 || form == nil {
				t.Fatalf("the page of %s: %d", link, st)
			}
			answers := url.Values{"overall": {"2"}, "_csrf": {form[1]}}
			start := make(chan struct{})
			var wg sync.WaitGroup
			pages := make([]string, 2)
			statuses := make([]int, 2)
			errs := make([]error, 2)
			for i := range 2 {
				wg.Go(func() { <-start; statuses[i], pages[i], errs[i] = tapper.post(link, answers) })
			}
			close(start)
			wg.Wait()
			for i := range 2 {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				if statuses[i] != 200 || !strings.Contains(pages[i], "cảm ơn") {
					t.Errorf("round %d, send %d of a double tap: %d %.300s", round, i+1, statuses[i], pages[i])
				}
			}
		}
	}
	if n := counted(true) - before; n != 6 {
		t.Errorf("%d ratings after three double taps on a walk-in code and three on dossier links, want 6", n)
	}
}

func issueWalkIn(t *testing.T, kioskURL, terminal string, want int) issued {
	t.Helper()
	status, out := postJSON(t, kioskURL+"/api/v1/tokens/walk-in", map[string]any{"terminal": terminal}, nil)
	if status != want {
		t.Fatalf("walk-in code: %d %s, want %d", status, out, want)
	}
	var tok issued
	json.Unmarshal(out, &tok)
	c, err := qrtoken.Parse(tok.Token)
	if err != nil || c.Kind != qrtoken.WalkIn || c.Counter != terminal || c.Dossier != "" {
		t.Fatalf("walk-in claims %+v %v", c, err)
	}
	return tok
}

// TestAPhoneFormSentBackSaysWhatToFixInThePagesLanguage: a citizen who
// leaves out the headline question is told which question, in Vietnamese
// on the Vietnamese page and in English on the English one, never the
// API's field paths.
func TestAPhoneFormSentBackSaysWhatToFixInThePagesLanguage(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	k := startKiosk(t, t.TempDir(), agg.URL(), cred, centre)
	defer k.Close()
	// The headline as the phone page asks it: about the service received,
	// not "today", a link being good for 30 days.
	for i, tt := range []struct{ lang, say, not, headline string }{
		{"vi", "chưa được trả lời", "is required", "Ông/Bà có hài lòng với dịch vụ đã nhận khi giải quyết thủ tục này không?"},
		{"en", "is not answered", "chưa được trả lời", "How satisfied are you with the service you received for this procedure?"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			tok := issueToken(t, k.URL(), fmt.Sprintf(`{"dossier":"H15.50.05.13-261008-%04d","procedure":"1.004122"}`, 980+i))
			link := tok.URL
			if tt.lang == "en" {
				link += "?lang=en"
			}
			status, page := newPhone(t).rate(link, url.Values{"lang": {tt.lang}, "comment": {"x"}})
			headline := html.EscapeString(tt.headline)
			if status != 400 || !strings.Contains(page, tt.say) || strings.Contains(page, tt.not) || strings.Contains(page, "answers.") || !strings.Contains(page, "<strong>"+headline+"</strong>") {
				t.Fatalf("%d, want the question %q and %q:\n%s", status, headline, tt.say, page)
			}
		})
	}
}
