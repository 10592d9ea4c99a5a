package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/fleet"
	"hailong/fiberapp"
	"hailong/syncapi"
)

// Fleet keeps the latest health report of every kiosk.
type Fleet interface {
	Record(kiosk string, h *syncapi.Health, clock *time.Time, received time.Time) fleet.Report
	Reports() []fleet.Report
}

// heartbeatCreate takes an idle kiosk's health report and answers with the
// aggregator's clock and the kiosk's offset from it. A report that breaks
// the limits is refused whole and nothing is recorded.
func (s *Server) heartbeatCreate(c *fiber.Ctx) error {
	received := s.Now()
	k := credentialOf(c) // authenticated by the route's rule
	var h syncapi.Health
	if err := fiberapp.DecodeJSON(c, &h, fiberapp.ControlsCheckedLater("failed_reasons", "quarantine_reasons", "last_error")); err != nil {
		return err
	}
	if err := h.Check(); err != nil {
		return err
	}
	r := s.Fleet.Record(k.ID, &h, nil, received)
	return c.JSON(syncapi.HeartbeatResponse{Clock: received.UTC(), ClockOffsetMS: r.ClockOffset.Milliseconds()})
}

// recordUpload notes an authenticated upload in fleet health: the kiosk was
// seen, and its report and clock if it sent them. A report over the limits
// is clipped, not refused: diagnostics never hold back ratings.
func (s *Server) recordUpload(k hailong.Enrolment, req *syncapi.Request, received time.Time) {
	if s.Fleet == nil {
		return
	}
	var h *syncapi.Health
	if req.Health != nil {
		clipped := req.Health.Clip()
		h = &clipped
	}
	s.Fleet.Record(k.ID, h, req.SentAt, received)
}
