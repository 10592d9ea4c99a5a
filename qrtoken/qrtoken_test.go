package qrtoken_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"hailong/qrtoken"
	"hailong/syncapi"
)

func key(t *testing.T) (ed25519.PrivateKey, ed25519.PublicKey) {
	t.Helper()
	cred, err := syncapi.NewCredential("kiosk-1")
	if err != nil {
		t.Fatal(err)
	}
	priv, err := qrtoken.KeyFromSecret(cred.Secret)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := qrtoken.KeyFromSecret(cred.Secret)
	if !priv.Equal(again) {
		t.Fatal("the key must follow from the secret alone")
	}
	return priv, priv.Public().(ed25519.PublicKey)
}

var now = time.Date(2026, 10, 8, 9, 0, 0, 0, time.UTC)

func claims() qrtoken.Claims {
	return qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "kiosk-1", Unit: "TT-09190", Dossier: "H15.50.05.13-261008-0975",
		Procedure: "1.004122", Official: "cb-0012", Counter: "Q1", Expires: now.Add(30 * 24 * time.Hour)}
}

func TestRoundTrip(t *testing.T) {
	priv, pub := key(t)
	tok, err := qrtoken.Sign(priv, claims())
	if err != nil {
		t.Fatal(err)
	}
	got, err := qrtoken.Verify(pub, tok, now)
	if err != nil {
		t.Fatal(err)
	}
	want := claims()
	want.Nonce = got.Nonce
	if got != want {
		t.Errorf("claims = %+v, want %+v", got, want)
	}
	if got.Nonce == [8]byte{} {
		t.Error("a token needs a random nonce")
	}
	if len(tok) > 200 {
		t.Errorf("token is %d characters; keep links short for a printed QR", len(tok))
	}
	other, _ := qrtoken.Sign(priv, claims())
	o, _ := qrtoken.Parse(other)
	if o.RatingID() != got.RatingID() {
		t.Error("two tokens for the same dossier must allow one rating between them (issue 11)")
	}
	if o.RatingID() != qrtoken.DossierRatingID(want.Unit, want.Dossier) || !qrtoken.IsRatingID(o.RatingID()) {
		t.Error("a link's rating id must be its dossier's, a UUID of version 8")
	}
	if got.RatingID() != want.RatingID() {
		t.Error("the rating id must follow from the token")
	}
}

// TestTampering changes every part of a token and expects it refused.
func TestTampering(t *testing.T) {
	priv, pub := key(t)
	tok, _ := qrtoken.Sign(priv, claims())
	payloadB64, sigB64, _ := strings.Cut(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(payloadB64)
	sig, _ := base64.RawURLEncoding.DecodeString(sigB64)
	enc := func(p, s []byte) string {
		return base64.RawURLEncoding.EncodeToString(p) + "." + base64.RawURLEncoding.EncodeToString(s)
	}
	replace := func(old, new string) string {
		p := bytes.Replace(payload, []byte(old), []byte(new), 1)
		if bytes.Equal(p, payload) {
			t.Fatalf("%q not in payload", old)
		}
		return enc(p, sig)
	}
	_, otherPub := key(t)
	tests := []struct {
		name  string
		token string
		pub   ed25519.PublicKey
		at    time.Time
		want  error
	}{
		{"kiosk changed", replace("kiosk-1", "kiosk-2"), pub, now, qrtoken.ErrSignature},
		{"unit changed", replace("TT-09190", "TT-09250"), pub, now, qrtoken.ErrSignature},
		{"dossier changed", replace("0975", "0976"), pub, now, qrtoken.ErrSignature},
		{"procedure changed", replace("1.004122", "1.004123"), pub, now, qrtoken.ErrSignature},
		{"official changed", replace("cb-0012", "cb-0013"), pub, now, qrtoken.ErrSignature},
		{"counter changed", replace("Q1", "Q2"), pub, now, qrtoken.ErrSignature},
		{"expiry extended", enc(append(append([]byte{payload[0], payload[1]}, 0xff, 0xff, 0xff, 0xff), payload[6:]...), sig), pub, now, qrtoken.ErrSignature},
		{"kind changed", enc(append([]byte{payload[0], qrtoken.WalkIn}, payload[2:]...), sig), pub, now, qrtoken.ErrSignature},
		{"nonce changed", enc(append(append([]byte{}, payload[:6]...), append([]byte{payload[6] ^ 1}, payload[7:]...)...), sig), pub, now, qrtoken.ErrSignature},
		{"signature changed", enc(payload, append([]byte{sig[0] ^ 1}, sig[1:]...)), pub, now, qrtoken.ErrSignature},
		{"signed by another kiosk", tok, otherPub, now, qrtoken.ErrSignature},
		{"payload truncated", enc(payload[:len(payload)-3], sig), pub, now, qrtoken.ErrMalformed},
		{"signature truncated", enc(payload, sig[:40]), pub, now, qrtoken.ErrMalformed},
		{"link truncated", tok[:len(tok)-10], pub, now, qrtoken.ErrMalformed},
		{"cut at the dot", payloadB64, pub, now, qrtoken.ErrMalformed},
		{"not base64", "!!!." + sigB64, pub, now, qrtoken.ErrMalformed},
		{"unknown version", enc(append([]byte{9}, payload[1:]...), sig), pub, now, qrtoken.ErrMalformed},
		{"trailing bytes", enc(append(append([]byte{}, payload...), 0), sig), pub, now, qrtoken.ErrMalformed},
		{"empty", "", pub, now, qrtoken.ErrMalformed},
		{"expired", tok, pub, now.Add(31 * 24 * time.Hour), qrtoken.ErrExpired},
		{"expires this very second", tok, pub, claims().Expires, qrtoken.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := qrtoken.Verify(tt.pub, tt.token, tt.at); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	priv, _ := qrtoken.KeyFromSecret(strings.Repeat("A", 43))
	tok, _ := qrtoken.Sign(priv, claims())
	f.Add(tok)
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = qrtoken.Parse(s) // must not panic
	})
}

// TestDossierRatingIDOfEverySpelling: every spelling of one dossier code
// that hailong.NormalizeDossierCode makes equal has one rating id, so a
// link printed with the code in lower case and one in upper case rate one
// dossier once; another dossier or another unit has another id.
func TestDossierRatingIDOfEverySpelling(t *testing.T) {
	const unit, code = "TT-1", "H15.50.05.13-261008-0975"
	want := qrtoken.DossierRatingID(unit, code)
	for _, tc := range []struct {
		name, unit, code string
		same             bool
	}{
		{"lower case", unit, "h15.50.05.13-261008-0975", true},
		{"en dashes", unit, "H15.50.05.13\u2013261008\u20130975", true},
		{"minus signs", unit, "H15.50.05.13\u2212261008\u22120975", true},
		{"spaces around", unit, " H15.50.05.13-261008-0975\t", true},
		{"another dossier", unit, "H15.50.05.13-261008-0976", false},
		{"another unit", "TT-2", code, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := qrtoken.DossierRatingID(tc.unit, tc.code)
			if (got == want) != tc.same || !qrtoken.IsRatingID(got) {
				t.Errorf("%s: id %s, same as %s's: %v; want %v", tc.code, got, code, got == want, tc.same)
			}
			// Either id is the dossier's, and no other dossier's id is.
			if !qrtoken.IsDossierRatingID(got, tc.unit, tc.code) || !qrtoken.IsDossierRatingID(qrtoken.LegacyDossierRatingID(tc.unit, tc.code), tc.unit, tc.code) ||
				qrtoken.IsDossierRatingID(qrtoken.DossierRatingID(tc.unit, "H15.50.05.13-261008-0999"), tc.unit, tc.code) || qrtoken.IsDossierRatingID(got, tc.unit, "") {
				t.Error("IsDossierRatingID does not tell the dossier's ids from others")
			}
		})
	}
}
