package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/syncapi"
)

// hookReceiver records the events delivered to it, answering with
// status().
type hookReceiver struct {
	mu     sync.Mutex
	events []hailong.Event
	status int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p struct{ Events []hailong.Event }
	body, _ := io.ReadAll(r.Body)
	json.Unmarshal(body, &p)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.status != 0 {
		w.WriteHeader(h.status)
		return
	}
	h.events = append(h.events, p.Events...)
}

func (h *hookReceiver) ids(t hailong.EventType) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events {
		if e.Type == t {
			out = append(out, e.ID)
		}
	}
	return out
}

func (h *hookReceiver) setStatus(s int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.status = s
}

// eventually polls cond until it holds, and fails the test after a minute
// rather than hang the suite until its deadline.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the condition did not hold within a minute")
		}
	}
}

// subscribeAPI makes a subscription through the API and returns its id.
func subscribeAPI(t *testing.T, base, auth, url, unit string, events ...hailong.EventType) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"url": url, "unit": unit, "events": events})
	status, out := call(t, "POST", base+"/api/v1/webhooks", auth, "application/json", b)
	var got struct{ ID, Secret string }
	json.Unmarshal(out, &got)
	if status != http.StatusCreated || !strings.HasPrefix(got.Secret, "whsec_") {
		t.Fatalf("subscribe: %d %s", status, out)
	}
	return got.ID
}

// syncRatings uploads n new ratings of a centre and returns their ids.
func syncRatings(t *testing.T, base string, cred syncapi.Credential, unit string, n int) (syncapi.Request, []string) {
	t.Helper()
	req := syncBatch(cred.Kiosk, unit, n, time.Now(), rand.New(rand.NewPCG(uint64(n), uint64(len(unit)))))
	if status, body := postJSON(t, base+syncapi.Path, req, http.Header{"Authorization": {"Bearer " + cred.String()}}); status != 200 {
		t.Fatalf("sync: %d %s", status, body)
	}
	var ids []string
	for _, r := range req.Ratings {
		ids = append(ids, "rating.stored:"+r.ID)
	}
	return req, ids
}

func TestWebhooks(t *testing.T) {
	agg := startAggregatorWith(t, aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true,
		WebhookAllowPrivate: true, WebhookRetries: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}})
	defer agg.Close()
	base := agg.URL()
	admin := makeToken(t, agg.Access(), "wh-admin", hailong.RoleAdmin, "24")
	commune := makeToken(t, agg.Access(), "wh-commune", hailong.RoleAdmin, "07210")
	kinhBac := enrol(t, agg, "wh-kinhbac", "TT-09190")
	bacGiang := enrol(t, agg, "wh-bacgiang", "TT-07210")
	rc := &hookReceiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()

	t.Run("bad input", func(t *testing.T) {
		cases := []struct {
			name, auth  string
			body        string
			status      int
			field       string
			contentType string
		}{
			{"ftp", admin, `{"url":"ftp://r.example/h","unit":"24","events":["alert.opened"]}`, 400, "url", "application/json"},
			{"credentials", admin, `{"url":"https://u:p@r.example/h","unit":"24","events":["alert.opened"]}`, 400, "url", "application/json"},
			{"unknown event", admin, `{"url":"https://r.example/h","unit":"24","events":["rating.deleted"]}`, 400, "events", "application/json"},
			{"no events", admin, `{"url":"https://r.example/h","unit":"24","events":[]}`, 400, "events", "application/json"},
			{"unknown unit", admin, `{"url":"https://r.example/h","unit":"99999","events":["alert.opened"]}`, 400, "unit", "application/json"},
			{"unit outside the scope", commune, `{"url":"https://r.example/h","unit":"09190","events":["alert.opened"]}`, 403, "", "application/json"},
			{"unknown field", admin, `{"url":"https://r.example/h","unit":"24","events":["alert.opened"],"secret":"mine"}`, 400, "", "application/json"},
			{"not JSON", admin, `url=https://r.example/h`, 415, "", "text/plain"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, out := call(t, "POST", base+"/api/v1/webhooks", c.auth, c.contentType, []byte(c.body))
				if status != c.status || (c.field != "" && !strings.Contains(string(out), `"field":"`+c.field+`"`)) {
					t.Fatalf("%d %s, want %d on %q", status, out, c.status, c.field)
				}
			})
		}
	})

	province := subscribeAPI(t, base, admin, srv.URL+"/province", "24", hailong.EventRatingStored, hailong.EventAlertOpened)
	rcCommune := &hookReceiver{}
	srvCommune := httptest.NewServer(rcCommune)
	defer srvCommune.Close()
	subscribeAPI(t, base, commune, srvCommune.URL, "07210", hailong.EventRatingStored)

	t.Run("the secret is shown once", func(t *testing.T) {
		status, out := call(t, "GET", base+"/api/v1/webhooks", admin, "", nil)
		if status != 200 || strings.Contains(string(out), "whsec_") || !strings.Contains(string(out), province) {
			t.Fatalf("%d %s", status, out)
		}
		// The commune's admin sees its own subscription only.
		_, out = call(t, "GET", base+"/api/v1/webhooks", commune, "", nil)
		if strings.Contains(string(out), province) {
			t.Fatalf("the commune sees the province's subscription: %s", out)
		}
		if status, _ := call(t, "GET", base+"/api/v1/webhooks/"+province+"/deliveries", commune, "", nil); status != 404 {
			t.Fatalf("the commune reads the province's log: %d", status)
		}
	})

	t.Run("rating.stored once per rating, in scope", func(t *testing.T) {
		req, kb := syncRatings(t, base, kinhBac, "TT-09190", 50)
		_, bg := syncRatings(t, base, bacGiang, "TT-07210", 30)
		// The same upload again: duplicates give no events.
		if status, _ := postJSON(t, base+syncapi.Path, req, http.Header{"Authorization": {"Bearer " + kinhBac.String()}}); status != 200 {
			t.Fatal(status)
		}
		if status, out := call(t, "POST", base+"/api/v1/webhooks/"+province+"/test", admin, "application/json", nil); status != 202 {
			t.Fatalf("test: %d %s", status, out)
		}
		// The ping comes after the events published before it.
		eventually(t, func() bool { return len(rc.ids("ping")) == 1 })
		want := slices.Sorted(slices.Values(append(slices.Clone(kb), bg...)))
		if got := slices.Sorted(slices.Values(rc.ids(hailong.EventRatingStored))); !slices.Equal(got, want) {
			t.Fatalf("the province's receiver got %d rating events, want %d, each once", len(got), len(want))
		}
		eventually(t, func() bool { return len(rcCommune.ids(hailong.EventRatingStored)) >= len(bg) })
		if got := slices.Sorted(slices.Values(rcCommune.ids(hailong.EventRatingStored))); !slices.Equal(got, slices.Sorted(slices.Values(bg))) {
			t.Fatalf("the commune's receiver got %d events, want its %d", len(got), len(bg))
		}
		// The receiver has the ping before the dispatcher has its answer:
		// the log says delivered once the loop has settled it.
		eventually(t, func() bool {
			var log []struct{ State string }
			status, out := call(t, "GET", base+"/api/v1/webhooks/"+province+"/deliveries", admin, "", nil)
			return status == 200 && json.Unmarshal(out, &log) == nil && len(log) > 0 && log[0].State == "delivered"
		})
	})

	t.Run("a hanging receiver does not hold ingest", func(t *testing.T) {
		hang := make(chan struct{})
		hanging := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang }))
		defer hanging.Close()
		defer close(hang)
		id := subscribeAPI(t, base, admin, hanging.URL, "24", hailong.EventRatingStored)
		for range 10 {
			syncRatings(t, base, kinhBac, "TT-09190", 200) // would block here if publishing waited
		}
		if status, _ := call(t, "DELETE", base+"/api/v1/webhooks/"+id, admin, "", nil); status != 204 {
			t.Fatalf("delete: %d", status)
		}
	})

	t.Run("dead letter and resend", func(t *testing.T) {
		failing := &hookReceiver{status: 500}
		fsrv := httptest.NewServer(failing)
		defer fsrv.Close()
		id := subscribeAPI(t, base, admin, fsrv.URL, "24", hailong.EventRatingStored)
		_, ids := syncRatings(t, base, bacGiang, "TT-07210", 3)
		var dead []struct{ ID, Subscription string }
		eventually(t, func() bool {
			_, out := call(t, "GET", base+"/api/v1/webhook-deliveries/dead", admin, "", nil)
			json.Unmarshal(out, &dead)
			return len(dead) == 1
		})
		if dead[0].Subscription != id {
			t.Fatalf("dead letters %+v", dead)
		}
		if status, _ := call(t, "POST", base+"/api/v1/webhook-deliveries/"+dead[0].ID+"/resend", commune, "application/json", nil); status != 404 {
			t.Fatalf("the commune resends the province's dead letter: %d", status)
		}
		failing.setStatus(0)
		if status, out := call(t, "POST", base+"/api/v1/webhook-deliveries/"+dead[0].ID+"/resend", admin, "application/json", nil); status != 202 {
			t.Fatalf("resend: %d %s", status, out)
		}
		eventually(t, func() bool { return len(failing.ids(hailong.EventRatingStored)) == len(ids) })
		_, out := call(t, "GET", base+"/api/v1/webhook-deliveries/dead", admin, "", nil)
		if string(out) != "[]" {
			t.Fatalf("dead letters after resend: %s", out)
		}
	})

	t.Run("disable, delete and the audit log", func(t *testing.T) {
		status, out := call(t, "PATCH", base+"/api/v1/webhooks/"+province, admin, "application/json", []byte(`{"enabled":false}`))
		if status != 200 || !strings.Contains(string(out), `"enabled":false`) {
			t.Fatalf("disable: %d %s", status, out)
		}
		if status, _ := call(t, "PATCH", base+"/api/v1/webhooks/"+province, admin, "application/json", []byte(`{"url":"gopher://x"}`)); status != 400 {
			t.Fatalf("bad URL by PATCH: %d", status)
		}
		if status, _ := call(t, "DELETE", base+"/api/v1/webhooks/"+province, commune, "", nil); status != 404 {
			t.Fatalf("the commune deletes the province's subscription: %d", status)
		}
		if status, _ := call(t, "DELETE", base+"/api/v1/webhooks/"+province, admin, "", nil); status != 204 {
			t.Fatalf("delete: %d", status)
		}
		_, out = call(t, "GET", base+"/api/v1/audit", admin, "", nil)
		for _, action := range []string{"webhook.add", "webhook.update", "webhook.delete", "webhook.test", "webhook.resend"} {
			if !strings.Contains(string(out), fmt.Sprintf("%q", action)) {
				t.Errorf("no %s in the audit log", action)
			}
		}
	})
}
