package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"hailong/aggregator/rollup"
)

// Without an issuer, single sign-on is off: no button, and its routes
// are not there. (e2e/oidc_test.go runs it against a real provider.)
func TestSingleSignOnOff(t *testing.T) {
	_, base, _ := demoServerWith(t, rollup.New(), nil)
	for _, tt := range []struct {
		name, path string
		status     int
	}{
		{"login page has no button", "/login", http.StatusOK},
		{"start", "/auth/oidc/start", http.StatusNotFound},
		{"callback", "/auth/oidc/callback?state=x&code=y", http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(base + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || strings.Contains(string(b), "/auth/oidc/start") {
				t.Fatalf("status %d: %.300s", resp.StatusCode, b)
			}
		})
	}
}
