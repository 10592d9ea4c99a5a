package subscribe_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/subscribe"
	"hailong/aggregator/subscribe/subscribetest"
)

// TestAdd: a unit of the subscriber's scope only, a known kind and
// language (else EINVALID), no repeat (ECONFLICT: it is what is stored
// that stands in the way); kept across a restart; removed by its owner
// only.
func TestAdd(t *testing.T) {
	env := subscribetest.Start(t, time.Date(2026, 11, 30, 9, 0, 0, 0, hailong.Location))
	lan := env.AddUser("lan", "09190", "lan@example.gov.vn")
	hoa := env.AddUser("hoa", "24", "hoa@example.gov.vn")
	ctx := context.Background()
	for _, r := range []hailong.Role{
		{Name: "fleet", Description: "kiosks only", Permissions: []hailong.Permission{hailong.PermKiosksRead}},
		{Name: "reader", Description: "measures only", Permissions: []hailong.Permission{hailong.PermMeasuresRead}},
	} {
		if err := env.Access.PutRole(ctx, nil, r); err != nil {
			t.Fatal(err)
		}
	}
	fleet := env.AddUserWithRole("ky.thuat", "fleet", "09190", "kt@example.gov.vn")
	reader := env.AddUserWithRole("doc", "reader", "09190", "doc@example.gov.vn")
	for _, tc := range []struct {
		name       string
		p          *hailong.Principal
		unit, kind string
		lang       string
		field, msg string
		code       string
	}{
		{"the commune", lan, "09190", "alerts", "", "", "", ""},
		{"its centre, weekly in English", lan, "TT-09190", "weekly", "en", "", "", ""},
		{"again", lan, "09190", "alerts", "vi", "unit", subscribe.MsgRepeat, hailong.ECONFLICT},
		{"again in the other language", lan, "09190", "alerts", "en", "unit", subscribe.MsgRepeat, hailong.ECONFLICT},
		{"another commune", lan, "09250", "weekly", "vi", "unit", subscribe.MsgOutOfScope, hailong.EINVALID},
		{"the province", lan, "24", "monthly", "vi", "unit", subscribe.MsgOutOfScope, hailong.EINVALID},
		{"no unit", lan, " ", "monthly", "vi", "unit", subscribe.MsgRequired, hailong.EINVALID},
		// In the commune's scope through the 2025 reorganisation (read
		// with as_of), but gone: it has no reports to send.
		{"a centre the reorganisation ended", lan, "MC-256", "monthly", "vi", "unit", fmt.Sprintf(subscribe.MsgNotInForce, "MC-256"), hailong.EINVALID},
		{"a district the reorganisation ended", lan, "256", "quarterly", "vi", "unit", fmt.Sprintf(subscribe.MsgNotInForce, "256"), hailong.EINVALID},
		{"unknown kind", lan, "09190", "daily", "vi", "kind", subscribe.MsgKind, hailong.EINVALID},
		{"unknown language", lan, "09190", "monthly", "fr", "lang", subscribe.MsgLang, hailong.EINVALID},
		{"the province by its analyst", hoa, "24", "quarterly", "vi", "", "", ""},
		{"alerts without measures.read", fleet, "09190", "alerts", "vi", "kind", subscribe.MsgNoRight, hailong.EINVALID},
		{"a summary with measures.read", reader, "09190", "weekly", "vi", "", "", ""},
		{"the quarterly report without exports.read", reader, "09190", "quarterly", "vi", "kind", subscribe.MsgNoRight, hailong.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := env.Subs.Add(ctx, tc.p, tc.unit, hailong.SubscriptionKind(tc.kind), tc.lang)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			fields := hailong.ErrorFields(err)
			if len(fields) != 1 || fields[0].Field != tc.field || fields[0].Message != tc.msg {
				t.Errorf("Add = %v (%v), want %s: %s", err, fields, tc.field, tc.msg)
			}
			if got := hailong.ErrorCode(err); got != tc.code {
				t.Errorf("Add = %v: code %q, want %q", err, got, tc.code)
			}
		})
	}
	env.Restart()
	byUnit := map[string]hailong.Subscription{}
	for _, s := range env.Subs.Of("lan") {
		byUnit[s.Unit] = s
	}
	if len(byUnit) != 2 || byUnit["09190"].Lang != "vi" || byUnit["09190"].Kind != hailong.SubscribeAlerts || byUnit["TT-09190"].Lang != "en" {
		t.Fatalf("after restart lan has %+v", byUnit)
	}
	alerts := byUnit["09190"].ID
	if err := env.Subs.Remove(ctx, hoa, alerts); hailong.ErrorCode(err) != hailong.ENOTFOUND {
		t.Errorf("another's removal: %v, want not found", err)
	}
	if err := env.Subs.Remove(ctx, lan, alerts); err != nil {
		t.Fatal(err)
	}
	env.Restart()
	if got := env.Subs.Of("lan"); len(got) != 1 || got[0].Kind != hailong.SubscribeWeekly {
		t.Errorf("after removal and restart %+v", got)
	}
	if got := env.Subs.OfKind(hailong.SubscribeQuarterly); len(got) != 1 || got[0].Username != "hoa" {
		t.Errorf("quarterly subscriptions %+v", got)
	}
}
