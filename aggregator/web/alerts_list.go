package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// alertsJSON is the body of GET /api/v1/alerts.
type alertsJSON struct {
	Alerts []hailong.Alert `json:"alerts"`
}

// alertsList answers GET /api/v1/alerts: the alerts of the units of a
// subtree (unit, the principal's scope by default) within the scope, open
// first and newest first; filters state, kind, and from and to (dates,
// inclusive) on when they opened.
func (s *Server) alertsList(c *fiber.Ctx) error {
	eng, err := s.alertEngine()
	if err != nil {
		return err
	}
	f, problems, err := s.alertFilter(c, alertQueryOf(c), "en")
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return problemsErr(problems)
	}
	list, err := eng.Alerts(c.UserContext(), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []hailong.Alert{}
	}
	return c.JSON(alertsJSON{Alerts: list})
}
