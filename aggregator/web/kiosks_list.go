package web

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/fleet"
)

// KioskLister lists the enrolled kiosks, revoked ones included.
type KioskLister interface {
	List(ctx context.Context) ([]hailong.Enrolment, error)
}

// FleetLimits say when a kiosk needs attention; a zero field takes its
// default.
type FleetLimits struct {
	// SilentAfter: a kiosk not heard from for longer is silent. Kiosks
	// send a heartbeat every 30 s when idle (the uploader's Idle).
	SilentAfter time.Duration
	// StuckAfter: a kiosk whose oldest queued rating is older is stuck.
	StuckAfter time.Duration
	// ClockTolerance: a clock offset beyond it is flagged.
	ClockTolerance time.Duration
}

// Defaults of FleetLimits.
const (
	DefaultSilentAfter    = 15 * time.Minute
	DefaultStuckAfter     = time.Hour
	DefaultClockTolerance = 2 * time.Minute
)

func (l FleetLimits) withDefaults() FleetLimits {
	l.SilentAfter = cmp.Or(l.SilentAfter, DefaultSilentAfter)
	l.StuckAfter = cmp.Or(l.StuckAfter, DefaultStuckAfter)
	l.ClockTolerance = cmp.Or(l.ClockTolerance, DefaultClockTolerance)
	return l
}

// Kiosk statuses, worst first: the order of the list.
const (
	statusNeverSeen = "never_seen"
	statusSilent    = "silent"
	statusStuck     = "stuck"
	statusAttention = "attention"
	statusOK        = "ok"
	statusRevoked   = "revoked"
)

var statusOrder = []string{statusNeverSeen, statusSilent, statusStuck, statusAttention, statusOK, statusRevoked}

type reasonJSON struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

type kioskJSON struct {
	Kiosk    string    `json:"kiosk"`
	Unit     string    `json:"unit"`
	UnitName string    `json:"unit_name,omitempty"`
	Enrolled time.Time `json:"enrolled"`
	Revoked  bool      `json:"revoked"`
	// Status is the worst of Problems, or ok, or revoked.
	Status   string     `json:"status"`
	Problems []string   `json:"problems"`
	LastSeen *time.Time `json:"last_seen"`
	// SilentS is how long since the kiosk was last seen, in seconds.
	SilentS    *int64     `json:"silent_s"`
	LastReport *time.Time `json:"last_report"`
	Version    string     `json:"version,omitempty"`
	// ReportedUnit is the unit the node is configured with, as it last
	// reported; UnitMismatch when it is not the enrolment's.
	ReportedUnit string     `json:"reported_unit,omitempty"`
	UnitMismatch bool       `json:"unit_mismatch"`
	Queued       int64      `json:"queued"`
	OldestQueued *time.Time `json:"oldest_queued"`
	// OldestQueuedAgeS is the oldest queued rating's age now, in seconds,
	// if it is still queued: its age on the kiosk's clock at the last
	// report, plus the time since.
	OldestQueuedAgeS  *int64       `json:"oldest_queued_age_s"`
	Failed            int64        `json:"failed"`
	FailedReasons     []reasonJSON `json:"failed_reasons"`
	Quarantined       int64        `json:"quarantined"`
	QuarantineReasons []reasonJSON `json:"quarantine_reasons"`
	FreeDisk          *int64       `json:"free_disk"`
	ClockOffsetMS     *int64       `json:"clock_offset_ms"`
	ClockSkew         bool         `json:"clock_skew"`
	LastRating        *time.Time   `json:"last_rating"`
	LastError         string       `json:"last_error,omitempty"`

	rank    int
	silent  time.Duration
	oldestQ time.Duration
}

type kiosksJSON struct {
	Clock            time.Time   `json:"clock"`
	SilentAfterS     int64       `json:"silent_after_s"`
	StuckAfterS      int64       `json:"stuck_after_s"`
	ClockToleranceMS int64       `json:"clock_tolerance_ms"`
	Kiosks           []kioskJSON `json:"kiosks"`
}

// kiosksList answers GET /api/v1/kiosks: every enrolled kiosk with its
// latest health report, those needing attention first: never seen, then
// silent (longest first), stuck (oldest queued rating first), other
// problems, fine, revoked; then by unit and id. Filters: unit (its subtree
// in the structure in force today) and status (a comma-separated list).
// Only kiosks of units in the principal's scope are listed.
func (s *Server) kiosksList(c *fiber.Ctx) error {
	now := s.Now()
	lim := s.FleetLimits.withDefaults()
	var fields []hailong.FieldError
	statuses := map[string]bool{}
	for _, st := range strings.Split(c.Query("status"), ",") {
		switch st = strings.TrimSpace(st); {
		case st == "":
		case slices.Contains(statusOrder, st):
			statuses[st] = true
		default:
			fields = append(fields, hailong.FieldError{Field: "status", Message: fmt.Sprintf("%q is not one of %s", st, strings.Join(statusOrder, ", "))})
		}
	}
	if len(fields) > 0 {
		return hailong.Invalid("The query is not valid.", fields...)
	}
	views, err := s.fleetInScope(c, c.Query("unit"), now)
	if err != nil {
		return err
	}
	out := kiosksJSON{Clock: now.UTC(), SilentAfterS: int64(lim.SilentAfter / time.Second),
		StuckAfterS: int64(lim.StuckAfter / time.Second), ClockToleranceMS: lim.ClockTolerance.Milliseconds(), Kiosks: []kioskJSON{}}
	for _, v := range views {
		if len(statuses) == 0 || statuses[v.Status] {
			out.Kiosks = append(out.Kiosks, v)
		}
	}
	return c.JSON(out)
}

// fleetInScope judges every enrolled kiosk of the reader's scope, or of
// unit's subtree in the structure in force today, worst first: never seen,
// silent (longest first), stuck (oldest queued rating first), other
// problems, fine, revoked; then by unit and id.
func (s *Server) fleetInScope(c *fiber.Ctx, unit string, now time.Time) ([]kioskJSON, error) {
	today := hailong.DateOf(now)
	lim := s.FleetLimits.withDefaults()
	var inScope map[string]bool
	if unit != "" {
		if _, err := s.inScope(c, unit, today); err != nil {
			return nil, err
		}
		units, err := s.Units().Subtree(unit, today)
		if err != nil {
			return nil, err
		}
		inScope = make(map[string]bool, len(units))
		for _, u := range units {
			inScope[u] = true
		}
	}
	if s.Enrolled == nil {
		return nil, nil
	}
	enrolled, err := s.Enrolled.List(c.UserContext())
	if err != nil {
		return nil, err
	}
	reports := map[string]fleet.Report{}
	if s.Fleet != nil {
		for _, r := range s.Fleet.Reports() {
			reports[r.Kiosk] = r
		}
	}
	var out []kioskJSON
	allowed := s.scopeFilter(c, today)
	for _, k := range enrolled {
		if inScope != nil && !inScope[k.Unit] || !allowed(k.Unit) {
			continue
		}
		r, seen := reports[k.ID]
		v := kioskView(k, r, seen, now, lim)
		if u, ok := s.Units().At(k.Unit, today); ok {
			v.UnitName = u.Name
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b kioskJSON) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), -cmp.Compare(a.silent, b.silent), -cmp.Compare(a.oldestQ, b.oldestQ),
			strings.Compare(a.Unit, b.Unit), strings.Compare(a.Kiosk, b.Kiosk))
	})
	return out, nil
}

// kioskView judges one kiosk from its latest report.
func kioskView(k hailong.Enrolment, r fleet.Report, seen bool, now time.Time, lim FleetLimits) kioskJSON {
	v := kioskJSON{Kiosk: k.ID, Unit: k.Unit, Enrolled: k.Created.UTC(), Revoked: k.Revoked,
		Problems: []string{}, FailedReasons: []reasonJSON{}, QuarantineReasons: []reasonJSON{}}
	if !seen {
		v.Problems = append(v.Problems, statusNeverSeen)
	} else {
		v.LastSeen = utcPtr(r.Seen)
		v.silent = max(now.Sub(r.Seen), 0)
		silentS := int64(v.silent / time.Second)
		v.SilentS = &silentS
		if v.silent > lim.SilentAfter {
			v.Problems = append(v.Problems, statusSilent)
		}
	}
	if r.OffsetKnown {
		ms := r.ClockOffset.Milliseconds()
		v.ClockOffsetMS = &ms
		v.ClockSkew = r.ClockOffset > lim.ClockTolerance || -r.ClockOffset > lim.ClockTolerance
	}
	if h := r.Health; h != nil {
		v.LastReport = utcPtr(r.Reported)
		v.Version, v.ReportedUnit = h.Version, h.Unit
		v.UnitMismatch = h.Unit != "" && h.Unit != k.Unit
		v.Queued, v.Failed, v.Quarantined = h.Queued, h.Failed, h.Quarantined
		v.FailedReasons, v.QuarantineReasons = reasonList(h.FailedReasons), reasonList(h.QuarantineReasons)
		if h.FreeDisk >= 0 {
			v.FreeDisk = &h.FreeDisk
		}
		if h.LastRating != nil {
			v.LastRating = utcPtr(*h.LastRating)
		}
		v.LastError = h.LastError
		if h.OldestQueued != nil && h.Queued > 0 {
			v.OldestQueued = utcPtr(*h.OldestQueued)
			reportedAt := h.Clock // the kiosk's clock, as the oldest rating's time is
			if reportedAt.IsZero() {
				reportedAt = r.Reported
			}
			v.oldestQ = max(reportedAt.Sub(*h.OldestQueued), 0) + max(now.Sub(r.Reported), 0)
			age := int64(v.oldestQ / time.Second)
			v.OldestQueuedAgeS = &age
			if v.oldestQ > lim.StuckAfter {
				v.Problems = append(v.Problems, statusStuck)
			}
		}
	}
	for _, p := range []struct {
		name string
		on   bool
	}{{"unit_mismatch", v.UnitMismatch}, {"clock_skew", v.ClockSkew}, {"failed", v.Failed > 0},
		{"quarantined", v.Quarantined > 0}, {"error", v.LastError != ""}} {
		if p.on {
			v.Problems = append(v.Problems, p.name)
		}
	}
	switch {
	case k.Revoked:
		v.Status = statusRevoked
	case len(v.Problems) == 0:
		v.Status = statusOK
	case slices.Contains(statusOrder, v.Problems[0]):
		v.Status = v.Problems[0]
	default:
		v.Status = statusAttention
	}
	v.rank = slices.Index(statusOrder, v.Status)
	if v.Status != statusSilent {
		v.silent = 0 // only the silent are ordered by how long
	}
	return v
}

// reasonList lists reasons, the most frequent first.
func reasonList(m map[string]int64) []reasonJSON {
	out := make([]reasonJSON, 0, len(m))
	for reason, n := range m {
		out = append(out, reasonJSON{reason, n})
	}
	slices.SortFunc(out, func(a, b reasonJSON) int {
		return cmp.Or(-cmp.Compare(a.Count, b.Count), strings.Compare(a.Reason, b.Reason))
	})
	return out
}

func utcPtr(t time.Time) *time.Time {
	t = t.UTC()
	return &t
}
