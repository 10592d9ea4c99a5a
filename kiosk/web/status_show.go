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
	// LastAttempt and LastError tell an operator what the uploader last
	// met; "unreachable" alone cannot tell "never tried" from "failing".
	LastAttempt *time.Time `json:"last_attempt"`
	LastError   string     `json:"last_error,omitempty"`
	// Problems lists what an operator must fix for the node's ratings to
	// count; ClockOffsetMS is the node's clock minus the aggregator's.
	Problems      []string `json:"problems"`
	ClockOffsetMS *int64   `json:"clock_offset_ms"`
	// Quarantined counts outbox entries that could not be read, kept
	// aside for an operator (kiosk quarantine); StoreError is the outbox's
	// last write error, or why it records nothing now (disk full).
	Quarantined int64  `json:"quarantined"`
	StoreError  string `json:"store_error,omitempty"`
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
	out := statusResponse{
		Kiosk: s.Kiosk, Unit: s.Unit,
		Queued: st.Queued, Synced: st.Synced, Failed: st.Failed, LastSync: st.LastSync,
		Aggregator: agg, Quarantined: st.Quarantined, StoreError: st.LastError,
	}
	out.Problems = []string{}
	if s.Problems != nil {
		out.Problems = append(out.Problems, s.Problems()...)
	}
	if p := s.ClockProblem(); p != "" {
		out.Problems = append(out.Problems, p)
	}
	if s.ClockOffset != nil {
		if d, ok := s.ClockOffset(); ok {
			ms := d.Milliseconds()
			out.ClockOffsetMS = &ms
		}
	}
	if at, msg := s.Uploader.LastAttempt(); !at.IsZero() {
		out.LastAttempt, out.LastError = &at, msg
	}
	return c.JSON(out)
}
