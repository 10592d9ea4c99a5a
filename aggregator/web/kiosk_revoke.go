package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// kioskRevoke answers POST /api/v1/kiosks/:id/revoke: the kiosk's
// credential is refused from its next request on, without a restart.
func (s *Server) kioskRevoke(c *fiber.Ctx) error {
	if err := notFromForm(c, fiber.MIMEApplicationJSON); err != nil {
		return err
	}
	if err := s.revokeKiosk(c, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// revokeKiosk revokes a kiosk of the principal's scope and records it.
func (s *Server) revokeKiosk(c *fiber.Ctx, id string) error {
	adm, err := s.admin()
	if err != nil {
		return err
	}
	_, err = s.kioskInScope(c, id)
	if err == nil {
		err = adm.RevokeKiosk(c.UserContext(), id)
	}
	s.audit(c, actionKioskRevoke, "kiosk "+auditName(id), "", err)
	return err
}

// kioskInScope checks that the kiosk exists in the principal's scope.
func (s *Server) kioskInScope(c *fiber.Ctx, id string) (hailong.Enrolment, error) {
	if s.Enrolled == nil {
		return hailong.Enrolment{}, hailong.Errorf(hailong.EUNAVAILABLE, "Enrolled kiosks are not available.")
	}
	list, err := s.Enrolled.List(c.UserContext())
	if err != nil {
		return hailong.Enrolment{}, err
	}
	return s.credentialInScope(c, list, id)
}
