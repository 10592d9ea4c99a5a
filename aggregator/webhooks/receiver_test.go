package webhooks_test

// The receiver below is written from docs/WEBHOOKS.md alone ("Verifying
// the signature"): it shares no code with the signing side.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/webhooks"
)

// docReceiver verifies deliveries as the documentation says.
type docReceiver struct {
	secret string
	now    func() time.Time

	mu       sync.Mutex
	accepted []string // event ids
	raw      [][]byte
	headers  []http.Header
}

func (d *docReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body) // 1. the raw bytes
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	var t, sig string // 2. t= and v1=
	for _, part := range strings.Split(r.Header.Get("Hailong-Signature"), ",") {
		if v, ok := strings.CutPrefix(part, "t="); ok {
			t = v
		}
		if v, ok := strings.CutPrefix(part, "v1="); ok {
			sig = v
		}
	}
	if t == "" || sig == "" {
		http.Error(w, "no signature", http.StatusUnauthorized)
		return
	}
	sec, err := strconv.ParseInt(t, 10, 64) // 3. within 5 minutes
	if err != nil || d.now().Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		http.Error(w, "stale", http.StatusUnauthorized)
		return
	}
	mac := hmac.New(sha256.New, []byte(d.secret)) // 4. HMAC-SHA256 of "<t>.<body>"
	mac.Write([]byte(t + "."))
	mac.Write(body)
	if !hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(sig)) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p struct { // 5. parse
		Delivery string `json:"delivery"`
		Type     string `json:"type"`
		Events   []struct {
			ID   string          `json:"id"`
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		} `json:"events"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Delivery != r.Header.Get("Hailong-Delivery") || p.Type != r.Header.Get("Hailong-Event") {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range p.Events {
		d.accepted = append(d.accepted, e.ID)
	}
	d.raw = append(d.raw, body)
	d.headers = append(d.headers, r.Header.Clone())
	w.WriteHeader(http.StatusNoContent)
}

func (d *docReceiver) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.accepted)
}

func TestReceiverFromTheDocumentation(t *testing.T) {
	rc := &docReceiver{now: time.Now}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	d := start(t, webhooks.Config{Store: newMemStore()})
	sub := subscribe(t, d, srv.URL, "P", hailong.EventAlertOpened)
	rc.secret = sub.Secret
	d.Publish(context.Background(), event("alert.opened:a1", hailong.EventAlertOpened, "C"))
	waitFor(t, func() bool { return rc.count() == 1 })
	rc.mu.Lock()
	body, h := rc.raw[0], rc.headers[0]
	rc.mu.Unlock()

	replay := func(body []byte, sig string) int {
		req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		req.Header.Set("Hailong-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	sig := h.Get("Hailong-Signature")
	tampered := bytes.Replace(body, []byte(`"unit":"C"`), []byte(`"unit":"Q"`), 1)
	if bytes.Equal(tampered, body) {
		t.Fatalf("nothing to tamper with in %s", body)
	}
	cases := []struct {
		name string
		body []byte
		sig  string
		now  time.Time
		want int
	}{
		{"the delivery again, in time", body, sig, time.Now(), http.StatusNoContent},
		{"tampered body", tampered, sig, time.Now(), http.StatusUnauthorized},
		{"replayed 6 minutes later", body, sig, time.Now().Add(6 * time.Minute), http.StatusUnauthorized},
		{"no signature", body, "", time.Now(), http.StatusUnauthorized},
		{"another secret's signature", body, webhooks.Sign("whsec_other", time.Now(), body), time.Now(), http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rc.now = func() time.Time { return c.now }
			if got := replay(c.body, c.sig); got != c.want {
				t.Fatalf("status %d, want %d", got, c.want)
			}
		})
	}
}
