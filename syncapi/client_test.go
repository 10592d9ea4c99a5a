package syncapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

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
