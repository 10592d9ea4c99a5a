package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/aggregator/mail/mailtest"
)

// TestSubscriptionsAPIAndAlertEmail drives /api/v1/subscriptions with a
// user's API token and publishes an alert through the aggregator's
// AlertMail: the subscriber receives it from the test's SMTP server; a
// unit outside the scope is refused beside its field (400), a repeat too
// (409).
func TestSubscriptionsAPIAndAlertEmail(t *testing.T) {
	smtp := mailtest.Start(t)
	agg := startAggregatorWith(t, aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true, Mail: smtp.Config(),
		PublicURL: "https://hailong.example.gov.vn"})
	defer agg.Close()
	tok := makeToken(t, agg.Access(), "le.hoa", hailong.RoleAnalyst, "09190")
	if err := agg.Access().SetEmail(context.Background(), nil, "le.hoa", "le.hoa@example.gov.vn"); err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		status, b := send(t, method, agg.URL()+path, tok, body)
		var out map[string]any
		json.Unmarshal(b, &out)
		return status, out
	}
	var id string
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"subscribe", "POST", "/api/v1/subscriptions", `{"unit":"09190","kind":"alerts","lang":"vi"}`, 201, ""},
		{"out of scope", "POST", "/api/v1/subscriptions", `{"unit":"09250","kind":"weekly"}`, 400, "unit"},
		{"bad kind", "POST", "/api/v1/subscriptions", `{"unit":"09190","kind":"daily"}`, 400, "kind"},
		{"again", "POST", "/api/v1/subscriptions", `{"unit":"09190","kind":"alerts"}`, 409, "unit"},
		{"quarterly", "POST", "/api/v1/subscriptions", `{"unit":"TT-09190","kind":"quarterly","lang":"en"}`, 201, ""},
		{"list", "GET", "/api/v1/subscriptions", "", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := call(tc.method, tc.path, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, out)
			}
			if tc.field != "" {
				fields, _ := json.Marshal(out["errors"])
				if !bytes.Contains(fields, []byte(`"field":"`+tc.field+`"`)) {
					t.Errorf("fields %s, want one on %s", fields, tc.field)
				}
			}
			switch tc.name {
			case "quarterly":
				id, _ = out["id"].(string)
			case "list":
				if subs, _ := out["subscriptions"].([]any); len(subs) != 2 || out["email_enabled"] != true {
					t.Errorf("list %v", out)
				}
			}
		})
	}
	if status, _ := call("DELETE", "/api/v1/subscriptions/"+id, ""); status != 204 {
		t.Errorf("delete: %d", status)
	}
	if status, _ := call("DELETE", "/api/v1/subscriptions/"+id, ""); status != 404 {
		t.Errorf("delete again: %d, want 404", status)
	}

	opened := time.Now()
	data, _ := json.Marshal(hailong.Alert{ID: "al-1", RuleName: "Phản ánh gây phiền hà, sách nhiễu", Kind: hailong.AlertAnswerCount,
		Unit: centre, State: hailong.AlertOpen, Opened: opened, Value: 2, Threshold: 1, N: 35, WindowFrom: opened.Add(-24 * time.Hour)})
	agg.AlertMail().Publish(context.Background(), hailong.Event{ID: "alert.opened:al-1", Type: hailong.EventAlertOpened, At: opened, Unit: centre, Data: data})
	got := smtp.Wait(1)[0]
	if want := "[Hài Lòng] Cảnh báo mới mở: Phản ánh gây phiền hà, sách nhiễu – Trung tâm Phục vụ hành chính công phường Kinh Bắc"; got.Subject != want || got.To[0] != "le.hoa@example.gov.vn" {
		t.Errorf("email to %v: %q, want %q", got.To, got.Subject, want)
	}
	if !strings.Contains(got.Text, "https://hailong.example.gov.vn/alerts/al-1") {
		t.Errorf("text:\n%s", got.Text)
	}
}

// TestUsersEmailThroughTheAPI: an administrator gives a new user an
// address and changes it; a bad address is refused on the email field.
func TestUsersEmailThroughTheAPI(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	admin := makeToken(t, agg.Access(), "root", hailong.RoleAdmin, "24")
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		email                    string
	}{
		{"create with an address", "POST", "/api/v1/users", `{"username":"le.hoa","role":"analyst","scope":"09190","email":"le.hoa@example.gov.vn"}`, 201, "le.hoa@example.gov.vn"},
		{"create with a bad address", "POST", "/api/v1/users", `{"username":"le.lan","role":"analyst","scope":"09190","email":"le.lan"}`, 400, ""},
		{"change the address", "PATCH", "/api/v1/users/le.hoa", `{"email":"hoa.le@example.gov.vn"}`, 200, "hoa.le@example.gov.vn"},
		{"a bad address", "PATCH", "/api/v1/users/le.hoa", `{"email":"hoa@"}`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := send(t, tc.method, agg.URL()+tc.path, admin, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			var out struct {
				Email  string `json:"email"`
				Errors []hailong.FieldError
			}
			json.Unmarshal(body, &out)
			if tc.status >= 400 && (len(out.Errors) != 1 || out.Errors[0].Field != "email") {
				t.Errorf("errors %+v, want one on email", out.Errors)
			}
			if tc.email != "" && out.Email != tc.email {
				t.Errorf("email %q, want %q", out.Email, tc.email)
			}
		})
	}
}

// send sends a JSON body (none when empty) with an Authorization header.
func send(t *testing.T, method, url, auth, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
