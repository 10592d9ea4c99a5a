package web

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
)

func init() {
	addWords(map[string]string{
		"err_invalid":     "Yêu cầu chưa hợp lệ:",
		"err_forbidden":   "Bạn không có quyền xem nội dung này. Phạm vi của tài khoản không gồm đơn vị đã chọn, hoặc tài khoản chưa được cấp quyền này.",
		"err_not_found":   "Không tìm thấy nội dung đã yêu cầu.",
		"err_other":       "Không thực hiện được yêu cầu. Xin thử lại sau.",
		"err_unavailable": "Hiện chưa đọc được dữ liệu cần cho trang này từ cơ sở dữ liệu. Xin thử lại sau ít phút.",
		"err_back":        "Về trang Tổng quan",
	}, map[string]string{
		"err_invalid":     "The request is not valid:",
		"err_forbidden":   "You may not see this. Your account's scope does not include the chosen unit, or the account lacks this permission.",
		"err_not_found":   "What was asked for was not found.",
		"err_other":       "The request could not be done. Please try again later.",
		"err_unavailable": "The data this page needs cannot be read from the database at the moment. Please try again in a few minutes.",
		"err_back":        "Back to the overview",
	})
}

// errUnreadable answers a request whose data cannot be read from the
// database now (it is there, and the next request may read it), without
// the database's words.
var errUnreadable = hailong.Errorf(hailong.EUNAVAILABLE, "The data asked for could not be read from the database; try again in a minute.")

// errorPage is a page's refusal in the page's frame and language.
type errorPage struct {
	Frame
	Message string
	// Why is the refusal's own reason, in the page's language.
	Why    string
	Fields []hailong.FieldError
	Back   string
}

// pageErrors answers a page's refusal (bad input, out of scope, not
// found, data that cannot be read now) as a page in the frame, in the page's language, rather than as
// the server's bare error page: a browser asking for a page gets a page.
// Programs asking for JSON, and faults of ours, go to the error handler.
func (s *Server) pageErrors(c *fiber.Ctx, err error) error {
	var e *hailong.Error
	if err == nil || !errors.As(err, &e) || !fiberapp.WantsHTML(c) {
		return err
	}
	key, status := "", 0
	switch e.Code {
	case hailong.EINVALID:
		key, status = "err_invalid", http.StatusBadRequest
	case hailong.EFORBIDDEN:
		key, status = "err_forbidden", http.StatusForbidden
	case hailong.ENOTFOUND:
		key, status = "err_not_found", http.StatusNotFound
	case hailong.EUNAVAILABLE:
		if !errors.Is(err, errUnreadable) {
			return err // a part this server does not have says so itself
		}
		key, status = "err_unavailable", http.StatusServiceUnavailable
	default:
		return err
	}
	// The response may hold part of a page or a file's headers; the
	// headers every answer carries (the security policy, the CSRF
	// cookie) stay.
	c.Response().ResetBody()
	c.Response().Header.Del(fiber.HeaderContentDisposition)
	f := s.frame(c, "", key)
	p := errorPage{Frame: f, Message: f.T[key], Back: "/?lang=" + f.Lang}
	f.Title = f.T["app"]
	p.Frame = f
	if e.Code == hailong.EFORBIDDEN {
		// Why, when it can be said in the page's language: the rule's
		// own reason (a permission, the province's scope) is more help
		// than the general one.
		if why := errorSaidIn(f.Lang, err); f.Lang != "vi" || why != hailong.ErrorMessage(err) {
			p.Why = why
		}
	}
	if e.Code == hailong.EINVALID {
		// Field messages are written in the page's language where the
		// page reads its query (report.Problems, downloads).
		p.Fields = e.Fields
	}
	return s.render(c, status, "page_error.html", p)
}
