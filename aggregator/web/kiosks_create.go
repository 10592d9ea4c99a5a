package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/fiberapp"
	"hailong/syncapi"
)

// kiosksCreate answers POST /api/v1/kiosks: enrols a kiosk for a unit in
// the principal's scope and shows its credential once. The kiosk may
// upload at once.
func (s *Server) kiosksCreate(c *fiber.Ctx) error {
	adm, err := s.admin()
	if err != nil {
		return err
	}
	var req enrolRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	cred, err := s.enrolKiosk(c, adm, req.ID, req.Unit)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(credentialJSON{ID: req.ID, Unit: req.Unit, Credential: cred})
}

// enrolKiosk checks the unit, enrols and records the act: the API's and
// the page's one way.
func (s *Server) enrolKiosk(c *fiber.Ctx, adm Admin, id, unit string) (string, error) {
	err := s.unitForEnrolment(c, unit)
	var cred string
	if err == nil {
		var k syncapi.Credential
		if k, err = adm.EnrolKiosk(c.UserContext(), id, unit); err == nil {
			cred = k.String()
		}
	}
	s.audit(c, actionKioskAdd, "kiosk "+auditName(id), "unit "+auditName(unit), err)
	return cred, err
}
