package web

import (
	"fmt"
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// subscriptionsCreate takes the form of /account/subscriptions; bad input
// gives the form back with the message beside its field.
func (s *Server) subscriptionsCreate(c *fiber.Ctx) error {
	subs, err := s.subscriptions()
	if err != nil {
		return err
	}
	form := subscriptionForm{Unit: c.FormValue("unit"), Kind: c.FormValue("kind"), Lang: c.FormValue("sub_lang")}
	_, err = subs.Add(actx(c), principalOf(c), form.Unit, hailong.SubscriptionKind(form.Kind), form.Lang)
	if err != nil {
		return s.subscriptionsRefused(c, err, subscriptionsPage{Form: form})
	}
	return s.subscriptionsRender(c, fiber.StatusCreated, subscriptionsPage{Notice: areaWords(pageLang(c), "subscriptions")["added"]})
}

// subscriptionsRefused puts a refusal's field messages beside their
// fields, in the page's language: bad input answered 400, a conflict
// with a field to show it by (a subscription already held) 409. Other
// errors are returned.
func (s *Server) subscriptionsRefused(c *fiber.Ctx, err error, p subscriptionsPage) error {
	status := fiber.StatusBadRequest
	switch hailong.ErrorCode(err) {
	case hailong.EINVALID:
	case hailong.ECONFLICT:
		if len(hailong.ErrorFields(err)) == 0 {
			return err
		}
		status = fiber.StatusConflict
	default:
		return err
	}
	w := areaWords(pageLang(c), "subscriptions")
	p.Problem = map[string]string{}
	for _, f := range hailong.ErrorFields(err) {
		key, args := f.Message, []any(nil)
		if f.Said != nil { // a message with values: said with them
			key, args = f.Said.Format, f.Said.Args
		}
		msg, ok := w[subscriptionMessages[key]]
		if ok && len(args) > 0 {
			msg = fmt.Sprintf(msg, args...)
		}
		if f.Field == "email" {
			msg, ok = w["err_email"], true
		}
		if !ok {
			msg = f.Message
		}
		p.Problem[f.Field] = msg
	}
	return s.subscriptionsRender(c, status, p)
}
