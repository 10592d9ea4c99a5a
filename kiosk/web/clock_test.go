package web_test

import (
	"crypto/ed25519"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/assets"
	"hailong/kiosk/bolt"
	"hailong/kiosk/terminals"
	"hailong/kiosk/web"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// TestAWrongClockRecordsNothing: a node whose clock cannot be right (no
// real-time clock: 1970, or behind the aggregator's clock at the last
// contact by more than the tolerance) refuses ratings and links with 503,
// says so in /healthz and the status, and records nothing; once its clock
// is set right it records again.
func TestAWrongClockRecordsNothing(t *testing.T) {
	seen := time.Now().Add(-time.Hour) // the aggregator's clock at the last contact
	tests := []struct {
		name  string
		now   time.Time
		seen  time.Time // zero: never reached the aggregator
		wrong bool
	}{
		{"1970, never reached the aggregator", time.Unix(0, 0), time.Time{}, true},
		{"the image's build date, never reached the aggregator", time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), time.Time{}, true},
		{"a plausible date, never reached the aggregator", time.Now(), time.Time{}, false},
		{"1970 after a contact", time.Unix(0, 0), seen, true},
		{"a day behind the last contact", seen.Add(-24 * time.Hour), seen, true},
		{"a minute behind the last contact", seen.Add(-time.Minute), seen, false},
		{"after the last contact", time.Now(), seen, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, o := clockServer(t, tt.now, tt.seen)
			rating := do(t, s, "POST", "/api/v1/ratings", "application/json", `{"questionnaire":"counter-quick","answers":{"overall":3}}`)
			health := do(t, s, "GET", "/healthz", "", "")
			status := do(t, s, "GET", "/api/v1/status", "", "")
			problems, _ := status.body["problems"].([]any)
			st, err := o.Stats()
			if err != nil {
				t.Fatal(err)
			}
			if !tt.wrong {
				if rating.status != 201 || health.status != 200 || len(problems) != 0 || st.Queued != 1 {
					t.Fatalf("a right clock: rating %d, healthz %d, problems %v, queued %d", rating.status, health.status, problems, st.Queued)
				}
				return
			}
			if rating.status != 503 || !strings.Contains(rating.raw, "clock is wrong") {
				t.Errorf("rating: %d %s, want 503 saying the clock is wrong", rating.status, rating.raw)
			}
			if st.Queued != 0 {
				t.Errorf("%d ratings recorded with a wrong clock", st.Queued)
			}
			if health.status != 503 || !strings.Contains(health.raw, "clock is wrong") {
				t.Errorf("healthz: %d %s", health.status, health.raw)
			}
			if len(problems) != 1 || !strings.Contains(problems[0].(string), "clock is wrong") {
				t.Errorf("status problems %v", problems)
			}
			walkIn := do(t, s, "POST", "/api/v1/tokens/walk-in", "application/json", `{"terminal":"Q1"}`)
			if walkIn.status != 503 {
				t.Errorf("walk-in code: %d %s, want 503", walkIn.status, walkIn.raw)
			}
		})
	}
}

// clockServer is a kiosk server whose clock shows now and which last saw
// the aggregator's clock at seen (zero: never).
func clockServer(t *testing.T, now, seen time.Time) (*web.Server, *bolt.Outbox) {
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
	s, err := web.New(&web.Server{Kiosk: "k1", Unit: "TT-1", Questionnaires: []string{"counter-quick"},
		Catalog: catalog, Outbox: o, Uploader: &stubUploader{}, Assets: assets.FS(""),
		Signer: signer(t), PublicURL: "https://hailong.example",
		Now:           func() time.Time { return now },
		EarliestClock: func() (time.Time, bool) { return seen, !seen.IsZero() }})
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
	return s, o
}

func signer(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	cred, err := syncapi.NewCredential("k1")
	if err != nil {
		t.Fatal(err)
	}
	key, err := qrtoken.KeyFromSecret(cred.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
