package webhooks_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/webhooks"
)

func TestValidate(t *testing.T) {
	good := webhooks.Subscription{URL: "https://r.example/hook", Unit: "P", Events: []hailong.EventType{hailong.EventAlertOpened}}
	cases := []struct {
		name         string
		change       func(*webhooks.Subscription)
		allowPrivate bool
		field        string // "" when valid
	}{
		{"good", func(*webhooks.Subscription) {}, false, ""},
		{"http on the LAN, allowed", func(s *webhooks.Subscription) { s.URL = "http://10.1.2.3:8080/h" }, true, ""},
		{"no URL", func(s *webhooks.Subscription) { s.URL = "" }, true, "url"},
		{"ftp", func(s *webhooks.Subscription) { s.URL = "ftp://r.example/h" }, true, "url"},
		{"javascript", func(s *webhooks.Subscription) { s.URL = "javascript:alert(1)" }, true, "url"},
		{"credentials", func(s *webhooks.Subscription) { s.URL = "https://user:pass@r.example/h" }, true, "url"},
		{"user only", func(s *webhooks.Subscription) { s.URL = "https://user@r.example/h" }, true, "url"},
		{"no host", func(s *webhooks.Subscription) { s.URL = "https:///h" }, true, "url"},
		{"a port too high", func(s *webhooks.Subscription) { s.URL = "http://r.example:99999/h" }, true, "url"},
		{"port 0", func(s *webhooks.Subscription) { s.URL = "http://r.example:0/h" }, true, "url"},
		{"the highest port", func(s *webhooks.Subscription) { s.URL = "http://r.example:65535/h" }, true, ""},
		{"not a URL", func(s *webhooks.Subscription) { s.URL = "http://[::1" }, true, "url"},
		{"private refused", func(s *webhooks.Subscription) { s.URL = "http://192.168.1.10/h" }, false, "url"},
		{"loopback refused", func(s *webhooks.Subscription) { s.URL = "http://127.0.0.1/h" }, false, "url"},
		{"localhost refused", func(s *webhooks.Subscription) { s.URL = "http://localhost/h" }, false, "url"},
		{"LOCALHOST refused", func(s *webhooks.Subscription) { s.URL = "http://LOCALHOST:8080/h" }, false, "url"},
		{"localhost. refused", func(s *webhooks.Subscription) { s.URL = "http://localhost.:8080/h" }, false, "url"},
		{"a name under localhost refused", func(s *webhooks.Subscription) { s.URL = "http://api.localhost/h" }, false, "url"},
		{"127.1 refused", func(s *webhooks.Subscription) { s.URL = "http://127.1:8080/h" }, true, "url"},
		{"a decimal address refused", func(s *webhooks.Subscription) { s.URL = "http://2130706433/h" }, true, "url"},
		{"a hexadecimal address refused", func(s *webhooks.Subscription) { s.URL = "http://0x7f000001/h" }, true, "url"},
		{"octal parts refused", func(s *webhooks.Subscription) { s.URL = "http://0177.0.0.1/h" }, true, "url"},
		{"a name with digits is a name", func(s *webhooks.Subscription) { s.URL = "https://hook1.r2.example/h" }, false, ""},
		{"an IPv6 address in brackets", func(s *webhooks.Subscription) { s.URL = "https://[2001:db8::1]/h" }, false, ""},
		{"a public address", func(s *webhooks.Subscription) { s.URL = "https://203.0.113.5/h" }, false, ""},
		{"no events", func(s *webhooks.Subscription) { s.Events = nil }, true, "events"},
		{"unknown event", func(s *webhooks.Subscription) { s.Events = []hailong.EventType{"rating.deleted"} }, true, "events"},
		{"ping is not subscribable", func(s *webhooks.Subscription) { s.Events = []hailong.EventType{webhooks.EventPing} }, true, "events"},
		{"no unit", func(s *webhooks.Subscription) { s.Unit = "" }, true, "unit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := good
			c.change(&s)
			err := webhooks.Validate(s, c.allowPrivate)
			if c.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			fields := hailong.ErrorFields(err)
			if hailong.ErrorCode(err) != hailong.EINVALID || len(fields) == 0 || fields[0].Field != c.field {
				t.Fatalf("got %v (%+v), want a field error on %s", err, fields, c.field)
			}
		})
	}
}

// With private addresses refused, the client refuses to connect to one
// even when the URL passed (a name that resolves there).
func TestPrivateAddressRefusedAtConnect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	for _, allow := range []bool{true, false} {
		_, err := webhooks.NewClient(time.Second, allow).Post(srv.URL, "application/json", nil)
		if (err == nil) != allow {
			t.Errorf("allowPrivate %v: %v", allow, err)
		}
	}
}

// An event is sent as json.Marshal writes it.
func TestEventEncoding(t *testing.T) {
	rc := &recorder{}
	d := start(t, webhooks.Config{Store: newMemStore(), Client: handlerClient(rc)})
	subscribe(t, d, "http://r.example/h", "P", hailong.EventAlertOpened)
	e := event("alert.opened:x", hailong.EventAlertOpened, "P")
	d.Publish(context.Background(), e)
	waitFor(t, func() bool { return len(rc.requests()) == 1 })
	want, _ := json.Marshal(e)
	if body := rc.requests()[0].Body; !strings.Contains(string(body), `"events":[`+string(want)+`]`) {
		t.Fatalf("body %s, want the event as %s", body, want)
	}
}
