package e2e

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"hailong"
	"hailong/aggregator/enrolment"
	"hailong/syncapi"
)

// postRaw posts body exactly as given: json.Marshal would repair the
// very bytes these tests send.
func postRaw(t *testing.T, url, body string, header http.Header) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func problemFields(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var p struct{ Errors []hailong.FieldError }
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a problem: %s", body)
	}
	out := map[string]string{}
	for _, e := range p.Errors {
		out[e.Field] = e.Message
	}
	return out
}

// TestAggregatorRefusesUnacceptableText sends unacceptable text through
// every body the aggregator reads: kiosk uploads, outcome reports, a
// phone's JSON and a phone's form. Each is refused with the field it is in
// and nothing is stored; only an upload refuses a rating alone, so that
// the rest of its batch is not held back.
func TestAggregatorRefusesUnacceptableText(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-h", centre)
	k := startKiosk(t, t.TempDir(), agg.URL(), cred, centre)
	defer k.Close()
	client, clientCred, _ := enrolment.Enrol("motcua", "24", time.Now())
	if err := agg.DB().AddClient(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	kioskAuth := http.Header{"Authorization": {"Bearer " + cred.String()}}
	clientAuth := http.Header{"Authorization": {"Bearer " + clientCred.String()}}

	now := time.Now().UTC().Format(time.RFC3339Nano)
	rating := func(comment string) string {
		return fmt.Sprintf(`{"id":%q,"questionnaire":"counter-quick","version":1,"answers":{"overall":3,"comment":%s},"channel":"kiosk","unit":%q,"kiosk":"kiosk-h","at":%q}`,
			hailong.NewID(), comment, centre, now)
	}
	upload := func(ratings ...string) string { return `{"ratings":[` + strings.Join(ratings, ",") + `]}` }
	outcome := `{"dossier":"H15.50.05.13-260301-0001","unit":"TT-09190","received":"2026-03-01","due":"2026-03-05"}`

	t.Run("JSON", func(t *testing.T) {
		tests := []struct {
			name, url, body string
			header          http.Header
			fields          map[string]string
		}{
			{"invalid UTF-8 in an upload", "/api/v1/sync", upload(rating(`"a"`), rating(`"a"`), rating(`"a"`), rating("\"ngon\xff\"")), kioskAuth,
				map[string]string{"ratings[3].answers.comment": "valid UTF-8"}},
			{"a lone surrogate in an upload", "/api/v1/sync", upload(rating(`"\udfff"`)), kioskAuth,
				map[string]string{"ratings[0].answers.comment": "valid UTF-8"}},
			{"a repeated name in an upload", "/api/v1/sync", upload(rating(`"a"`), strings.Replace(rating(`"a"`), `"overall":3`, `"overall":3,"overall":1`, 1)), kioskAuth,
				map[string]string{"ratings[1].answers.overall": "more than once"}},
			{"a repeated rating list", "/api/v1/sync", `{"ratings":[],"ratings":[` + rating(`"a"`) + `]}`, kioskAuth,
				map[string]string{"ratings": "more than once"}},
			{"invalid UTF-8 in an outcome", "/api/v1/outcomes", `{"outcomes":[` + outcome + `,` + strings.Replace(outcome, "TT-09190", "TT-09190\xc0", 1) + `]}`, clientAuth,
				map[string]string{"outcomes[1].unit": "valid UTF-8"}},
			{"a control character in an outcome", "/api/v1/outcomes", `{"outcomes":[` + strings.Replace(outcome, "TT-09190", `TT-09190\u0008`, 1) + `]}`, clientAuth,
				map[string]string{"outcomes[0].unit": "U+0008"}},
			{"a repeated name in an outcome", "/api/v1/outcomes", `{"outcomes":[` + strings.Replace(outcome, `"due"`, `"due":"2026-03-09","due"`, 1) + `]}`, clientAuth,
				map[string]string{"outcomes[0].due": "more than once"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				st, body := postRaw(t, agg.URL()+tt.url, tt.body, tt.header)
				if st != 400 {
					t.Fatalf("status %d, want 400: %s", st, body)
				}
				got := problemFields(t, body)
				if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(tt.fields))) {
					t.Fatalf("fields %v, want exactly %v", got, tt.fields)
				}
				for f, msg := range tt.fields {
					if !strings.Contains(got[f], msg) {
						t.Errorf("field %s = %q, want it to contain %q", f, got[f], msg)
					}
				}
			})
		}
	})

	t.Run("a control character refuses one rating of an upload", func(t *testing.T) {
		bad := rating(`"ngon\u0001"`)
		// The kiosk's own diagnostics may quote anything; they never fail
		// an upload.
		health := `,"health":{"version":"x","failed_reasons":{"bad \u0001 byte":1},"last_error":"\u001b[31m"}}`
		st, body := postRaw(t, agg.URL()+"/api/v1/sync", strings.TrimSuffix(upload(rating(`"ngon"`), bad), "}")+health, kioskAuth)
		if st != 200 {
			t.Fatalf("status %d: %s", st, body)
		}
		var res syncapi.Response
		json.Unmarshal(body, &res)
		if len(res.Results) != 2 || res.Results[0].Status != syncapi.Accepted || res.Results[1].Status != syncapi.Rejected ||
			!strings.Contains(res.Results[1].Reason, "answers.comment") || !strings.Contains(res.Results[1].Reason, "U+0001") {
			t.Fatalf("results %+v, want the first accepted and the second rejected for answers.comment", res.Results)
		}
	})

	t.Run("phone", func(t *testing.T) {
		tests := []struct {
			name, body string
			form       url.Values
			want       string // the field in JSON, the message on the page (in Vietnamese, naming no byte)
		}{
			{name: "invalid UTF-8 in JSON", body: "{\"answers\":{\"overall\":3,\"comment\":\"ngon\xff\"}}", want: "answers.comment"},
			{name: "a control character in JSON", body: `{"answers":{"overall":3,"comment":"ngon\u0002"}}`, want: "answers.comment"},
			{name: "a repeated answer in JSON", body: `{"answers":{"overall":3,"overall":1}}`, want: "answers.overall"},
			{name: "a repeated dossier in JSON", body: `{"answers":{"overall":3},"dossier":"X","dossier":"{dossier}"}`, want: "dossier"},
			{name: "invalid UTF-8 in the form", form: url.Values{"overall": {"3"}, "comment": {"ngon\xff"}}, want: "có ký tự không dùng được"},
			{name: "a control character in the form", form: url.Values{"overall": {"3"}, "comment": {"ngon\x01"}}, want: "có ký tự không dùng được"},
			{name: "a lone carriage return in the form", form: url.Values{"overall": {"3"}, "comment": {"ngon\rqua"}}, want: "có ký tự không dùng được"},
			{name: "a bidirectional override in the form", form: url.Values{"overall": {"3"}, "comment": {"abc \u202e xyz"}}, want: "có ký tự không dùng được"},
			{name: "a C1 control in the form", form: url.Values{"overall": {"3"}, "comment": {"ngon\u0080"}}, want: "có ký tự không dùng được"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				dossier := fmt.Sprintf("H15.50.05.13-261008-%04d", i+1)
				tok := issueToken(t, k.URL(), `{"dossier":"`+dossier+`"}`)
				if tt.form == nil {
					st, body := postRaw(t, tok.URL, strings.ReplaceAll(tt.body, "{dossier}", dossier), nil)
					if got := problemFields(t, body); st != 400 || len(got) != 1 || got[tt.want] == "" {
						t.Fatalf("status %d, fields %v; want 400 for %s alone: %s", st, got, tt.want, body)
					}
				} else {
					status, page := newPhone(t).rate(tok.URL, tt.form)
					if status != 400 || !strings.Contains(html.UnescapeString(page), tt.want) {
						t.Fatalf("status %d, want 400 saying %q:\n%s", status, tt.want, page)
					}
					if !utf8.ValidString(page) {
						t.Error("the page showing the refusal is not UTF-8")
					}
				}
				// Nothing was stored: the link still rates.
				if status, page := newPhone(t).rate(tok.URL, url.Values{"overall": {"3"}, "comment": {"Nhanh\r\nchu đáo"}}); status != 200 {
					t.Fatalf("the link after a refusal: %d\n%s", status, page)
				}
			})
		}
	})

	day := today()
	if s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", day, "to", day, "channel", "kiosk")); s.N != 1 {
		t.Errorf("%d kiosk ratings stored, want the 1 good one of the uploads", s.N)
	}
	if s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", day, "to", day, "channel", "qr")); s.N != 9 {
		t.Errorf("%d phone ratings stored, want the 9 good ones after the refusals", s.N)
	}
}
