package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
	"hailong/qrtoken"
)

var phoneTexts = map[string]map[string]string{
	"vi": {
		"title": "Đánh giá mức độ hài lòng", "heading": "Đánh giá dịch vụ Ông/Bà đã nhận",
		"about": "Ông/Bà đánh giá dịch vụ đã nhận khi giải quyết hồ sơ tại", "procedure": "Thủ tục",
		"headline":  "Ông/Bà có hài lòng với dịch vụ đã nhận khi giải quyết thủ tục này không?",
		"anonymous": "Đánh giá được giữ kín danh tính. Chúng tôi không lưu số điện thoại hay địa chỉ của Ông/Bà.",
		"send":      "Gửi đánh giá", "required": "bắt buộc", "fix": "Xin Ông/Bà xem lại:", "other": "English",
		"thanks": "Xin cảm ơn Ông/Bà!", "thanks_more": "Đánh giá của Ông/Bà đã được ghi nhận, không kèm danh tính.",
		"thanks_next": "Đánh giá được cộng vào chỉ số mức độ hài lòng của trung tâm mà tỉnh theo dõi và công bố (Quyết định 766/QĐ-TTg). Lãnh đạo trung tâm đọc các góp ý và những đánh giá không hài lòng để chấn chỉnh, cải thiện việc phục vụ.",
		"already":     "Hồ sơ này đã được đánh giá", "already_at": "Hồ sơ này đã được đánh giá lúc %s ngày %s",
		"already_more": "Mỗi hồ sơ chỉ được đánh giá một lần. Xin cảm ơn Ông/Bà.",
		"expired":      "Mã đánh giá đã hết hạn", "expired_more": "Xin Ông/Bà đánh giá tại trung tâm hoặc xin mã mới ở quầy.",
		"invalid": "Mã đánh giá không hợp lệ", "invalid_more": "Liên kết bị hỏng hoặc không đầy đủ. Xin Ông/Bà quét lại mã QR trên phiếu hẹn.",
		"revoked": "Mã đánh giá không còn hiệu lực", "revoked_more": "Thiết bị cấp mã này đã ngừng hoạt động. Xin Ông/Bà đánh giá tại trung tâm.",
		"busy": "Quá nhiều yêu cầu", "busy_more": "Xin Ông/Bà thử lại sau ít phút.",
		"walkin_full": "Mã này đã được dùng nhiều lần", "walkin_full_more": "Xin Ông/Bà quét mã mới trên màn hình tại trung tâm.",
		"stale": "Trang đã hết hạn", "stale_more": "Xin Ông/Bà mở lại liên kết và gửi lại đánh giá.",
		"err_required": "chưa được trả lời", "err_long": "quá dài, xin viết ngắn hơn", "err_text": "có ký tự không dùng được, xin viết lại",
		"err_option": "xin chọn một trong các ý đã cho", "err_other": "câu trả lời chưa hợp lệ",
	},
	"en": {
		"title": "Rate our service", "heading": "Rate the service you received",
		"about": "You are rating the service you received when your dossier was handled at", "procedure": "Procedure",
		"headline":  "How satisfied are you with the service you received for this procedure?",
		"anonymous": "Your rating is anonymous. We keep no phone number or address.",
		"send":      "Send", "required": "required", "fix": "Please check:", "other": "Tiếng Việt",
		"thanks": "Thank you!", "thanks_more": "Your rating has been recorded, without your identity.",
		"thanks_next": "It counts towards the centre's satisfaction index, which the province follows and publishes (Decision 766/QĐ-TTg). The centre's managers read the comments and the dissatisfied ratings to put things right and serve better.",
		"already":     "This dossier has already been rated", "already_at": "This dossier was rated at %s on %s",
		"already_more": "Each dossier is rated once. Thank you.",
		"expired":      "This rating link has expired", "expired_more": "Please rate at the centre, or ask the counter for a new code.",
		"invalid": "This rating link is not valid", "invalid_more": "The link is damaged or incomplete. Please scan the QR code on your receipt again.",
		"revoked": "This rating link is no longer valid", "revoked_more": "The device that issued it is out of service. Please rate at the centre.",
		"busy": "Too many requests", "busy_more": "Please try again in a few minutes.",
		"walkin_full": "This code has been used many times", "walkin_full_more": "Please scan the new code on the screen at the centre.",
		"stale": "This page has expired", "stale_more": "Please open the link again and resend your rating.",
		"err_required": "is not answered", "err_long": "is too long; please shorten it", "err_text": "holds characters that cannot be used; please write it again",
		"err_option": "please choose one of the options given", "err_other": "the answer is not valid",
	},
}

func phoneLang(c *fiber.Ctx) string {
	if l := c.Query("lang", c.FormValue("lang")); l == "en" {
		return l
	}
	return "vi"
}

// phonePage is what the phone templates show.
type phonePage struct {
	Lang, Notice, Centre, Procedure, Token, CSRF, OtherLang string
	// RatedAt says when the dossier was rated, for the notice "already".
	RatedAt string
	T       map[string]string
	Q       *hailong.Questionnaire
	Answers map[string]string
	Errors  []hailong.FieldError
}

func (s *Server) phoneRender(c *fiber.Ctx, status int, p phonePage) error {
	p.T = phoneTexts[p.Lang]
	other := "en"
	if p.Lang == "en" {
		other = "vi"
	}
	p.OtherLang = "?lang=" + other
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.tmpl.ExecuteTemplate(c.Response().BodyWriter(), "phone.html", p)
}

// phoneNotice answers a link problem: a page for browsers, problem+json
// for programs.
func (s *Server) phoneNotice(c *fiber.Ctx, err error) error {
	var lp *linkProblem
	if !errors.As(err, &lp) || !fiberapp.WantsHTML(c) {
		return err
	}
	lang := phoneLang(c)
	return s.phoneRender(c, fiberapp.Status(lp.err.Code), phonePage{Lang: lang, Notice: lp.notice, RatedAt: ratedAtText(lang, lp.ratedAt)})
}

// phoneShow renders the phone survey for a rating link.
func (s *Server) phoneShow(c *fiber.Ctx) error {
	tok := c.Params("token")
	claims, err := s.checkLink(c.UserContext(), tok)
	if err != nil {
		return s.phoneNotice(c, err)
	}
	if claims.Kind == qrtoken.Dossier {
		// Under this version's id, or an earlier version's for a code
		// not in normal form (qrtoken.LegacyDossierRatingID).
		for _, id := range []string{claims.RatingID(), qrtoken.LegacyDossierRatingID(claims.Unit, claims.Dossier)} {
			if _, known := s.Ingester.Known(id); known {
				return s.phoneNotice(c, s.alreadyRated(id))
			}
		}
	}
	q, ok := s.Catalog.Latest(s.PhoneQuestionnaire)
	if !ok {
		return hailong.Errorf(hailong.EINTERNAL, "phone questionnaire %q missing", s.PhoneQuestionnaire)
	}
	return s.phoneRender(c, http.StatusOK, s.phoneForm(c, claims, q, tok))
}

func (s *Server) phoneForm(c *fiber.Ctx, claims qrtoken.Claims, q *hailong.Questionnaire, tok string) phonePage {
	centre := claims.Unit
	if u, ok := s.Units().At(claims.Unit, hailong.DateOf(s.Now())); ok {
		centre = u.Name
	}
	csrf, _ := c.Locals(csrfKey).(string)
	return phonePage{Lang: phoneLang(c), Centre: centre, Procedure: s.procedureName(claims.Procedure), Token: url.PathEscape(tok), CSRF: csrf, Q: q, Answers: map[string]string{}}
}

// procedureName names a procedure as the catalogue does ("Đăng ký khai
// sinh"): a citizen does not know the code. An unknown code stays as it
// is.
func (s *Server) procedureName(code string) string {
	if code == "" || s.Procedures == nil {
		return code
	}
	if p, ok := s.Procedures().Get(code); ok && p.Name != "" {
		return p.Name
	}
	return code
}
