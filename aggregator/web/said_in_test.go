package web

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/assets"
	"hailong/hierarchy"
)

// TestEveryRefusalOfThePeoplePagesIsSaidInVietnamese makes each refusal the
// access service gives the people and token pages, on the real service,
// and checks that a Vietnamese page says it in Vietnamese (saidIn), with
// its values, and an English page as the service wrote it.
func TestEveryRefusalOfThePeoplePagesIsSaidInVietnamese(t *testing.T) {
	ctx := context.Background()
	f, err := assets.FS("").Open(assets.DemoUnits)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := hierarchy.ReadCSV(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 7, 15, 5, 0, 0, 0, time.UTC) }
	svc := access.New(access.Config{Store: ferrettest.Open(t), Units: func() *hierarchy.Tree { return tree }, Logger: slog.New(slog.DiscardHandler), Now: now})
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	const good = "mot-mat-khau-dai-2026"
	add := func(u hailong.User) {
		if err := svc.AddUser(ctx, nil, u, good); err != nil {
			t.Fatal(err)
		}
	}
	add(hailong.User{Username: "quan.tri", Role: hailong.RoleAdmin, Scope: "24"})
	add(hailong.User{Username: "phuong", Role: hailong.RoleAdmin, Scope: "09190"})
	add(hailong.User{Username: "lan", Role: hailong.RoleAnalyst, Scope: "09190"})
	_, commune, err := svc.Login(ctx, "phuong", good, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	_, analyst, err := svc.Login(ctx, "lan", good, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	user := func(name, role, scope string) hailong.User {
		return hailong.User{Username: name, Role: role, Scope: scope}
	}
	for _, tc := range []struct {
		name string
		do   func() error
		vi   string // what the Vietnamese says, in part
	}{
		{"no such role", func() error { return svc.AddUser(ctx, commune, user("moi", "sep", "09190"), good) }, "Không có vai trò “sep”."},
		{"no such unit", func() error { return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "99999"), good) }, "Không có đơn vị “99999” đang có hiệu lực hôm nay."},
		{"a scope outside one's own", func() error { return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "09250"), good) }, "Bạn không được cấp phạm vi “09250”"},
		{"a bad username", func() error { return svc.AddUser(ctx, commune, user("Not Valid!", hailong.RoleAnalyst, "09190"), good) }, "Tên đăng nhập gồm 2 đến 64 ký tự"},
		{"a long name", func() error {
			u := user("moi", hailong.RoleAnalyst, "09190")
			u.Name = string(make([]byte, 201))
			return svc.AddUser(ctx, commune, u, good)
		}, "Tối đa 200 ký tự."},
		{"a user who exists", func() error { return svc.AddUser(ctx, commune, user("lan", hailong.RoleAnalyst, "09190"), good) }, "Người dùng “lan” đã có."},
		{"a short password", func() error { return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "09190"), "ngan") }, "Mật khẩu cần ít nhất 12 ký tự."},
		{"a long password", func() error {
			return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "09190"), string(make([]rune, 257)))
		}, "Mật khẩu tối đa 256 ký tự."},
		{"the username as password", func() error {
			return svc.AddUser(ctx, commune, user("moi.nguoi.dung", hailong.RoleAnalyst, "09190"), "moi.nguoi.dung")
		}, "Mật khẩu không được trùng tên đăng nhập."},
		{"one kind of character", func() error {
			return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "09190"), "abcdefghijklm")
		}, "Hãy dùng ít nhất hai loại ký tự"},
		{"few characters", func() error {
			return svc.AddUser(ctx, commune, user("moi", hailong.RoleAnalyst, "09190"), "ab12ab12ab12ab")
		}, "Hãy dùng ít nhất 5 ký tự khác nhau."},
		{"a bad address", func() error { return svc.SetEmail(ctx, commune, "lan", "lan@") }, "Hãy nhập một địa chỉ như ten@example.gov.vn"},
		{"no such user", func() error { return svc.SetEmail(ctx, commune, "khong-co", "a@example.gov.vn") }, "Không có người dùng “khong-co”."},
		{"one's own account", func() error { d := true; return svc.UpdateUser(ctx, commune, "phuong", nil, nil, &d) }, "Bạn không thể tự sửa tài khoản của mình ở đây"},
		{"a user above", func() error { d := true; return svc.UpdateUser(ctx, commune, "quan.tri", nil, nil, &d) }, "Bạn không được"},
		{"no right", func() error { return svc.AddUser(ctx, analyst, user("moi", hailong.RoleAnalyst, "09190"), good) }, "Bạn không được làm việc này."},
		{"an unnamed token", func() error {
			_, _, err := svc.CreateToken(ctx, analyst, "lan", "", "", nil, now().Add(time.Hour))
			return err
		}, "Hãy đặt tên cho khoá"},
		{"no such token", func() error { return svc.RevokeToken(ctx, analyst, "khong-co") }, "Không có khoá “khong-co”."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if err == nil {
				t.Fatal("not refused")
			}
			msgs := []hailong.FieldError{{Message: hailong.ErrorMessage(err), Said: hailong.ErrorSaid(err)}}
			if fields := hailong.ErrorFields(err); len(fields) > 0 {
				msgs = fields
			}
			said := false
			for _, m := range msgs {
				vi := fieldSaidIn("vi", m)
				if vi == m.Message {
					t.Errorf("%q is not said in Vietnamese", m.Message)
				}
				said = said || strings.Contains(vi, tc.vi)
				if en := fieldSaidIn("en", m); en != m.Message {
					t.Errorf("%q is said %q in English", m.Message, en)
				}
			}
			if !said {
				t.Errorf("%v is not said as %q", msgs, tc.vi)
			}
		})
	}
}

// TestEveryVietnameseFormatTakesItsValues: each Vietnamese format takes
// as many values as its English one, of the same kinds, so that no page
// ever shows "%!s(MISSING)" or "%!(EXTRA …)".
func TestEveryVietnameseFormatTakesItsValues(t *testing.T) {
	for en, vi := range saidInVietnamese {
		t.Run(en, func(t *testing.T) {
			var args []any
			for _, verb := range verbs(en) {
				if verb == 'd' {
					args = append(args, 12)
				} else {
					args = append(args, "x")
				}
			}
			if got := fmt.Sprintf(vi, args...); strings.Contains(got, "%!") {
				t.Errorf("%q with %v: %q", vi, args, got)
			}
			if got, want := len(verbs(vi)), len(args); got != want {
				t.Errorf("%q takes %d values, its English %d", vi, got, want)
			}
		})
	}
}

// TestTheWebhooksPageSaysADeliverysFailureInVietnamese: what the
// dispatcher writes of a failed delivery (its log, its dead letter) or of
// a subscription it disabled is said in Vietnamese on a Vietnamese page,
// a library's detail after the words kept as given; English pages and
// what is not words (an HTTP status) stay as they are.
func TestTheWebhooksPageSaysADeliverysFailureInVietnamese(t *testing.T) {
	said := funcs["said"].(func(lang, msg string) string)
	for _, tt := range []struct{ name, lang, msg, want string }{
		{"a closed port", "vi", "the receiver's machine refused the connection: nothing listens at that port", "máy bên nhận từ chối kết nối: không có dịch vụ nào nghe ở cổng đó"},
		{"a timeout", "vi", "the receiver did not answer in time", "bên nhận không trả lời kịp thời hạn"},
		{"a name not known, with the name", "vi", "the receiver's host name is not known to the name service: r.example", "tên máy bên nhận không có trong hệ thống tên miền (DNS): r.example"},
		{"a name server that did not answer", "vi", "the receiver's host name could not be looked up now (the name service did not answer): r.example", "chưa tra được tên máy bên nhận (máy chủ DNS không trả lời): r.example"},
		{"a certificate, with the library's words", "vi", "the receiver's TLS certificate was not accepted: x509: certificate signed by unknown authority", "chứng chỉ TLS của bên nhận không được chấp nhận: x509: certificate signed by unknown authority"},
		{"a private address", "vi", "the receiver's address is private or loopback, which this server is set to refuse", "địa chỉ bên nhận là địa chỉ nội bộ, máy chủ này được cấu hình từ chối"},
		{"a stop", "vi", "stopped: the aggregator was shutting down", "dừng: máy chủ tổng hợp đang tắt"},
		{"disabled before it was sent", "vi", "the subscription is disabled", "đăng ký này đang tắt"},
		{"disabled by the receiver", "vi", "the receiver answered 410 Gone", "bên nhận trả lời 410 Gone (không nhận nữa)"},
		{"an HTTP status", "vi", "HTTP 500", "HTTP 500"},
		{"the English page", "en", "the receiver did not answer in time", "the receiver did not answer in time"},
		{"words not known", "vi", "dial tcp: something new", "dial tcp: something new"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := said(tt.lang, tt.msg); got != tt.want {
				t.Errorf("said(%s, %q) = %q, want %q", tt.lang, tt.msg, got, tt.want)
			}
		})
	}
}
