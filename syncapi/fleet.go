package syncapi

import (
	"encoding/json"
	"time"
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
