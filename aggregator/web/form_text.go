package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// formText holds every value a page's form sends to hailong.CheckText, as
// the JSON API holds every string it decodes: valid UTF-8, no control
// character but the line break and the tab (after the CRLF browsers send
// for a line break is made \n). A form is raw bytes, so without it an alert's
// comment, a rule's or a user's name could be stored with a NUL in it,
// which the API refuses. The refusal names the field, in the page's
// language, and nothing is changed. Citizens' phone forms check their text
// field by field (phone_create.go), and are not behind it.
func (s *Server) formText(c *fiber.Ctx) error {
	var bad *hailong.FieldError
	check := func(name, v string) {
		if bad == nil && hailong.CheckText(hailong.NormalizeFormText(v)) != nil {
			bad = &hailong.FieldError{Field: name, Message: formTextProblem(pageLang(c), v)}
		}
	}
	// c.FormValue reads the query string before the body: what a form
	// handler reads may come from either.
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { check(string(k), string(v)) })
	if form, err := c.MultipartForm(); err == nil {
		for name, vs := range form.Value {
			for _, v := range vs {
				check(name, v)
			}
		}
	} else {
		c.Request().PostArgs().VisitAll(func(k, v []byte) { check(string(k), string(v)) })
	}
	if bad == nil {
		return c.Next()
	}
	msg := "The form was not sent: a field holds a character text may not have."
	if pageLang(c) == "vi" {
		msg = "Biểu mẫu chưa được gửi: một ô có ký tự không được phép trong văn bản."
	}
	return s.pageErrors(c, hailong.Invalid(msg, *bad))
}

// formTextProblem says in lang what CheckText refuses in v: in English as
// the API says it; in Vietnamese as the error says itself, with the rule
// for control characters.
func formTextProblem(lang, v string) string {
	err := hailong.CheckText(hailong.NormalizeFormText(v))
	var te *hailong.TextError
	if lang != "vi" || !errors.As(err, &te) {
		return err.Error()
	}
	if te.Invalid || te.Bidi {
		return te.Said(lang)
	}
	return te.Said(lang) + ": chỉ được xuống dòng và tab"
}
