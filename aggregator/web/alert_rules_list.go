package web

import "github.com/gofiber/fiber/v2"

// alertRulesJSON is the body of GET /api/v1/alert-rules.
type alertRulesJSON struct {
	Rules []ruleJSON `json:"rules"`
}

// alertRulesList answers GET /api/v1/alert-rules: the rules that concern
// the principal's scope (over every unit, a unit above it or within it).
func (s *Server) alertRulesList(c *fiber.Ctx) error {
	eng, err := s.alertEngine()
	if err != nil {
		return err
	}
	visible := s.ruleVisible(c)
	out := alertRulesJSON{Rules: []ruleJSON{}}
	for _, r := range eng.Rules() {
		if visible(r) {
			out.Rules = append(out.Rules, ruleToJSON(r))
		}
	}
	return c.JSON(out)
}
