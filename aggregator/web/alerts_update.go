package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// alertsUpdate takes the forms of /alerts: action acknowledge, comment
// (with text) or close, on an alert of the reader's scope. Done, it goes
// back to the list as it was filtered; a refused comment comes back beside
// its field, a refused step (the alert changed meanwhile) as a notice.
func (s *Server) alertsUpdate(c *fiber.Ctx) error {
	lang := pageLang(c)
	action := map[string]string{"acknowledge": actionAlertAcknowledge, "comment": actionAlertComment, "close": actionAlertClose}[c.FormValue("action")]
	if action == "" { // a forged or stale form: said on the page, in its language
		return s.alertsRender(c, fiber.StatusBadRequest, "", "", "", alertWord(lang, "bad_action"))
	}
	id, text := c.Params("id"), c.FormValue("text")
	_, err := s.alertAct(c, id, action, text)
	switch hailong.ErrorCode(err) {
	case "":
	case hailong.ENOTFOUND:
		return s.alertsRender(c, fiber.StatusNotFound, "", "", "", alertWord(lang, "no_alert"))
	case hailong.EFORBIDDEN: // an alert out of the reader's scope: no more said of it than of none
		return s.alertsRender(c, fiber.StatusForbidden, "", "", "", alertWord(lang, "no_alert"))
	case hailong.EINVALID:
		return s.alertsRender(c, fiber.StatusBadRequest, id, alertWord(lang, "bad_comment"), text, "")
	case hailong.ECONFLICT:
		return s.alertsRender(c, fiber.StatusConflict, "", "", "", alertWord(lang, "conflict"))
	default:
		return err
	}
	back := url.Values{"lang": {lang}}
	for _, k := range []string{"unit", "state", "kind", "from", "to"} {
		if v := c.FormValue(k); v != "" {
			back.Set(k, v)
		}
	}
	return c.Redirect("/alerts?"+back.Encode()+"#alert-"+url.PathEscape(id), fiber.StatusSeeOther)
}
