package web

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
	"hailong/syncapi"
)

// syncCreate takes a kiosk's upload and answers per rating. The kiosk
// authenticates with its credential; every rating must be its own.
func (s *Server) syncCreate(c *fiber.Ctx) error {
	received := s.Now()
	k := credentialOf(c) // authenticated by the route's rule
	// Ratings check their own text, so that one refused rating does not
	// fail the upload of the others. The kiosk's health is its
	// diagnostics, read apart: one that cannot be read (a clock that is
	// no time, a field of the wrong type) is left out, never a reason to
	// refuse the ratings beside it, as the API says.
	var body struct {
		Ratings []hailong.Rating `json:"ratings"`
		SentAt  *time.Time       `json:"sent_at,omitempty"`
		Health  json.RawMessage  `json:"health,omitempty"`
	}
	if err := fiberapp.DecodeJSON(c, &body, fiberapp.ControlsCheckedLater("ratings", "health")); err != nil {
		return err
	}
	req := syncapi.Request{Ratings: body.Ratings, SentAt: body.SentAt}
	if len(body.Health) > 0 && string(body.Health) != "null" {
		var h syncapi.Health
		if err := json.Unmarshal(body.Health, &h); err != nil {
			s.Logger.Warn("kiosk health left out: it cannot be read", "kiosk", k.ID, "err", err)
		} else {
			req.Health = &h
		}
	}
	if len(req.Ratings) > syncapi.MaxBatch {
		return hailong.Invalid("The upload is too large.", hailong.FieldError{Field: "ratings", Message: fmt.Sprintf("at most %d ratings per upload", syncapi.MaxBatch)})
	}
	s.recordUpload(k, &req, received)
	var offset time.Duration // how far the kiosk's clock is behind; unknown without SentAt
	if req.SentAt != nil {
		offset = received.Sub(*req.SentAt)
	}
	results, err := s.Ingester.Ingest(c.UserContext(), k, offset, req.Ratings)
	if hailong.ErrorCode(err) == hailong.EFORBIDDEN {
		return err // not this aggregator's kiosk (a province another owns): said as it is
	}
	if err != nil {
		s.Logger.Error("ingest upload", "kiosk", k.ID, "ratings", len(req.Ratings), "err", err)
		return hailong.Errorf(hailong.EUNAVAILABLE, "The ratings could not be stored now; send them again later.")
	}
	return c.JSON(syncapi.Response{Results: results})
}
