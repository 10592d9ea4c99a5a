package web

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
)

// ratingUpdateRequest carries a tapped rating's follow-up answers.
type ratingUpdateRequest struct {
	// Answers is the rating's whole answer set: the headline tap's answer,
	// unchanged, and the follow-up answers given so far.
	Answers hailong.Answers `json:"answers"`
	// Done closes the rating to further answers and queues it for upload.
	Done bool `json:"done"`
}

// ratingUpdate records the follow-up answers of a rating posted with
// follow_up: the same rating, under the same id, so it counts once. It
// answers 200 with the rating's id; 409 once the rating is closed (the
// citizen said done, or the node's follow-up window passed) unless the
// answers are those already stored; 404 for an id the node never
// recorded; 403 to any terminal but the one that recorded the rating.
func (s *Server) ratingUpdate(c *fiber.Ctx) error {
	if err := s.clockWrong(); err != nil {
		return err
	}
	id := c.Params("id")
	if err := hailong.CheckID(id); err != nil {
		return hailong.Invalid("The rating id is not valid.", hailong.FieldError{Field: "id", Message: err.Error()})
	}
	var req ratingUpdateRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	t, _ := s.terminalOf(c)
	got, err := s.Outbox.Amend(id, t.ID, req.Done, func(r *hailong.Rating) error {
		q, ok := s.catalog().Version(r.Questionnaire, r.Version)
		if !ok {
			return hailong.Errorf(hailong.ECONFLICT, "Questionnaire %s version %d is no longer offered; the rating stays as tapped.", r.Questionnaire, r.Version)
		}
		fields := hailong.ErrorFields(q.Validate(req.Answers))
		if a, b := req.Answers[q.Headline], r.Answers[q.Headline]; a != b {
			fields = append(fields, hailong.FieldError{Field: "answers." + q.Headline, Message: "the headline answer is the rating itself and cannot change"})
		}
		if len(fields) > 0 {
			return hailong.Invalid("The answers are not valid; the rating stays as it was.", fields...)
		}
		r.Answers = req.Answers
		return nil
	})
	var herr *hailong.Error
	switch {
	case errors.As(err, &herr):
		return herr
	case err != nil:
		s.Logger.Error("amend rating", "id", id, "err", err)
		return hailong.Errorf(hailong.EUNAVAILABLE, "The answers could not be stored; please try again.")
	}
	if req.Done {
		s.Uploader.Kick()
	}
	return c.Status(http.StatusOK).JSON(ratingResponse{ID: got.ID})
}
