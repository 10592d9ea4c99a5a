package web

import "github.com/gofiber/fiber/v2"

// alertRulesDelete answers DELETE /api/v1/alert-rules/:id: the rule is
// gone (a default one is not made again); its alerts stay, to be closed.
func (s *Server) alertRulesDelete(c *fiber.Ctx) error {
	eng, err := s.alertEngine()
	if err != nil {
		return err
	}
	r, err := s.ruleInScope(c, eng, c.Params("id"))
	if err != nil {
		return err
	}
	err = eng.DeleteRule(c.UserContext(), r.ID)
	s.audit(c, actionAlertRuleDelete, "alert rule "+r.ID, ruleDetail(r), err)
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
