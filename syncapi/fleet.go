package syncapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hailong"
)

// Paths of the other kiosk-to-aggregator calls. Both take the kiosk
// credential like Path.
const (
	// HeartbeatPath is where an idle kiosk posts its Health, so that a
	// silent centre is told from an empty one.
	HeartbeatPath = "/api/v1/heartbeat"
	// ConfigPath is where a kiosk reads its settings and the questionnaires
	// the aggregator publishes.
	ConfigPath = "/api/v1/kiosk/config"
)

// Health is what a kiosk reports of itself with every upload and every
// heartbeat. The aggregator keeps the latest per kiosk and serves it as
// fleet health.
type Health struct {
	// Version is the kiosk program's version.
	Version string `json:"version"`
	// Unit is the unit the node is configured with (-unit); a mismatch with
	// the enrolment is shown, not hidden.
	Unit string `json:"unit"`
	// Clock is the kiosk's clock when it sent the report.
	Clock time.Time `json:"clock"`
	// Queued counts ratings waiting for upload; OldestQueued is when the
	// oldest of them was recorded.
	Queued       int64      `json:"queued"`
	OldestQueued *time.Time `json:"oldest_queued,omitempty"`
	// Failed counts ratings the aggregator refused for good, Quarantined
	// outbox entries that could not be read; the reasons map a reason to
	// how many entries have it.
	Failed            int64            `json:"failed"`
	FailedReasons     map[string]int64 `json:"failed_reasons,omitempty"`
	Quarantined       int64            `json:"quarantined"`
	QuarantineReasons map[string]int64 `json:"quarantine_reasons,omitempty"`
	// FreeDisk is the free space in bytes of the outbox's file system; -1
	// when unknown.
	FreeDisk int64 `json:"free_disk"`
	// LastRating is when the node last recorded a rating.
	LastRating *time.Time `json:"last_rating,omitempty"`
	// LastError is the node's last problem (upload, store, configuration).
	LastError string `json:"last_error,omitempty"`
}

// HeartbeatResponse answers a heartbeat with the aggregator's clock, so a
// kiosk can show its own offset.
type HeartbeatResponse struct {
	Clock time.Time `json:"clock"`
	// ClockOffsetMS is the kiosk's clock minus the aggregator's, as the
	// aggregator measured it, in milliseconds.
	ClockOffsetMS int64 `json:"clock_offset_ms"`
}

// Config is what the aggregator tells a kiosk of itself: its enrolment and
// the questionnaires it publishes. A kiosk caches it durably and offers only
// questionnaire versions listed here; the copy embedded in the kiosk is the
// default only until it first reaches the aggregator.
type Config struct {
	Kiosk    string `json:"kiosk"`
	Unit     string `json:"unit"`
	UnitName string `json:"unit_name,omitempty"`
	// Questionnaires holds every version of every questionnaire the
	// aggregator accepts, each as its JSON definition.
	Questionnaires []json.RawMessage `json:"questionnaires"`
	Clock          time.Time         `json:"clock"`
}

// Limits of a Health report. A report is diagnostics, so it is kept small:
// a kiosk folds rarer reasons together rather than send them all.
const (
	// MaxHealthReasons bounds each of FailedReasons and QuarantineReasons.
	MaxHealthReasons = 64
	// MaxHealthText bounds every string of a report, in characters.
	MaxHealthText = 2000
)

// Check validates a report: a clock, counts that are not negative, and
// strings and reason maps within the limits. It names every bad field.
func (h *Health) Check() error {
	var fields []hailong.FieldError
	bad := func(field, msg string) { fields = append(fields, hailong.FieldError{Field: field, Message: msg}) }
	if h.Clock.IsZero() {
		bad("clock", "is required: the kiosk's clock when it sent the report")
	}
	for field, n := range map[string]int64{"queued": h.Queued, "failed": h.Failed, "quarantined": h.Quarantined} {
		if n < 0 {
			bad(field, "must not be negative")
		}
	}
	if h.FreeDisk < -1 {
		bad("free_disk", "must be a number of bytes, or -1 when unknown")
	}
	for field, s := range map[string]string{"version": h.Version, "unit": h.Unit, "last_error": h.LastError} {
		if utf8.RuneCountInString(s) > MaxHealthText {
			bad(field, fmt.Sprintf("must be at most %d characters", MaxHealthText))
		}
	}
	for field, m := range map[string]map[string]int64{"failed_reasons": h.FailedReasons, "quarantine_reasons": h.QuarantineReasons} {
		if len(m) > MaxHealthReasons {
			bad(field, fmt.Sprintf("must hold at most %d reasons", MaxHealthReasons))
			continue
		}
		for reason, n := range m {
			if reason == "" || utf8.RuneCountInString(reason) > MaxHealthText || n < 0 {
				bad(field, fmt.Sprintf("each reason must be 1 to %d characters with a count that is not negative", MaxHealthText))
				break
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	slices.SortFunc(fields, func(a, b hailong.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return hailong.Invalid("The health report is not valid.", fields...)
}

// Clip returns h cut to the limits of Check: the most frequent reasons,
// with the rest counted under one, strings cut short, negative counts as
// zero. A kiosk clips what it sends, since a heartbeat beyond the limits is
// refused; the aggregator clips an upload's report rather than refuse it,
// so that diagnostics never hold back ratings.
func (h Health) Clip() Health {
	h.Version, h.Unit, h.LastError = clipText(h.Version), clipText(h.Unit), clipText(h.LastError)
	h.Queued, h.Failed, h.Quarantined = max(h.Queued, 0), max(h.Failed, 0), max(h.Quarantined, 0)
	h.FreeDisk = max(h.FreeDisk, -1)
	h.FailedReasons, h.QuarantineReasons = clipReasons(h.FailedReasons), clipReasons(h.QuarantineReasons)
	return h
}

// otherReasons counts the reasons a clipped report leaves out.
const otherReasons = "(other reasons)"

func clipReasons(m map[string]int64) map[string]int64 {
	if m == nil {
		return nil
	}
	type reason struct {
		text string
		n    int64
	}
	var rs []reason
	for text, n := range m {
		if text = clipText(text); text == "" {
			text = "(no reason)"
		}
		rs = append(rs, reason{text, max(n, 0)})
	}
	slices.SortFunc(rs, func(a, b reason) int {
		if a.n != b.n {
			return int(min(max(b.n-a.n, -1), 1))
		}
		return strings.Compare(a.text, b.text)
	})
	out := make(map[string]int64, min(len(rs), MaxHealthReasons))
	for i, r := range rs {
		if i < MaxHealthReasons-1 || len(rs) <= MaxHealthReasons {
			out[r.text] += r.n
		} else {
			out[otherReasons] += r.n
		}
	}
	return out
}

func clipText(s string) string {
	s = hailong.ScrubText(s) // shown on the fleet's page and in its files
	if utf8.RuneCountInString(s) <= MaxHealthText {
		return s
	}
	r := []rune(s)
	return string(r[:MaxHealthText-1]) + "…"
}
