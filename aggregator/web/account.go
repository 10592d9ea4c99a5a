package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// accountTexts are the words of the sign-in, password and notice pages.
var accountTexts = map[string]map[string]string{
	"vi": {
		"login": "Đăng nhập", "username": "Tên đăng nhập", "password": "Mật khẩu", "submit": "Đăng nhập",
		"failed":    "Tên đăng nhập hoặc mật khẩu không đúng.",
		"throttled": "Đăng nhập sai quá nhiều lần. Xin thử lại sau ít phút.",
		"stale":     "Trang đã hết hạn. Xin thử lại.", "again": "Thử lại",
		"change": "Đổi mật khẩu", "old": "Mật khẩu hiện tại", "new": "Mật khẩu mới", "new2": "Nhập lại mật khẩu mới",
		"save": "Đổi mật khẩu", "mismatch": "Hai lần nhập mật khẩu mới không giống nhau.",
		"wrong_old": "Mật khẩu hiện tại không đúng.", "weak": "Mật khẩu mới chưa đạt yêu cầu:",
		"changed": "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.", "home": "Về trang chính",
		"signed_in": "Đang đăng nhập:", "logout": "Đăng xuất", "other": "English",
		"hint": "Ít nhất 12 ký tự, gồm ít nhất hai loại: chữ, số, ký hiệu.",
		"sso":  "Đăng nhập bằng tài khoản tỉnh", "or": "hoặc",
		"sso_failed":      "Không đăng nhập được bằng tài khoản tỉnh. Tài khoản này có thể chưa được cấp quyền vào hệ thống, hoặc lượt đăng nhập đã hết hạn. Xin thử lại hoặc liên hệ quản trị viên.",
		"sso_denied":      "Đăng nhập bằng tài khoản tỉnh đã bị hủy hoặc bị từ chối.",
		"sso_error":       "Dịch vụ đăng nhập của tỉnh báo lỗi. Xin thử lại sau.",
		"sso_unavailable": "Hiện không kết nối được dịch vụ đăng nhập của tỉnh. Xin thử lại sau hoặc đăng nhập bằng mật khẩu.",
	},
	"en": {
		"login": "Sign in", "username": "Username", "password": "Password", "submit": "Sign in",
		"failed":    "The username or password is not correct.",
		"throttled": "Too many failed attempts. Please try again in a few minutes.",
		"stale":     "The page had expired. Please try again.", "again": "Try again",
		"change": "Change password", "old": "Current password", "new": "New password", "new2": "New password again",
		"save": "Change password", "mismatch": "The two new passwords are not the same.",
		"wrong_old": "The current password is not correct.", "weak": "The new password is not acceptable:",
		"changed": "Your password has been changed. Your other sessions have ended.", "home": "Back to the dashboard",
		"signed_in": "Signed in as", "logout": "Sign out", "other": "Tiếng Việt",
		"hint": "At least 12 characters, of at least two kinds: letters, digits, other signs.",
		"sso":  "Sign in with the province account", "or": "or",
		"sso_failed":      "Signing in with the province account did not succeed. This account may not have access to this system, or the sign-in took too long. Please try again or ask an administrator.",
		"sso_denied":      "Signing in with the province account was cancelled or refused.",
		"sso_error":       "The province's sign-in service reported an error. Please try again later.",
		"sso_unavailable": "The province's sign-in service cannot be reached. Please try again later, or sign in with a password.",
	},
}

// accountPage is what the sign-in, password and notice pages show.
type accountPage struct {
	Lang, CSRF, Next, OtherLang string
	T                           map[string]string
	// Error and Notice are keys into T; Details are the service's own
	// words about a refused password.
	Error, Notice string
	Details       []string
	Username      string
	// Back is where a notice page's link leads.
	Back string
	// SSO is the address of the single sign-on button, empty when
	// single sign-on is not configured.
	SSO string
	// LangPath is where the language switch leads; empty is this page.
	LangPath string
}

// pageLang is the language a page is asked in: Vietnamese unless English
// is asked for.
func pageLang(c *fiber.Ctx) string {
	if c.Query("lang", c.FormValue("lang")) == "en" {
		return "en"
	}
	return "vi"
}

func (s *Server) accountRender(c *fiber.Ctx, status int, name string, p accountPage) error {
	if p.Lang == "" {
		p.Lang = pageLang(c)
	}
	p.T = accountTexts[p.Lang]
	if s.SSO != nil {
		p.SSO = ssoStartPath(p.Next, p.Lang)
	}
	if p.CSRF == "" {
		p.CSRF, _ = c.Locals(csrfKey).(string)
	}
	other := url.Values{"lang": {"en"}}
	if p.Lang == "en" {
		other.Set("lang", "vi")
	}
	if p.Next != "" && p.Next != "/" {
		other.Set("next", p.Next)
	}
	p.OtherLang = p.LangPath + "?" + other.Encode()
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.tmpl.ExecuteTemplate(c.Response().BodyWriter(), name, p)
}

// staleForm answers a form sent without a valid CSRF token: 403, and a
// link back to a fresh form.
func (s *Server) staleForm(c *fiber.Ctx) error {
	back := "/"
	switch c.Path() {
	case "/login":
		back = loginPath(c.FormValue("next"))
	case "/account/password":
		back = "/account/password"
	default:
		for _, page := range []string{"/admin/users", "/account/tokens"} {
			if strings.HasPrefix(c.Path(), page) {
				back = page
			}
		}
	}
	return s.accountRender(c, fiber.StatusForbidden, "notice.html", accountPage{Notice: "stale", Back: back})
}

// setSession gives the browser its session cookie, or takes it away when
// tok is empty.
func (s *Server) setSession(c *fiber.Ctx, tok string) {
	ck := &fiber.Cookie{Name: SessionCookie, Value: tok, Path: "/", HTTPOnly: true, Secure: s.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode}
	if tok == "" {
		ck.Expires, ck.MaxAge = time.Unix(0, 0), -1
	} else {
		ck.Expires, ck.MaxAge = s.Now().Add(s.SessionLifetime), int(s.SessionLifetime/time.Second)
	}
	c.Cookie(ck)
}

// auditName is a name as typed on the login page, fit for the audit log.
func auditName(v string) string {
	v = strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD")
	if hailong.CheckText(v) != nil {
		v = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return '?'
			}
			return r
		}, v)
	}
	if r := []rune(v); len(r) > 64 {
		v = string(r[:64]) + "…"
	}
	return v
}
