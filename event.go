package hailong

import (
	"context"
	"encoding/json"
	"time"
)

// EventType names what happened, as webhook subscriptions and
// notifications name it.
type EventType string

// The events the aggregator publishes.
const (
	// EventAlertOpened: an alert rule fired for a unit; Data is the Alert.
	EventAlertOpened EventType = "alert.opened"
	// EventAlertClosed: an alert was closed; Data is the Alert.
	EventAlertClosed EventType = "alert.closed"
	// EventRatingStored: a rating was stored for the first time (never for
	// a duplicate delivery); Data is a StoredRating.
	EventRatingStored EventType = "rating.stored"
)

// EventTypes lists every event type, in a stable order.
func EventTypes() []EventType {
	return []EventType{EventAlertOpened, EventAlertClosed, EventRatingStored}
}

// Event is one thing that happened, as subscribers receive it.
type Event struct {
	// ID is unique per event and the same on every delivery of it, so a
	// receiver can drop a repeat.
	ID   string    `json:"id"`
	Type EventType `json:"type"`
	At   time.Time `json:"at"`
	// Unit is the unit the event concerns: only subscriptions whose scope
	// covers it receive it.
	Unit string          `json:"unit"`
	Data json.RawMessage `json:"data"`
}

// StoredRating is what a rating.stored event tells of a rating: enough to
// count and route it, not the citizen's comment.
type StoredRating struct {
	ID            string    `json:"id"`
	Unit          string    `json:"unit"`
	Kiosk         string    `json:"kiosk,omitempty"`
	Questionnaire string    `json:"questionnaire"`
	Channel       Channel   `json:"channel"`
	At            time.Time `json:"at"`
	Procedure     string    `json:"procedure,omitempty"`
	Official      string    `json:"official,omitempty"`
	Counter       string    `json:"counter,omitempty"`
	// Level is the position of the headline answer in its scale, the most
	// negative first (0-based); Satisfied says whether it counts as
	// satisfied.
	Level     int  `json:"level"`
	Satisfied bool `json:"satisfied"`
	Flagged   bool `json:"flagged,omitempty"`
}

// EventPublisher hands events to their subscribers. Publish must return at
// once: it runs on the write path, and a slow or failing subscriber must
// never slow ingest. A publisher keeps what it must deliver durably itself.
type EventPublisher interface {
	Publish(ctx context.Context, events ...Event)
}

// Publishers publishes to each publisher in turn.
type Publishers []EventPublisher

// Publish implements EventPublisher.
func (ps Publishers) Publish(ctx context.Context, events ...Event) {
	for _, p := range ps {
		p.Publish(ctx, events...)
	}
}
