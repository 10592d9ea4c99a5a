package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/syncapi"
)

// kioskRotate answers POST /api/v1/kiosks/:id/rotate: a new credential,
// shown once; the old one is refused from its next request on. The kiosk's
// QR signing key derives from its secret, so the QR links it signed before
// the rotation no longer verify: a citizen holding one is told the link is
// not valid, and the kiosk signs new links once it has the new credential.
func (s *Server) kioskRotate(c *fiber.Ctx) error {
	if err := notFromForm(c, fiber.MIMEApplicationJSON); err != nil {
		return err
	}
	id := c.Params("id")
	cred, err := s.rotateKiosk(c, id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(credentialJSON{ID: id, Unit: cred.unit, Credential: cred.secret})
}

type rotated struct{ unit, secret string }

// rotateKiosk rotates a kiosk of the principal's scope and records it.
func (s *Server) rotateKiosk(c *fiber.Ctx, id string) (rotated, error) {
	adm, err := s.admin()
	if err != nil {
		return rotated{}, err
	}
	var out rotated
	k, err := s.kioskInScope(c, id)
	if err == nil {
		var cred syncapi.Credential
		if cred, err = adm.RotateKiosk(c.UserContext(), id); err == nil {
			out = rotated{unit: k.Unit, secret: cred.String()}
		}
	}
	s.audit(c, actionKioskRotate, "kiosk "+auditName(id), "", err)
	return out, err
}
