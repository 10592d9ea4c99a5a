package web

import (
	"fmt"
	"time"

	"hailong"
)

// ClockFloor is the earliest time a node's clock can show: the node was
// built after it. A node without a real-time clock boots at 1970, or at
// its image's build date, until NTP sets it.
var ClockFloor = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// DefaultClockTolerance is how far behind the aggregator's clock at the
// last contact the node's clock may be before the node refuses to record.
const DefaultClockTolerance = 5 * time.Minute

// ClockProblem says why the node's clock cannot be trusted now, or "".
// A rating takes the node's time; one timed before the kiosk's enrolment
// is refused by the aggregator for good, so a node thanking citizens with
// a clock in 1970 would lose every rating. The clock is implausible when
// it is before ClockFloor, or before the aggregator's clock at the last
// contact (EarliestClock: cached across restarts) by more than the
// tolerance: time does not run backwards between two contacts.
func (s *Server) ClockProblem() string {
	now := s.Now()
	floor, source := ClockFloor, "the earliest date this software runs at"
	if s.EarliestClock != nil {
		if t, ok := s.EarliestClock(); ok && t.After(floor) {
			floor, source = t.Add(-s.ClockTolerance), "the aggregator's clock at the last contact"
		}
	}
	if !now.Before(floor) {
		return ""
	}
	return fmt.Sprintf("the node's clock is wrong: it shows %s, before %s (%s); no rating is recorded until the clock is set right (NTP, or the real-time clock)",
		now.UTC().Format(time.RFC3339), floor.UTC().Format(time.RFC3339), source)
}

// clockWrong is the answer to a request that would record or sign a time
// while the clock is wrong.
func (s *Server) clockWrong() error {
	p := s.ClockProblem()
	if p == "" {
		return nil
	}
	s.Logger.Error("refusing to record: " + p)
	return hailong.Errorf(hailong.EUNAVAILABLE, "This kiosk cannot record ratings now: %s. Nothing was recorded.", p)
}
