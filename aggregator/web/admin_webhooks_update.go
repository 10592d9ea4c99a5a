package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/webhooks"
	"hailong/fiberapp"
)

// adminWebhooksUpdate takes the forms of /admin/webhooks (action create,
// enable, disable, delete, test or resend), through the same checks and
// audit as the API.
func (s *Server) adminWebhooksUpdate(c *fiber.Ctx) error {
	var p webhooksPage
	var err error
	id := c.FormValue("id")
	switch c.FormValue("action") {
	case "create":
		args := c.Request().PostArgs()
		p.Form = webhookRequest{URL: c.FormValue("url"), Unit: c.FormValue("unit"), Description: c.FormValue("description")}
		for _, e := range args.PeekMulti("events") {
			p.Form.Events = append(p.Form.Events, hailong.EventType(e))
		}
		var sub webhooks.Subscription
		if sub, err = s.createWebhook(c, p.Form); err == nil {
			p.Notice, p.Secret, p.SecretFor, p.Form = "created", sub.Secret, sub.URL, webhookRequest{}
		}
	case "enable", "disable":
		on := c.FormValue("action") == "enable"
		if _, err = s.updateWebhook(c, id, webhooks.Change{Enabled: &on}); err == nil {
			p.Notice = map[bool]string{true: "enabled_ok", false: "disabled_ok"}[on]
		}
	case "delete":
		if err = s.deleteWebhook(c, id); err == nil {
			p.Notice = "deleted"
		}
	case "test":
		if _, err = s.pingWebhook(c, id); err == nil {
			p.Notice = "tested"
		}
	case "resend":
		if err = s.resendDead(c, id); err == nil {
			p.Notice = "resent"
		}
	default:
		err = hailong.Invalid("The form is not valid.", hailong.FieldError{Field: "action", Message: "is create, enable, disable, delete, test or resend"})
	}
	status := fiber.StatusOK
	if err != nil {
		status = fiberapp.Status(hailong.ErrorCode(err))
		if hailong.ErrorCode(err) == "" || status >= 500 {
			return err
		}
		p.Error, p.Message = "failed", errorSaidIn(pageLang(c), err)
		if len(hailong.ErrorFields(err)) > 0 {
			p.Error, p.Message = "invalid", "" // each field says what is wrong, in the page's words
		}
		for _, f := range hailong.ErrorFields(err) {
			if p.Fields == nil {
				p.Fields = map[string]string{}
			}
			if p.Fields[f.Field] == "" {
				p.Fields[f.Field] = fieldSaidIn(pageLang(c), f)
			}
		}
	}
	return s.webhooksRender(c, status, p)
}
