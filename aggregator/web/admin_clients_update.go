package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// adminClientsUpdate takes the forms of /admin/clients (action enrol or
// revoke), through the same checks and audit as the API.
func (s *Server) adminClientsUpdate(c *fiber.Ctx) error {
	var p fleetPage
	var err error
	id := c.FormValue("id")
	switch c.FormValue("action") {
	case "enrol":
		var cred string
		if cred, err = s.enrolClient(c, id, c.FormValue("unit")); err == nil {
			p.Notice, p.Credential, p.CredentialFor = "enrolled_ok", cred, id
		}
	case "revoke":
		if err = s.revokeClient(c, id); err == nil {
			p.Notice = "revoked_ok"
		}
	default:
		err = hailong.Invalid("The form is not valid.", hailong.FieldError{Field: "action", Message: "is enrol or revoke"})
	}
	status, err := p.settle(pageLang(c), err)
	if err != nil {
		return err
	}
	return s.adminClientsRender(c, status, p)
}
