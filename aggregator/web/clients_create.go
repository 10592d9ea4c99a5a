package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/fiberapp"
	"hailong/syncapi"
)

// clientsCreate answers POST /api/v1/clients: enrols a one-stop client
// (a program reporting dossier outcomes) for a unit in the principal's
// scope, and shows its credential once.
func (s *Server) clientsCreate(c *fiber.Ctx) error {
	var req enrolRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	cred, err := s.enrolClient(c, req.ID, req.Unit)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(credentialJSON{ID: req.ID, Unit: req.Unit, Credential: cred})
}

// enrolClient checks the unit, enrols and records the act.
func (s *Server) enrolClient(c *fiber.Ctx, id, unit string) (string, error) {
	adm, err := s.admin()
	if err != nil {
		return "", err
	}
	err = s.unitForEnrolment(c, unit)
	var cred string
	if err == nil {
		var k syncapi.Credential
		if k, err = adm.EnrolClient(c.UserContext(), id, unit); err == nil {
			cred = k.String()
		}
	}
	s.audit(c, actionClientAdd, "client "+auditName(id), "unit "+auditName(unit), err)
	return cred, err
}
