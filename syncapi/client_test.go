package syncapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"hailong/syncapi"
)

// TestClientCalls: the client sends the credential it has (none when it
// has none), and an answer other than 200 is an *HTTPError with the
// problem's status, detail and fields.
func TestClientCalls(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		if got == "" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"title":"Bad Request","status":400,"detail":"The report is not valid.","errors":[{"field":"clock","message":"is required"}]}`))
			return
		}
		w.Write([]byte(`{"results":[]}`))
	}))
	defer srv.Close()
	cred, _ := syncapi.NewCredential("kiosk-1")
	tests := []struct {
		name       string
		cred       syncapi.Credential
		header     string
		status     int
		fieldNames []string
	}{
		{"with a credential", cred, "Bearer " + cred.String(), 200, nil},
		{"without", syncapi.Credential{}, "", 400, []string{"clock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &syncapi.Client{BaseURL: srv.URL, Credential: tt.cred}
			err := c.Do(t.Context(), http.MethodPost, syncapi.HeartbeatPath, map[string]any{"version": "x"}, nil)
			status := 200
			var fields []string
			var he *syncapi.HTTPError
			if errors.As(err, &he) {
				status = he.Status
				for _, f := range he.Errors {
					fields = append(fields, f.Field)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got != tt.header || status != tt.status || !reflect.DeepEqual(fields, tt.fieldNames) {
				t.Errorf("sent %q, got %d %v (%v); want %q, %d %v", got, status, fields, err, tt.header, tt.status, tt.fieldNames)
			}
		})
	}
}

// TestRetryAfter: an answer's Retry-After, in seconds or as an HTTP date,
// is the error's RetryAfter; none, a date past or nonsense is no wait.
func TestRetryAfter(t *testing.T) {
	in2min := time.Now().Add(2 * time.Minute).UTC().Truncate(time.Second)
	tests := []struct {
		name     string
		status   int
		header   string
		min, max time.Duration
	}{
		{"seconds, 503", http.StatusServiceUnavailable, "15", 15 * time.Second, 15 * time.Second},
		{"seconds, 429", http.StatusTooManyRequests, " 120 ", 2 * time.Minute, 2 * time.Minute},
		{"an HTTP date", http.StatusServiceUnavailable, in2min.Format(http.TimeFormat), 110 * time.Second, 2 * time.Minute},
		{"a date past", http.StatusServiceUnavailable, "Sun, 06 Nov 1994 08:49:37 GMT", 0, 0},
		{"none", http.StatusServiceUnavailable, "", 0, 0},
		{"nonsense", http.StatusServiceUnavailable, "soon", 0, 0},
		{"negative", http.StatusServiceUnavailable, "-5", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			c := &syncapi.Client{BaseURL: srv.URL}
			_, err := c.Sync(t.Context(), syncapi.Request{})
			var he *syncapi.HTTPError
			if !errors.As(err, &he) || he.Status != tt.status {
				t.Fatalf("error %v, want an HTTPError %d", err, tt.status)
			}
			wait, ok := syncapi.RetryAfter(err)
			if wait < tt.min || wait > tt.max || ok != (tt.max > 0) || he.RetryAfter != wait {
				t.Errorf("RetryAfter %v, %v (field %v); want %v–%v", wait, ok, he.RetryAfter, tt.min, tt.max)
			}
		})
	}
}
