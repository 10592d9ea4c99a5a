package web_test

import (
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"hailong/kiosk/terminals"
	"hailong/kiosk/web"
)

// TestScreenAddressRefusalsAreInThePagesLanguage: an address a screen
// cannot open, and the pairing page of a node with too many screens
// waiting, are refused to the browser in the page's language (Vietnamese
// by default, English with lang=en), naming the parameter at fault and
// saying how to mend it, with the status as before; a program asking for
// JSON still gets the API's problem, in English.
func TestScreenAddressRefusalsAreInThePagesLanguage(t *testing.T) {
	s, _, _ := newServer(t)
	lobby, tablet := pairScreen(t, s, ""), pairScreen(t, s, "Q1")
	busy := busyPairingServer(t)
	const badAddressVI, badAddressEN = "Địa chỉ màn hình không hợp lệ", "The screen's address is not valid"
	const fixVI, fixEN = "Xin sửa địa chỉ của màn hình này rồi tải lại trang.", "Correct the address this screen opens, then reload the page."
	tests := []struct {
		name   string
		server *web.Server
		token  string // the screen's device cookie; empty: an unpaired browser
		query  string // the address's, but for lang
		status int
		detail string   // the API's problem, as it was
		vi, en []string // what the page says in each language
	}{
		{"questionnaire not offered", s, lobby, "q=nope", 404, `Questionnaire "nope" is not offered at this node.`,
			[]string{badAddressVI, "Tham số “q”: ki-ốt này không có phiếu khảo sát “nope”. Xin ghi tham số “q” là mã của một phiếu có tại đây: “counter-quick”.", fixVI},
			[]string{badAddressEN, "Parameter “q”: this kiosk offers no questionnaire “nope”. Set “q” to the code of one offered here: “counter-quick”.", fixEN}},
		{"questionnaire not offered, the default is", s, lobby, "q=sipas", 404, `Questionnaire "sipas" is not offered at this node.`,
			[]string{badAddressVI, "Tham số “q”: ki-ốt này không có phiếu khảo sát “sipas”.", "Hoặc bỏ tham số “q” để mở phiếu mặc định “counter-quick”."},
			[]string{badAddressEN, "Parameter “q”: this kiosk offers no questionnaire “sipas”.", "Or leave “q” out to open the default questionnaire, “counter-quick”."}},
		{"bad counter on a lobby screen", s, lobby, "counter=%3Cscript%3E", 400, "The terminal address is not valid.",
			[]string{badAddressVI, "Tham số “counter”: “<script>” không phải mã quầy hợp lệ.", "bắt đầu bằng chữ cái hoặc chữ số; hoặc bỏ tham số này.", fixVI},
			[]string{badAddressEN, "Parameter “counter”: “<script>” is not a valid counter code.", "starting with a letter or digit; or leave the parameter out.", fixEN}},
		{"bad official at a counter tablet", s, tablet, "counter=Q1&official=CB+01", 400, "The terminal address is not valid.",
			[]string{badAddressVI, "Tham số “official”: “CB 01” không phải mã công chức hợp lệ."},
			[]string{badAddressEN, "Parameter “official”: “CB 01” is not a valid official's code."}},
		{"bad terminal, its control shown as a code point", s, lobby, "terminal=a%E2%80%AEb", 400, "The terminal address is not valid.",
			[]string{badAddressVI, "Tham số “terminal”: “a[U+202E]b” không phải tên màn hình hợp lệ."},
			[]string{badAddressEN, "Parameter “terminal”: “a[U+202E]b” is not a valid screen name."}},
		{"official's name too long", s, tablet, "counter=Q1&official=CB01&official_name=" + url.QueryEscape(strings.Repeat("Nguyễn ", 10)), 400, "The terminal address is not valid.",
			[]string{badAddressVI, "Tham số “official_name”: tên công chức dài 70 ký tự. Xin ghi tên bằng văn bản thường, tối đa 64 ký tự; hoặc bỏ tham số này."},
			[]string{badAddressEN, "Parameter “official_name”: the official's name is 70 characters long. Write the name as plain text of at most 64 characters; or leave the parameter out."}},
		{"official's name with a control character", s, tablet, "counter=Q1&official_name=An%07", 400, "The terminal address is not valid.",
			[]string{"Tham số “official_name”: tên công chức chứa ký tự điều khiển U+0007."},
			[]string{"Parameter “official_name”: the official's name contains the control character U+0007."}},
		{"every bad parameter at once", s, tablet, "counter=Q1&official=%2F&terminal=%2F&official_name=%FF", 400, "The terminal address is not valid.",
			[]string{"Tham số “official”: “/”", "Tham số “terminal”: “/”", "tên công chức không phải văn bản UTF-8 hợp lệ"},
			[]string{"Parameter “official”: “/”", "Parameter “terminal”: “/”", "the official's name is not valid UTF-8"}},
		{"a counter given twice", s, tablet, "counter=Q1&counter=Q2", 400, "The terminal address is not valid.",
			[]string{badAddressVI, "Tham số “counter” có nhiều lần trong địa chỉ. Xin chỉ ghi một lần.", fixVI},
			[]string{badAddressEN, "Parameter “counter” is given more than once in the address. Give it once.", fixEN}},
		{"pairing page with too many screens waiting", busy, "", "", 429, "Too many screens are waiting to be paired; try again in a few minutes.",
			[]string{"Chưa thể hiện mã ghép nối", "Đang có quá nhiều màn hình chờ ghép nối. Xin thử lại sau ít phút."},
			[]string{"The pairing code cannot be shown yet", "Too many screens are waiting to be paired. Please try again in a few minutes."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, l := range []struct {
				lang, query string
				want        []string
			}{{"vi", tt.query, tt.vi}, {"en", strings.TrimPrefix(tt.query+"&lang=en", "&"), tt.en}} {
				t.Run(l.lang, func(t *testing.T) {
					st, h, raw := pageAt(t, tt.server, "/?"+l.query, tt.token, "text/html")
					if st != tt.status || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
						t.Fatalf("%d %s, want %d and a page:\n%s", st, h.Get("Content-Type"), tt.status, raw)
					}
					if strings.Contains(raw, "<script") {
						t.Errorf("the page quotes the address unescaped:\n%s", raw)
					}
					body := html.UnescapeString(raw) // what it says
					if got := pageLang(body); got != l.lang {
						t.Errorf("the page is in lang %q, want %q", got, l.lang)
					}
					for _, w := range l.want {
						if !strings.Contains(body, w) {
							t.Errorf("the page lacks %q:\n%s", w, body)
						}
					}
					if !strings.Contains(l.query, "terminal=") && strings.Contains(body, "“terminal”") {
						t.Errorf("the page blames a terminal parameter the address does not have:\n%s", body)
					}
					if l.lang == "vi" {
						for _, en := range slices.Concat(tt.en, []string{tt.detail, "not valid", "Parameter"}) {
							if strings.Contains(body, en) {
								t.Errorf("the Vietnamese page says %q in English:\n%s", en, body)
							}
						}
					}
				})
			}
			t.Run("api", func(t *testing.T) {
				st, h, body := pageAt(t, tt.server, "/?"+tt.query, tt.token, "application/json")
				var p struct{ Detail string }
				if err := json.Unmarshal([]byte(body), &p); err != nil || st != tt.status ||
					h.Get("Content-Type") != "application/problem+json" || p.Detail != tt.detail {
					t.Errorf("%d %s %s, want %d and the problem %q", st, h.Get("Content-Type"), body, tt.status, tt.detail)
				}
			})
		})
	}
}

// pageAt gets path from s as a screen's browser does, with the device
// cookie token (none when empty), asking for accept.
func pageAt(t *testing.T, s *web.Server, path, token, accept string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base[s]+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	if token != "" {
		req.AddCookie(&http.Cookie{Name: web.TerminalCookie, Value: token})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

var htmlLang = regexp.MustCompile(`<html lang="([^"]*)"`)

// pageLang returns the lang attribute of a page's html element.
func pageLang(body string) string {
	if m := htmlLang.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// busyPairingServer is a node at which as many screens as it keeps wait
// to collect their pairing (a demo node pairs every screen that asks, and
// these never come back): the next unpaired browser is refused.
func busyPairingServer(t *testing.T) *web.Server {
	t.Helper()
	s, _, _ := newServerB(t, func(s *web.Server) {
		var err error
		s.Terminals, err = terminals.Open(terminals.Config{Store: s.Outbox.(terminals.Store), AutoPair: true, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
	})
	for range 1000 {
		switch st, _, body := pageAt(t, s, "/", "", "text/html"); st {
		case http.StatusTooManyRequests:
			return s
		case http.StatusUnauthorized: // its pairing code: one more waits
		default:
			t.Fatalf("an unpaired browser: %d\n%s", st, body)
		}
	}
	t.Fatal("1,000 screens wait to be paired, and the node still gives codes")
	return nil
}
