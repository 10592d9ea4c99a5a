package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/alerts"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/assets"
	"hailong/hierarchy"
)

// Bearer headers of the alert tests' principals, besides the fake's.
const (
	alertsCommune  = "Bearer hlt_alerts09190" // manager of Phường Kinh Bắc, with alerts.manage
	alertsProvince = "Bearer hlt_alerts24"
)

// alertsServer serves the demo units with a real alert engine on the
// embedded database, one open alert in Kinh Bắc (TT-09190) and one in Từ
// Sơn (TT-09250), and managers of the commune and the province.
func alertsServer(t *testing.T) (base string, eng *alerts.Engine, fa *fakeAccess, ids map[string]string) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
	catalog, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatal(err)
	}
	tree := demoTree(t)
	r := rollup.New()
	q, _ := catalog.Latest("counter-quick")
	for _, unit := range []string{"TT-09190", "TT-09250"} {
		fact, _ := rollup.FactOf(&hailong.Rating{ID: unit, Unit: unit, Channel: hailong.ChannelKiosk, At: now,
			Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1, Answers: hailong.Answers{"overall": hailong.Int(1), "attitude": hailong.Int(0)}}}, q)
		r.Add(fact)
	}
	eng = alerts.New(alerts.Config{Store: ferrettest.Open(t), Catalog: catalog, Rollup: func() *rollup.Rollup { return r },
		Units: func() *hierarchy.Tree { return tree }, Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err := eng.Load(ctx); err != nil {
		t.Fatal(err)
	}
	eng.Evaluate(ctx, "TT-09190", "TT-09250") // the default harassment rule fires for each
	ids = map[string]string{}
	list, err := eng.Alerts(ctx, alerts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		ids[a.Unit] = a.ID
	}
	if len(ids) != 2 {
		t.Fatalf("alerts %+v, want one in each centre", list)
	}
	_, base, fa = demoServerWith(t, rollup.New(), func(s *web.Server) { s.Alerts = eng })
	manager := rolePermissions(hailong.RoleManager)
	fa.mu.Lock()
	fa.bearers[alertsCommune] = &hailong.Principal{Username: "minh", Role: "manager", Scope: "09190", Permissions: append(manager, hailong.PermAlertsManage), Via: "token"}
	fa.bearers[alertsProvince] = &hailong.Principal{Username: "lan", Role: "manager", Scope: "24", Permissions: append(manager, hailong.PermAlertsManage), Via: "token"}
	fa.mu.Unlock()
	return base, eng, fa, ids
}

func rolePermissions(name string) []hailong.Permission {
	for _, r := range hailong.DefaultRoles() {
		if r.Name == name {
			return r.Permissions
		}
	}
	return nil
}

// TestAlertsScoped checks that a commune's people see and act on the
// alerts of their subtree only, and that rules are limited to the scope.
func TestAlertsScoped(t *testing.T) {
	base, _, fa, ids := alertsServer(t)
	list := func(t *testing.T, auth, query string) []string {
		t.Helper()
		a := do(t, nil, "GET", base+"/api/v1/alerts"+query, auth, nil)
		if a.status != 200 {
			t.Fatalf("GET /api/v1/alerts%s: %d %s", query, a.status, a.body)
		}
		var body struct{ Alerts []hailong.Alert }
		if err := json.Unmarshal([]byte(a.body), &body); err != nil {
			t.Fatal(err)
		}
		var units []string
		for _, x := range body.Alerts {
			units = append(units, x.Unit)
		}
		return units
	}
	t.Run("the commune sees its own", func(t *testing.T) {
		if got := list(t, alertsCommune, ""); len(got) != 1 || got[0] != "TT-09190" {
			t.Errorf("commune manager sees %v", got)
		}
		if got := list(t, analystCommune, "?state=open"); len(got) != 1 || got[0] != "TT-09190" {
			t.Errorf("commune analyst sees %v", got)
		}
	})
	t.Run("the province sees both", func(t *testing.T) {
		if got := list(t, alertsProvince, ""); len(got) != 2 {
			t.Errorf("province manager sees %v", got)
		}
		if got := list(t, alertsProvince, "?unit=09250"); len(got) != 1 || got[0] != "TT-09250" {
			t.Errorf("province manager, unit 09250: %v", got)
		}
	})
	t.Run("dates typed the page's way", func(t *testing.T) {
		if got := list(t, alertsProvince, "?from=01/01/2020"); len(got) != 2 {
			t.Errorf("opened since 01/01/2020: %v", got)
		}
		if got := list(t, alertsProvince, "?to=01/01/2020"); len(got) != 0 {
			t.Errorf("opened up to 01/01/2020: %v", got)
		}
		a := do(t, nil, "GET", base+"/alerts?from=05/11/2026", alertsProvince, nil, "Accept", "text/html")
		for _, want := range []string{`value="05/11/2026"`, `placeholder="dd/mm/yyyy"`, `inputmode="numeric"`} {
			if !strings.Contains(a.body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		a = do(t, nil, "GET", base+"/alerts?from=31/11/2026", alertsProvince, nil, "Accept", "text/html")
		if !strings.Contains(a.body, `id="al-from-err"`) || !strings.Contains(a.body, "ngày/tháng/năm") || strings.Contains(a.body, `type="date"`) {
			t.Errorf("31/11/2026: %d, no message beside the field: %.3000s", a.status, a.body)
		}
		a = do(t, nil, "GET", base+"/alerts?from=01/12/2026&to=01/11/2026", alertsProvince, nil, "Accept", "text/html")
		if a.status != 400 || !strings.Contains(a.body, `id="al-to-err"`) || !strings.Contains(a.body, "Ngày kết thúc không được trước ngày bắt đầu.") {
			t.Errorf("to before from: %d, no message beside the field: %.3000s", a.status, a.body)
		}
		if a := do(t, nil, "GET", base+"/alerts?from=01/11/2026&to=01/11/2026", alertsProvince, nil, "Accept", "text/html"); a.status != 200 {
			t.Errorf("from and to on one day: %d, want 200", a.status)
		}
	})
	json := []string{"Content-Type", "application/json"}
	tests := []struct {
		name, auth, method, path, body string
		status                         int
	}{
		{"another commune's alerts", alertsCommune, "GET", "/api/v1/alerts?unit=09250", "", 403},
		{"a bad filter", alertsCommune, "GET", "/api/v1/alerts?state=asleep", "", 400},
		{"acknowledge outside the scope", alertsCommune, "POST", "/api/v1/alerts/" + ids["TT-09250"] + "/acknowledge", "", 403},
		{"comment outside the scope", alertsCommune, "POST", "/api/v1/alerts/" + ids["TT-09250"] + "/comment", `{"text":"x"}`, 403},
		{"close outside the scope", alertsCommune, "POST", "/api/v1/alerts/" + ids["TT-09250"] + "/close", "", 403},
		{"acknowledge without alerts.ack", analystCommune, "POST", "/api/v1/alerts/" + ids["TT-09190"] + "/acknowledge", "", 403},
		{"acknowledge with a text it would not keep", alertsCommune, "POST", "/api/v1/alerts/" + ids["TT-09190"] + "/acknowledge", `{"text":"Đã gọi"}`, 400},
		{"acknowledge in the scope, with {}", alertsCommune, "POST", "/api/v1/alerts/" + ids["TT-09190"] + "/acknowledge", `{}`, 200},
		{"acknowledge twice", alertsCommune, "POST", "/api/v1/alerts/" + ids["TT-09190"] + "/acknowledge", "", 409},
		{"an empty comment", alertsCommune, "POST", "/api/v1/alerts/" + ids["TT-09190"] + "/comment", `{"text":" "}`, 400},
		{"comment in the scope", alertsCommune, "POST", "/api/v1/alerts/" + ids["TT-09190"] + "/comment", `{"text":"Đã liên hệ trung tâm."}`, 200},
		{"close with a member it does not take", alertsCommune, "POST", "/api/v1/alerts/" + ids["TT-09190"] + "/close", `{"reason":"xong"}`, 400},
		{"close in the scope", alertsCommune, "POST", "/api/v1/alerts/" + ids["TT-09190"] + "/close", "", 200},
		{"an unknown alert", alertsCommune, "POST", "/api/v1/alerts/nope/close", "", 404},
		{"rules without alerts.manage", analystCommune, "GET", "/api/v1/alert-rules", "", 403},
		{"a rule over every unit from a commune", alertsCommune, "POST", "/api/v1/alert-rules", `{"name":"x","kind":"silence","window_hours":2}`, 400},
		{"a rule over another commune", alertsCommune, "POST", "/api/v1/alert-rules", `{"name":"x","unit":"09250","kind":"silence","window_hours":2}`, 400},
		{"a rule over its commune", alertsCommune, "POST", "/api/v1/alert-rules", `{"name":"Kinh Bắc im lặng","unit":"09190","kind":"silence","window_hours":2}`, 201},
		{"the same rule again, under another name", alertsCommune, "POST", "/api/v1/alert-rules", `{"name":"Kinh Bắc im lặng (2)","unit":"09190","kind":"silence","window_hours":2}`, 409},
		{"a default rule changed from a commune", alertsCommune, "PATCH", "/api/v1/alert-rules/default-harassment", `{"enabled":false}`, 403},
		{"a default rule deleted from a commune", alertsCommune, "DELETE", "/api/v1/alert-rules/default-harassment", "", 403},
		{"a default rule disabled by the province", alertsProvince, "PATCH", "/api/v1/alert-rules/default-harassment", `{"enabled":false}`, 200},
		{"a bad threshold", alertsProvince, "PATCH", "/api/v1/alert-rules/default-negative-share", `{"threshold":3}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body *strings.Reader
			if tt.body != "" || tt.method != "GET" {
				body = strings.NewReader(tt.body)
			}
			var a answer
			if body == nil {
				a = do(t, nil, tt.method, base+tt.path, tt.auth, nil)
			} else {
				a = do(t, nil, tt.method, base+tt.path, tt.auth, body, json...)
			}
			if a.status != tt.status {
				t.Fatalf("%d, want %d: %s", a.status, tt.status, a.body)
			}
			// A refusal tells nothing of where an alert out of reach is.
			if a.status == 403 && strings.Contains(tt.path, ids["TT-09250"]) && strings.Contains(a.body, "09250") {
				t.Fatalf("the refusal names the alert's unit: %s", a.body)
			}
		})
	}
	t.Run("the commune's rules", func(t *testing.T) {
		a := do(t, nil, "GET", base+"/api/v1/alert-rules", alertsCommune, nil)
		if a.status != 200 || !strings.Contains(a.body, "Kinh Bắc im lặng") || !strings.Contains(a.body, "default-harassment") {
			t.Errorf("%d %s", a.status, a.body)
		}
	})
	t.Run("audited", func(t *testing.T) {
		for _, action := range []string{"alert.acknowledge", "alert.comment", "alert.close", "alert_rule.add", "alert_rule.update"} {
			if len(fa.recorded(action)) == 0 {
				t.Errorf("no %s in the audit log", action)
			}
		}
	})
}

// TestAlertsPageRefusesAFormItCannotTake: a form of the alerts page with
// an action that is none of its buttons', or naming an alert not in the
// reader's scope, is answered by the page with a notice in its language,
// not by the API's English problem.
func TestAlertsPageRefusesAFormItCannotTake(t *testing.T) {
	base, _, fa, ids := alertsServer(t)
	client := signIn(t, base, fa, func(p *hailong.Principal) {
		p.Role, p.Scope, p.Permissions = "manager", "09190", fa.bearers[alertsCommune].Permissions
	})
	csrf := form(t, client, base+"/alerts")
	for _, tt := range []struct {
		name, id string
		form     url.Values
		status   int
		says     string
	}{
		{"an action of no button", ids["TT-09190"], url.Values{"action": {"bogus"}}, 400, "Thao tác không hợp lệ"},
		{"an action of no button, English", ids["TT-09190"], url.Values{"action": {"bogus"}, "lang": {"en"}}, 400, "Not an action"},
		{"an alert that is not", "no-such-alert", url.Values{"action": {"acknowledge"}}, 404, "Không có cảnh báo này trong phạm vi của bạn."},
		{"an alert out of the reader's scope", ids["TT-09250"], url.Values{"action": {"acknowledge"}}, 403, "Không có cảnh báo này trong phạm vi của bạn."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("_csrf", csrf)
			a := post(t, client, base+"/alerts/"+tt.id, tt.form)
			if a.status != tt.status || !strings.Contains(a.body, tt.says) || !strings.Contains(a.body, "<html") {
				t.Errorf("%d, want %d and a page saying %q: %.500s", a.status, tt.status, tt.says, a.body)
			}
		})
	}
}

// TestAStoredRuleOfHoursCanStillBeDisabled: a rule over ratings saved
// with a window that is not a whole number of days (36 hours was taken
// before whole days were asked) can still be disabled through the API;
// changing its window to other hours is refused.
func TestAStoredRuleOfHoursCanStillBeDisabled(t *testing.T) {
	base, eng, _, _ := alertsServer(t)
	r, err := eng.SaveRule(context.Background(), hailong.AlertRule{Name: "old rule", Kind: hailong.AlertNegativeShare,
		Threshold: 0.3, MinRatings: 1, Window: 36 * time.Hour, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	a := do(t, nil, "PATCH", base+"/api/v1/alert-rules/"+r.ID, alertsProvince, strings.NewReader(`{"enabled":false}`), "Content-Type", "application/json")
	if a.status != 200 {
		t.Errorf("PATCH {\"enabled\":false} of a stored rule with a 36-hour window: %d %s; want 200", a.status, a.body)
	}
	a = do(t, nil, "PATCH", base+"/api/v1/alert-rules/"+r.ID, alertsProvince, strings.NewReader(`{"window_hours":30}`), "Content-Type", "application/json")
	if a.status != 400 || !strings.Contains(a.body, "24 hours") {
		t.Errorf("PATCH {\"window_hours\":30}: %d %s; want 400 asking whole days", a.status, a.body)
	}
}
