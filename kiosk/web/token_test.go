package web_test

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"hailong/qrtoken"
	"hailong/syncapi"
)

func TestTokenAndQRCode(t *testing.T) {
	s, _, _ := newServer(t)
	cred, _ := syncapi.NewCredential("k1")
	s.Signer, _ = qrtoken.KeyFromSecret(cred.Secret)
	s.PublicURL = "https://hailong.example.gov.vn"
	a := do(t, s, "POST", "/api/v1/tokens", "application/json", `{"dossier":"H15.50.05.13-261008-0975","procedure":"1.004122","official":"cb-0012","counter":"Q1"}`)
	if a.status != 201 {
		t.Fatalf("issue: %d %s", a.status, a.raw)
	}
	tok, url, qr := a.body["token"].(string), a.body["url"].(string), a.body["qr_png"].(string)
	if url != "https://hailong.example.gov.vn/r/"+tok || qr != "/qr/"+tok+".png" {
		t.Fatalf("url %q qr %q", url, qr)
	}
	expires, _ := time.Parse(time.RFC3339, a.body["expires"].(string))
	if d := time.Until(expires); d < 29*24*time.Hour || d > 30*24*time.Hour {
		t.Errorf("expires in %v, want 30 days", d)
	}
	c, err := qrtoken.Parse(tok)
	if err != nil || c.Kiosk != "k1" || c.Unit != "TT-1" || c.Dossier != "H15.50.05.13-261008-0975" || c.Official != "cb-0012" {
		t.Fatalf("claims %+v %v", c, err)
	}

	// The issued token's nonce is random; TestQRCodeScans reads fixed ones.
	resp, err := http.Get(base[s] + qr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestQRCodeScans draws fixed tokens, so that a failure is repeatable: the
// issued tokens' random nonces made the decoder, which misreads about one
// random code in sixty, fail now and then.
func TestQRCodeScans(t *testing.T) {
	s, _, _ := newServer(t)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	cred, err := syncapi.ParseCredential("k1.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
	if err != nil {
		t.Fatal(err)
	}
	s.Signer, _ = qrtoken.KeyFromSecret(cred.Secret)
	s.PublicURL = "https://hailong.example.gov.vn"
	for _, tc := range []struct {
		name   string
		claims qrtoken.Claims
		size   string
		width  int
	}{
		{"receipt, default size", qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "k1", Unit: "TT-1", Dossier: "H15.50.05.13-261008-0975", Procedure: "1.004122", Official: "cb-0012", Counter: "Q1", Nonce: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}, "", 320},
		{"receipt, smallest size", qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "k1", Unit: "TT-1", Dossier: "H15.50.05.13-261008-0975", Nonce: [8]byte{9, 9, 9, 9, 9, 9, 9, 9}}, "128", 128},
		{"walk-in, screen size", qrtoken.Claims{Kind: qrtoken.WalkIn, Kiosk: "k1", Unit: "TT-1", Nonce: [8]byte{8, 7, 6, 5, 4, 3, 2, 1}}, "640", 640},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.claims.Expires = now.Add(24 * time.Hour)
			tok, err := qrtoken.Sign(s.Signer, tc.claims)
			if err != nil {
				t.Fatal(err)
			}
			u := "/qr/" + tok + ".png"
			if tc.size != "" {
				u += "?size=" + tc.size
			}
			got, w := decodeQR(t, base[s]+u)
			if want := "https://hailong.example.gov.vn/r/" + tok; got != want {
				t.Errorf("QR carries %q, want %q", got, want)
			}
			if w != tc.width {
				t.Errorf("QR is %d px wide, want %d", w, tc.width)
			}
		})
	}
}

// decodeQR fetches a QR code's PNG and reads the text it carries and the
// image's width.
func decodeQR(t *testing.T, u string) (string, int) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	png, _ := io.ReadAll(resp.Body)
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode the QR code: %v", err)
	}
	return res.GetText(), img.Bounds().Dx()
}

func TestTokenRefusals(t *testing.T) {
	s, _, _ := newServer(t)
	t.Run("no credential", func(t *testing.T) {
		if a := do(t, s, "POST", "/api/v1/tokens", "application/json", `{"dossier":"H15.50.05.13-261008-0975"}`); a.status != 503 {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
	cred, _ := syncapi.NewCredential("k1")
	s.Signer, _ = qrtoken.KeyFromSecret(cred.Secret)
	other, _ := syncapi.NewCredential("k2")
	otherKey, _ := qrtoken.KeyFromSecret(other.Secret)
	foreign, _ := qrtoken.Sign(otherKey, qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "k2", Unit: "TT-2", Dossier: "X1-260101-0001", Expires: time.Now().Add(time.Hour)})
	expired, _ := qrtoken.Sign(s.Signer, qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "k1", Unit: "TT-1", Dossier: "X1-260101-0001", Expires: time.Now().Add(-time.Hour)})
	own, _ := qrtoken.Sign(s.Signer, qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "k1", Unit: "TT-1", Dossier: "X1-260101-0001", Expires: time.Now().Add(time.Hour)})
	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"no dossier", "POST", "/api/v1/tokens", `{"procedure":"1.004122"}`, 400, "dossier"},
		{"bad dossier", "POST", "/api/v1/tokens", `{"dossier":"123"}`, 400, "dossier"},
		{"bad procedure", "POST", "/api/v1/tokens", `{"dossier":"H15.50.05.13-261008-0975","procedure":"x"}`, 400, "procedure"},
		{"bad official", "POST", "/api/v1/tokens", `{"dossier":"H15.50.05.13-261008-0975","official":"a b"}`, 400, "official"},
		{"unknown field", "POST", "/api/v1/tokens", `{"dossier":"H15.50.05.13-261008-0975","phone":"0912"}`, 400, "phone"},
		{"another kiosk's token", "GET", "/qr/" + foreign + ".png", "", 404, ""},
		{"expired token", "GET", "/qr/" + expired + ".png", "", 410, ""},
		{"not a token", "GET", "/qr/abc.png", "", 404, ""},
		{"no extension", "GET", "/qr/" + own, "", 404, ""},
		{"size too large", "GET", "/qr/" + own + ".png?size=5000", "", 400, "size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := ""
			if tt.body != "" {
				ct = "application/json"
			}
			a := do(t, s, tt.method, tt.path, ct, tt.body)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if tt.field != "" && fieldsOf(a)[tt.field] == "" {
				t.Errorf("no error for %s: %s", tt.field, a.raw)
			}
		})
	}
}

func BenchmarkTokenCreate(b *testing.B) {
	s, _, _ := newServerB(b)
	cred, _ := syncapi.NewCredential("k1")
	s.Signer, _ = qrtoken.KeyFromSecret(cred.Secret)
	body := `{"dossier":"H15.50.05.13-261008-0975","procedure":"1.004122","official":"cb-0012","counter":"Q1"}`
	client := &http.Client{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("POST", base[s]+"/api/v1/tokens", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+software[s])
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			b.Fatal(resp.StatusCode)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}
