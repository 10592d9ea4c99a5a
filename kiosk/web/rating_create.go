package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
	"hailong/qrtoken"
)

// ratingRequest lists hailong.Submission's fields itself rather than
// embedding it: errors name the JSON path, and an embedded struct would put
// its Go name in it ("Submission.questionnaire").
type ratingRequest struct {
	ID            string          `json:"id"`
	Questionnaire string          `json:"questionnaire"`
	Version       int             `json:"version"`
	Answers       hailong.Answers `json:"answers"`
	Counter       string          `json:"counter"`
	Official      string          `json:"official"`
	Procedure     string          `json:"procedure"`
	Dossier       string          `json:"dossier"`
	// FollowUp asks the node to hold the rating open to the citizen's
	// follow-up answers (ratingUpdate) before it is uploaded.
	FollowUp bool `json:"follow_up"`
}

type ratingResponse struct {
	ID string `json:"id"`
}

// ratingCreate records one rating. It answers 201 only once the rating is
// on disk; a re-sent id with the same content gets 200, with other content
// 409.
func (s *Server) ratingCreate(c *fiber.Ctx) error {
	if err := s.clockWrong(); err != nil {
		return err
	}
	var req ratingRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	sub := hailong.Submission{
		Questionnaire: req.Questionnaire, Version: req.Version, Answers: req.Answers,
		Counter: req.Counter, Official: req.Official, Procedure: req.Procedure, Dossier: req.Dossier,
	}
	var fields []hailong.FieldError
	if req.ID != "" {
		if err := hailong.CheckID(req.ID); err != nil {
			fields = append(fields, hailong.FieldError{Field: "id", Message: err.Error()})
		} else if qrtoken.IsRatingID(req.ID) { // the aggregator would refuse it
			fields = append(fields, hailong.FieldError{Field: "id", Message: "a UUID of version 8 is the id of a QR link's rating; use version 7"})
		}
	}
	q, err := sub.Validate(s.catalog())
	fields = append(fields, hailong.ErrorFields(err)...)
	if q != nil {
		if _, ok := s.offered(q.ID); !ok {
			fields = append(fields, hailong.FieldError{Field: "questionnaire", Message: fmt.Sprintf("questionnaire %q is not offered at this node", q.ID)})
		}
	}
	if len(fields) > 0 {
		return hailong.Invalid("The rating is not valid; nothing was recorded.", fields...)
	}
	if req.ID == "" {
		req.ID = hailong.NewID()
	}
	sub.Version = q.Version
	r := hailong.Rating{
		ID: req.ID, Submission: sub, Channel: hailong.ChannelKiosk,
		Unit: s.Unit, Kiosk: s.Kiosk, At: s.Now().UTC().Truncate(time.Millisecond),
	}
	var hold time.Time
	if req.FollowUp {
		hold = s.Now().Add(s.FollowUpWindow)
	}
	got, created, err := s.Outbox.RecordHeld(&r, hold)
	var herr *hailong.Error
	switch {
	case errors.As(err, &herr):
		return err
	case err != nil:
		// A full or failing disk: the citizen's terminal retries the same id.
		s.Logger.Error("record rating", "id", r.ID, "err", err)
		return hailong.Errorf(hailong.EUNAVAILABLE, "The rating could not be stored; nothing was recorded. Please try again.")
	}
	if !created {
		return c.Status(http.StatusOK).JSON(ratingResponse{ID: got.ID})
	}
	if !req.FollowUp {
		s.Uploader.Kick()
	}
	return c.Status(http.StatusCreated).JSON(ratingResponse{ID: got.ID})
}
