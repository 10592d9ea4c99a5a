package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/fiberapp"
)

// alertRulesUpdate answers PATCH /api/v1/alert-rules/:id: the fields
// given change (enabled: false disables the rule); the rule's unit, old
// and new, must lie in the principal's scope.
func (s *Server) alertRulesUpdate(c *fiber.Ctx) error {
	eng, err := s.alertEngine()
	if err != nil {
		return err
	}
	r, err := s.ruleInScope(c, eng, c.Params("id"))
	if err != nil {
		return err
	}
	var in ruleInput
	if err := fiberapp.DecodeJSON(c, &in); err != nil {
		return err
	}
	in.apply(&r)
	if r, err = s.saveRule(c, eng, r, "en"); err != nil {
		return err
	}
	return c.JSON(ruleToJSON(r))
}
