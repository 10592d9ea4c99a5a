package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// healthShow answers 200 only when the node can durably record a rating:
// its outbox is open, its last write did not fail (or a probe write now
// succeeds) and its disk has room. A supervisor or a monitor polling it
// sees a broken store or a full disk as 503, not as a node that thanks
// citizens for ratings it cannot keep. So is a clock that cannot be right
// (ClockProblem): the ratings would carry a time the aggregator refuses.
func (s *Server) healthShow(c *fiber.Ctx) error {
	if err := s.Outbox.Writable(); err != nil {
		s.Logger.Error("health check: outbox cannot record", "err", err)
		return &hailong.Error{Code: hailong.EUNAVAILABLE, Message: "The rating store cannot record ratings: " + err.Error()}
	}
	if p := s.ClockProblem(); p != "" {
		return &hailong.Error{Code: hailong.EUNAVAILABLE, Message: "The node cannot record ratings: " + p}
	}
	return c.SendString(fmt.Sprintf("ok %s\n", s.Kiosk))
}
