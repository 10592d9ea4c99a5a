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

	resp, err := http.Get(base[s] + qr)
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
	if res.GetText() != url {
		t.Errorf("QR carries %q, want %q", res.GetText(), url)
	}
	if b := img.Bounds(); b.Dx() != 320 {
		t.Errorf("QR is %d px wide, want 320", b.Dx())
	}
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
