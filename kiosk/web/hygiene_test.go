package web_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"hailong/qrtoken"
	"hailong/syncapi"
)

// TestTextHygiene sends every kind of unacceptable text through the JSON
// bodies of the kiosk node: each is refused with the exact field it is in,
// and nothing is recorded.
func TestTextHygiene(t *testing.T) {
	const (
		rating  = `{"questionnaire":"counter-quick","answers":{"overall":3,"comment":%s}}`
		dossier = "H15.50.05.13-261008-0975"
	)
	comment := func(s string) string { return strings.Replace(rating, "%s", s, 1) }
	tests := []struct {
		name, path, body string
		fields           map[string]string // field → part of its message
	}{
		{"invalid UTF-8 in a comment", "/api/v1/ratings", comment("\"ngon\xff\xfe\""), map[string]string{"answers.comment": "valid UTF-8"}},
		{"a lone surrogate in a comment", "/api/v1/ratings", comment(`"ngon \ud800"`), map[string]string{"answers.comment": "valid UTF-8"}},
		{"an escaped control character", "/api/v1/ratings", comment(`"ngon\u0001"`), map[string]string{"answers.comment": "U+0001"}},
		{"an escaped NUL", "/api/v1/ratings", comment(`"ngon\u0000"`), map[string]string{"answers.comment": "U+0000"}},
		{"a raw control character", "/api/v1/ratings", comment("\"ngon\x1b[2J\""), map[string]string{"answers.comment": "U+001B"}},
		{"a raw line break", "/api/v1/ratings", comment("\"ngon\nqua\""), map[string]string{"answers.comment": `\n`}},
		{"DEL", "/api/v1/ratings", comment(`"ngon\u007f"`), map[string]string{"answers.comment": "U+007F"}},
		{"an escaped C1 control", "/api/v1/ratings", comment(`"ngon\u0085"`), map[string]string{"answers.comment": "U+0085"}},
		{"a raw C1 control", "/api/v1/ratings", comment("\"ngon\xc2\x9b\""), map[string]string{"answers.comment": "U+009B"}},
		{"a carriage return", "/api/v1/ratings", comment(`"ngon\r\nqua"`), map[string]string{"answers.comment": "U+000D"}},
		{"a control character in a member name", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":3,"comm\u0007ent":"x"}}`, map[string]string{"answers": "U+0007"}},
		{"a control character in a counter", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":3},"counter":"Q\u00011"}`, map[string]string{"counter": "U+0001"}},
		{"invalid UTF-8 in the questionnaire", "/api/v1/ratings", "{\"questionnaire\":\"counter-quick\xc3\",\"answers\":{\"overall\":3}}", map[string]string{"questionnaire": "valid UTF-8"}},
		{"a repeated answer", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":1,"overall":3}}`, map[string]string{"answers.overall": "more than once"}},
		{"a repeated top-level name", "/api/v1/ratings", `{"questionnaire":"nope","questionnaire":"counter-quick","answers":{"overall":3}}`, map[string]string{"questionnaire": "more than once"}},
		{"a repeated name spelt with an escape", "/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":1,"\u006fverall":3}}`, map[string]string{"answers.overall": "more than once"}},
		{"a token request with a repeated dossier", "/api/v1/tokens", `{"dossier":"X","dossier":"` + dossier + `"}`, map[string]string{"dossier": "more than once"}},
		{"a token request with invalid UTF-8", "/api/v1/tokens", "{\"dossier\":\"" + dossier + "\",\"official\":\"cb\xff\"}", map[string]string{"official": "valid UTF-8"}},
		{"a token request with a control character", "/api/v1/tokens", `{"dossier":"` + dossier + `\u0000"}`, map[string]string{"dossier": "U+0000"}},
		{"a walk-in request with a repeated terminal", "/api/v1/tokens/walk-in", `{"terminal":"a b","terminal":"lobby-1"}`, map[string]string{"terminal": "more than once"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, o, _ := newServer(t)
			cred, _ := syncapi.NewCredential("k1")
			s.Signer, _ = qrtoken.KeyFromSecret(cred.Secret)
			a := do(t, s, "POST", tt.path, "application/json", tt.body)
			if a.status != 400 || a.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d, want a 400 problem: %s", a.status, a.raw)
			}
			got := fieldsOf(a)
			if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(tt.fields))) {
				t.Fatalf("fields %v, want exactly %v", got, tt.fields)
			}
			for f, msg := range tt.fields {
				if !strings.Contains(got[f], msg) {
					t.Errorf("field %s = %q, want it to contain %q", f, got[f], msg)
				}
			}
			if st, _ := o.Stats(); st.Queued != 0 {
				t.Errorf("a refused rating was recorded")
			}
		})
	}
}

// TestTextHygieneAccepts keeps what is good text good: line breaks and tabs
// escaped as JSON wants them, Vietnamese, and a replacement character a
// citizen really typed.
func TestTextHygieneAccepts(t *testing.T) {
	s, o, _ := newServer(t)
	for i, c := range []string{`"Nhanh gọn,\n\tcán bộ nhiệt tình"`, `"ký tự \ufffd thật"`, `"Đúng hẹn 👍"`} {
		a := do(t, s, "POST", "/api/v1/ratings", "application/json", `{"questionnaire":"counter-quick","answers":{"overall":3,"comment":`+c+`}}`)
		if a.status != 201 {
			t.Fatalf("%d: %d %s", i, a.status, a.raw)
		}
	}
	if st, _ := o.Stats(); st.Queued != 3 {
		t.Errorf("queued %d, want 3", st.Queued)
	}
}
