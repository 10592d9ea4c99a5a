package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/rollup"
	"hailong/aggregator/subscribe"
	"hailong/aggregator/web"
)

// accessWithEmails gives the fake access service the email addresses the
// subscriptions page shows (web.Emails): none.
type accessWithEmails struct{ *fakeAccess }

func (accessWithEmails) User(_ context.Context, _ *hailong.Principal, username string) (hailong.User, error) {
	return hailong.User{Username: username}, nil
}

func (accessWithEmails) SetEmail(context.Context, *hailong.Principal, string, string) error {
	return nil
}

// TestSubscribingTwiceIsAConflict: a second subscription of the same user
// to the same unit and kind is a conflict with what is stored, answered
// 409 (not 400): problem+json with the refusal on the unit field to the
// API, and the subscriptions page with its message beside the unit, in
// the page's language, to the form.
func TestSubscribingTwiceIsAConflict(t *testing.T) {
	_, base, _ := demoServerWith(t, rollup.New(), func(s *web.Server) {
		fa := s.Access.(*fakeAccess)
		s.Access = accessWithEmails{fa}
		s.Subscriptions = subscribe.New(ferrettest.Open(t), fa,
			func() time.Time { return time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC) })
	})
	client := signIn(t, base, nil, nil)
	csrf := form(t, client, base+"/account/subscriptions")

	for _, tc := range []struct {
		name       string
		api        bool
		unit, kind string
		lang       string // the page's
		// want is the message beside the unit field on the page.
		want string
	}{
		{name: "API", api: true, unit: "09190", kind: "alerts"},
		{name: "page in Vietnamese", unit: "09190", kind: "weekly", want: "Bạn đã đăng ký loại thư này cho đơn vị này rồi."},
		{name: "page in English", unit: "09250", kind: "monthly", lang: "en", want: "You already have this subscription for this unit."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			add := func() answer {
				if tc.api {
					return do(t, nil, "POST", base+"/api/v1/subscriptions", analystCommune,
						strings.NewReader(`{"unit":"`+tc.unit+`","kind":"`+tc.kind+`"}`), "Content-Type", "application/json")
				}
				v := url.Values{"_csrf": {csrf}, "unit": {tc.unit}, "kind": {tc.kind}, "sub_lang": {"vi"}}
				if tc.lang != "" {
					v.Set("lang", tc.lang)
				}
				return post(t, client, base+"/account/subscriptions", v)
			}
			if a := add(); a.status != 201 {
				t.Fatalf("first time: %d, want 201: %.400s", a.status, a.body)
			}
			a := add()
			if a.status != 409 {
				t.Fatalf("second time: %d, want 409: %.600s", a.status, a.body)
			}
			if tc.api {
				var p struct {
					Type, Detail string
					Status       int
					Errors       []hailong.FieldError
				}
				if err := json.Unmarshal([]byte(a.body), &p); err != nil || a.header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("not problem+json (%s, %v): %s", a.header.Get("Content-Type"), err, a.body)
				}
				if p.Status != 409 || p.Type != "urn:hailong:problem:"+hailong.ECONFLICT || !strings.Contains(p.Detail, "already subscribed") ||
					len(p.Errors) != 1 || p.Errors[0] != (hailong.FieldError{Field: "unit", Message: subscribe.MsgRepeat}) {
					t.Errorf("problem %+v", p)
				}
				return
			}
			if !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") ||
				!strings.Contains(a.body, `<p id="sub-unit-err" class="field-err">`+tc.want+`</p>`) {
				t.Errorf("the page does not say %q beside the unit: %s", tc.want, a.body)
			}
		})
	}
}

// TestSubscribingToAnEndedUnitNamesIt: a unit the reorganisation ended
// (in the scope through it, but not in force) is refused beside the unit
// field, naming the unit sent: the page's list of units cannot show it,
// so the message must.
func TestSubscribingToAnEndedUnitNamesIt(t *testing.T) {
	_, base, _ := demoServerWith(t, rollup.New(), func(s *web.Server) {
		fa := s.Access.(*fakeAccess)
		s.Access = accessWithEmails{fa}
		s.Subscriptions = subscribe.New(ferrettest.Open(t), fa,
			func() time.Time { return time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC) })
	})
	client := signIn(t, base, nil, nil)
	csrf := form(t, client, base+"/account/subscriptions")
	for _, tc := range []struct{ lang, want string }{
		{"vi", "Đơn vị “256” đã chấm dứt khi sắp xếp lại đơn vị hành chính"},
		{"en", "Unit “256” ended in a reorganisation"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			a := post(t, client, base+"/account/subscriptions", url.Values{"_csrf": {csrf}, "unit": {"256"}, "kind": {"monthly"}, "sub_lang": {"vi"}, "lang": {tc.lang}})
			if a.status != 400 || !strings.Contains(a.body, `<p id="sub-unit-err" class="field-err">`+tc.want) {
				t.Errorf("%d, want 400 saying %q beside the unit: %.2000s", a.status, tc.want, a.body)
			}
		})
	}
}
