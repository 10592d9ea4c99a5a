package web

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
)

type statusResponse struct {
	Kiosk      string     `json:"kiosk"`
	Unit       string     `json:"unit"`
	Queued     int64      `json:"queued"`
	Synced     int64      `json:"synced"`
	Failed     int64      `json:"failed"`
	LastSync   *time.Time `json:"last_sync"`
	Aggregator string     `json:"aggregator"`
}

func (s *Server) statusShow(c *fiber.Ctx) error {
	st, err := s.Outbox.Stats()
	if err != nil {
		return fmt.Errorf("outbox stats: %w", err)
	}
	agg := "unreachable"
	if ok, _ := s.Uploader.Reachable(); ok {
		agg = "reachable"
	}
	return c.JSON(statusResponse{
		Kiosk: s.Kiosk, Unit: s.Unit,
		Queued: st.Queued, Synced: st.Synced, Failed: st.Failed, LastSync: st.LastSync,
		Aggregator: agg,
	})
}
