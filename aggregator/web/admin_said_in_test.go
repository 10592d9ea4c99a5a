package web_test

import (
	"net/url"
	"strings"
	"testing"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/aggregator/webhooks"
)

// oneSubscriptionHooks holds one subscription, of unit 09250 (Từ Sơn).
type oneSubscriptionHooks struct{ web.Webhooks }

var oneSubscription = webhooks.Subscription{ID: "wh-1", URL: "https://example.gov.vn/hook", Unit: "09250", Events: []hailong.EventType{"alert.opened"}, Enabled: true}

func (oneSubscriptionHooks) Subscriptions() []webhooks.Subscription {
	return []webhooks.Subscription{oneSubscription}
}
func (oneSubscriptionHooks) Subscription(id string) (webhooks.Subscription, error) {
	if id == oneSubscription.ID {
		return oneSubscription, nil
	}
	return webhooks.Subscription{}, hailong.Errorf(hailong.ENOTFOUND, "There is no subscription %q.", id)
}
func (oneSubscriptionHooks) Log(string) ([]webhooks.LogEntry, error) { return nil, nil }
func (oneSubscriptionHooks) DeadLetters() []webhooks.DeadLetter      { return nil }

// TestAdministrationPagesRefuseInVietnamese: a commune admin (scope
// 09190) on the Vietnamese kiosks and webhooks pages, refused by the
// server's own checks (web/admin.go, web/webhooks.go). The kiosks page
// (fleetPage.failure) showed the refusal in English, and the webhooks
// page had none of its refusals in Vietnamese (a hostile review).
func TestAdministrationPagesRefuseInVietnamese(t *testing.T) {
	_, base, fa := demoServerWith(t, rollup.New(), func(s *web.Server) {
		s.Admin = struct{ web.Admin }{}
		s.Webhooks = oneSubscriptionHooks{}
	})
	client := signIn(t, base, fa, func(p *hailong.Principal) {
		p.Role, p.Scope, p.Permissions = "admin", "09190", fa.bearers[adminProvince].Permissions
	})
	csrf := form(t, client, base+"/account/password")
	for _, tc := range []struct {
		name, path  string
		form        url.Values
		english, vi string
	}{
		{"enrol a kiosk outside the scope", "/admin/kiosks", url.Values{"action": {"enrol"}, "id": {"kb-moi"}, "unit": {"09250"}}, "The unit 09250 is outside your scope.", "Đơn vị 09250 nằm ngoài phạm vi của bạn."},
		{"enrol a kiosk for no unit in force", "/admin/kiosks", url.Values{"action": {"enrol"}, "id": {"kb-moi"}, "unit": {"99999"}}, "is not a unit in force today", "Đăng ký thiết bị không hợp lệ. unit: không phải đơn vị đang có hiệu lực"},
		{"delete a subscription outside the scope", "/admin/webhooks", url.Values{"action": {"delete"}, "id": {"wh-1"}}, "There is no subscription", "Không có đăng ký nhận webhook “wh-1” trong phạm vi của bạn."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("_csrf", csrf)
			a := post(t, client, base+tc.path, tc.form)
			if !strings.Contains(a.body, `lang="vi"`) {
				t.Fatalf("%d, not a Vietnamese page: %.300s", a.status, a.body)
			}
			if !strings.Contains(a.body, tc.vi) {
				t.Errorf("%d: the Vietnamese page does not say %q", a.status, tc.vi)
			}
			if i := strings.Index(a.body, tc.english); i >= 0 {
				t.Errorf("%d: the Vietnamese page says %q", a.status, a.body[strings.LastIndex(a.body[:i], "<p>"):i+len(tc.english)])
			}
		})
	}
}
