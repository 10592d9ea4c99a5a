package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// adminKiosksUpdate takes the forms of /admin/kiosks (action enrol, revoke
// or rotate), through the same checks and audit as the API, and shows the
// page again: with the credential, once, after an enrolment or a rotation.
func (s *Server) adminKiosksUpdate(c *fiber.Ctx) error {
	adm, err := s.admin()
	if err != nil {
		return err
	}
	var p fleetPage
	id := c.FormValue("id")
	switch c.FormValue("action") {
	case "enrol":
		var cred string
		if cred, err = s.enrolKiosk(c, adm, id, c.FormValue("unit")); err == nil {
			p.Notice, p.Credential, p.CredentialFor = "enrolled_ok", cred, id
		}
	case "revoke":
		if err = s.revokeKiosk(c, id); err == nil {
			p.Notice = "revoked_ok"
		}
	case "rotate":
		var r rotated
		if r, err = s.rotateKiosk(c, id); err == nil {
			p.Notice, p.Credential, p.CredentialFor = "rotated_ok", r.secret, id
		}
	default:
		err = hailong.Invalid("The form is not valid.", hailong.FieldError{Field: "action", Message: "is enrol, revoke or rotate"})
	}
	status, err := p.settle(pageLang(c), err)
	if err != nil {
		return err
	}
	return s.adminKiosksRender(c, status, p)
}
