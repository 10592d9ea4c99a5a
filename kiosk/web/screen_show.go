package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

type langLink struct {
	Label   string
	Href    string
	Current bool
}

type screenText struct {
	Send, Thanks, ThanksMore, Required, Failed, PhoneTitle, PhoneMore string
}

var screenTexts = map[string]screenText{
	"vi": {
		Send: "Gửi đánh giá", Thanks: "Xin cảm ơn Ông/Bà!",
		ThanksMore: "Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn.",
		Required:   "Xin Ông/Bà chọn mức độ hài lòng trước khi gửi.",
		Failed:     "Chưa gửi được, xin Ông/Bà bấm gửi lại.",
		PhoneTitle: "Quét mã để đánh giá trên điện thoại",
		PhoneMore:  "Hoặc chạm vào màn hình để đánh giá tại đây.",
	},
	"en": {
		Send: "Send", Thanks: "Thank you!",
		ThanksMore: "Your answers help us serve you better.",
		Required:   "Please choose how satisfied you are before sending.",
		Failed:     "Not sent yet; please press send again.",
		PhoneTitle: "Scan to rate on your phone",
		PhoneMore:  "Or touch the screen to rate here.",
	},
}

// screenShow renders the touchscreen survey. A terminal is pointed at
// /?q=<questionnaire>&counter=<counter>&official=<official>&terminal=<id>
// once, when it is set up; the citizen sees only the survey, and after a
// while untouched, a code to rate on their own phone.
func (s *Server) screenShow(c *fiber.Ctx) error {
	lang := language(c)
	qid := c.Query("q", s.Questionnaires[0])
	q, ok := s.offered(qid)
	if !ok {
		return hailong.Errorf(hailong.ENOTFOUND, "Questionnaire %q is not offered at this node.", qid)
	}
	counter, official, terminal := c.Query("counter"), c.Query("official"), c.Query("terminal")
	if terminal == "" {
		terminal = counter
	}
	if terminal == "" {
		terminal = "lobby"
	}
	var fields []hailong.FieldError
	if counter != "" {
		if err := hailong.CheckRef(counter); err != nil {
			fields = append(fields, hailong.FieldError{Field: "counter", Message: err.Error()})
		}
	}
	if official != "" {
		if err := hailong.CheckRef(official); err != nil {
			fields = append(fields, hailong.FieldError{Field: "official", Message: err.Error()})
		}
	}
	if err := hailong.CheckRef(terminal); err != nil {
		fields = append(fields, hailong.FieldError{Field: "terminal", Message: err.Error()})
	}
	if len(fields) > 0 {
		return hailong.Invalid("The terminal address is not valid.", fields...)
	}
	var langs []langLink
	for _, l := range hailong.Languages {
		v := url.Values{"q": {q.ID}, "lang": {l}}
		if counter != "" {
			v.Set("counter", counter)
		}
		if official != "" {
			v.Set("official", official)
		}
		if c.Query("terminal") != "" {
			v.Set("terminal", terminal)
		}
		label := map[string]string{"vi": "Tiếng Việt", "en": "English"}[l]
		langs = append(langs, langLink{Label: label, Href: "/?" + v.Encode(), Current: l == lang})
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.screen.ExecuteTemplate(c.Response().BodyWriter(), "screen.html", map[string]any{
		"Lang": lang, "Q": q, "Counter": counter, "Official": official,
		"UnitName": s.UnitName, "Langs": langs, "T": screenTexts[lang],
		"ResetSeconds": int(s.ResetAfter.Seconds()),
		"Terminal":     terminal, "WalkIn": s.Signer != nil && s.PublicURL != "",
		"IdleSeconds": int(s.IdleQR.Seconds()),
	})
}
