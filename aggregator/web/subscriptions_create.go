package web

import (
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
// fields, in the page's language; other errors are returned.
func (s *Server) subscriptionsRefused(c *fiber.Ctx, err error, p subscriptionsPage) error {
	if hailong.ErrorCode(err) != hailong.EINVALID {
		return err
	}
	w := areaWords(pageLang(c), "subscriptions")
	p.Problem = map[string]string{}
	for _, f := range hailong.ErrorFields(err) {
		msg, ok := w[subscriptionMessages[f.Message]]
		if f.Field == "email" {
			msg, ok = w["err_email"], true
		}
		if !ok {
			msg = f.Message
		}
		p.Problem[f.Field] = msg
	}
	return s.subscriptionsRender(c, fiber.StatusBadRequest, p)
}
