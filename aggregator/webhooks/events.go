package webhooks

import (
	"encoding/json"
	"time"

	"hailong"
	"hailong/aggregator/ingest"
)

// RatingEvents turns newly stored ratings (the ingester's SetOnStored)
// into rating.stored events. An event's id is the rating's, so a receiver
// drops a repeated delivery; the ingester never reports a duplicate
// rating, so no rating gives two events.
func RatingEvents(stored []ingest.Stored) []hailong.Event {
	now := time.Now().UTC()
	out := make([]hailong.Event, 0, len(stored))
	for _, s := range stored {
		r := s.Rating
		data, err := json.Marshal(hailong.StoredRating{ID: r.ID, Unit: r.Unit, Kiosk: r.Kiosk, Questionnaire: r.Questionnaire,
			Channel: r.Channel, At: r.At.UTC(), Procedure: r.Procedure, Official: r.Official, Counter: r.Counter,
			Level: s.Fact.Level, Satisfied: s.Fact.Satisfied, Flagged: r.Flagged()})
		if err != nil {
			continue // plain fields: cannot fail
		}
		out = append(out, hailong.Event{ID: string(hailong.EventRatingStored) + ":" + r.ID, Type: hailong.EventRatingStored,
			At: now, Unit: r.Unit, Data: data})
	}
	return out
}
