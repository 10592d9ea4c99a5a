package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
)

// alertRulesCreate answers POST /api/v1/alert-rules: a new rule over a
// unit of the principal's scope (or every unit, for a province-wide
// principal), enabled unless the body says otherwise.
func (s *Server) alertRulesCreate(c *fiber.Ctx) error {
	eng, err := s.alertEngine()
	if err != nil {
		return err
	}
	var in ruleInput
	if err := fiberapp.DecodeJSON(c, &in); err != nil {
		return err
	}
	r := hailong.AlertRule{Enabled: true}
	in.apply(&r)
	if r, err = s.saveRule(c, eng, r, "en"); err != nil {
		return err
	}
	c.Location("/api/v1/alert-rules/" + r.ID)
	return c.Status(fiber.StatusCreated).JSON(ruleToJSON(r))
}
