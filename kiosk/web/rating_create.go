package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
	"hailong/kiosk/terminals"
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
// 409. The answer names the rating's id: a rating bound to a dossier takes
// the dossier's, which its follow-ups (ratingUpdate) amend.
func (s *Server) ratingCreate(c *fiber.Ctx) error {
	if err := s.clockWrong(); err != nil {
		return err
	}
	var req ratingRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	t, _ := s.terminalOf(c)
	if t.Kind == terminals.Screen {
		if err := screenRates(t, req.Counter, req.Dossier); err != nil {
			return err
		}
		req.Counter = t.Counter // a counter's tablet rates its counter
	}
	clientID := req.ID
	if clientID == "" {
		clientID = hailong.NewID()
	}
	// The next rating from a counter's tablet after a rating was opened
	// there is the opened one: bound to its dossier, procedure and
	// official, as the one-stop software opened it (the tablet's address
	// names an official too, who may not be the one who served).
	var opened bool
	if t.Kind == terminals.Screen && t.Counter != "" {
		if o, ok := s.Counters.Take(t.Counter, clientID); ok {
			opened = true
			req.Dossier, req.Procedure, req.Official = o.Dossier, or(o.Procedure, req.Procedure), or(o.Official, req.Official)
		}
	}
	sub := hailong.Submission{
		Questionnaire: req.Questionnaire, Version: req.Version, Answers: req.Answers,
		Counter: req.Counter, Official: req.Official, Procedure: req.Procedure, Dossier: req.Dossier,
	}
	var fields []hailong.FieldError
	if req.ID != "" {
		if err := hailong.CheckNewID(req.ID); err != nil {
			fields = append(fields, hailong.FieldError{Field: "id", Message: err.Error()})
		} else if qrtoken.IsRatingID(req.ID) && !qrtoken.IsDossierRatingID(req.ID, s.Unit, req.Dossier) { // the aggregator would refuse it
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
		if opened {
			// Nothing recorded: the opening stays for the citizen's next tap.
			s.Counters.Release(t.Counter, clientID)
		}
		return hailong.Invalid("The rating is not valid; nothing was recorded.", fields...)
	}
	id := clientID
	if sub.Dossier != "" {
		// One rating per dossier, whatever the channel: the dossier's id,
		// which its QR links rate under too. The code is kept in its
		// normal form, of which the id is made: an aggregator of an
		// earlier version, which makes the id from the code as sent,
		// then finds the same one.
		sub.Dossier = hailong.NormalizeDossierCode(sub.Dossier)
		id = qrtoken.DossierRatingID(s.Unit, sub.Dossier)
	}
	sub.Version = q.Version
	now := s.Now()
	r := hailong.Rating{
		ID: id, Submission: sub, Channel: hailong.ChannelKiosk,
		Unit: s.Unit, Kiosk: s.Kiosk, At: now.UTC().Truncate(time.Millisecond),
	}
	// Misuse is judged per screen, where citizens tap; the one-stop
	// software may relay the ratings of many counters at once.
	screen := t.Kind == terminals.Screen
	if screen {
		r.Flags = s.Misuse.Flags(t.ID, now)
	}
	var hold time.Time
	if req.FollowUp {
		hold = now.Add(s.FollowUpWindow)
	}
	got, created, err := s.Outbox.RecordHeld(&r, hold, t.ID)
	if err != nil && opened && hailong.ErrorCode(err) != hailong.ECONFLICT {
		// Not recorded (a failing disk): the citizen may tap again. A
		// dossier already rated keeps its opening taken, so it is no
		// longer shown.
		s.Counters.Release(t.Counter, clientID)
	}
	var herr *hailong.Error
	switch {
	case errors.As(err, &herr) && herr.Code == hailong.ECONFLICT && sub.Dossier != "":
		return s.alreadyRated(c, sub.Dossier, id)
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
	if screen {
		s.Misuse.Note(t.ID, now)
	}
	if !req.FollowUp {
		s.Uploader.Kick()
	}
	return c.Status(http.StatusCreated).JSON(ratingResponse{ID: got.ID})
}

// screenRates checks what a screen's rating may name: a screen rates
// where it stands, a counter's tablet its own counter and a lobby screen
// none, and names no dossier itself. A dossier's rating is its one rating:
// taken by a screen that named the dossier, it would be gone before its
// citizen rated by the counter's opening or the receipt's link.
func screenRates(t *terminals.Terminal, counter, dossier string) error {
	if err := ownCounter(t, counter, "rates"); err != nil {
		return err
	}
	if dossier != "" {
		return hailong.Errorf(hailong.EFORBIDDEN, "A screen names no dossier: a dossier is rated when the one-stop software opens it at its counter, or by its link.")
	}
	return nil
}

// ownCounter refuses a screen's request naming a counter other than the
// one it is paired at (none for a lobby screen): what it does (rates,
// issues links, names its walk-in code) is for there.
func ownCounter(t *terminals.Terminal, counter, does string) error {
	if counter == "" || counter == t.Counter {
		return nil
	}
	where := "in the lobby"
	if t.Counter != "" {
		where = "at counter " + t.Counter
	}
	return hailong.Errorf(hailong.EFORBIDDEN, "This screen is paired %s: it %s there, not at counter %s.", where, does, counter)
}

// or returns a, or b when a is empty.
func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ratedProblem is the problem of a second rating of a dossier: when the
// first was given, for the screen to say so.
type ratedProblem struct {
	fiberapp.Problem
	RatedAt time.Time `json:"rated_at"`
}

// alreadyRatedTexts say, in a screen's language, that the dossier was rated
// and when: the tablet shows the detail as it is.
var alreadyRatedTexts = map[string]string{
	"vi": "Hồ sơ này đã được đánh giá lúc %s ngày %s. Mỗi hồ sơ chỉ được đánh giá một lần.",
	"en": "This dossier was already rated at %s on %s (Vietnam time). A dossier is rated once.",
}

// alreadyRated answers 409 to a second rating of a dossier, saying when the
// first was given: in the detail, in the language the request prefers
// (English unless it asks for Vietnamese; RFC 9457 lets a detail follow
// Accept-Language), and as rated_at. Without the first's time (pruned long
// ago) it says only that the dossier is rated.
func (s *Server) alreadyRated(c *fiber.Ctx, dossier, id string) error {
	at, ok, err := s.Outbox.RatedAt(id)
	if err != nil {
		s.Logger.Warn("read the time of a dossier's rating", "id", id, "err", err)
	}
	if !ok {
		return hailong.Errorf(hailong.ECONFLICT, "Dossier %s has already been rated; a dossier is rated once.", dossier)
	}
	lang := c.AcceptsLanguages("en", "vi")
	clock, date := hailong.ClockAndDate(lang, at)
	p := fiberapp.ProblemOf(s.Logger, hailong.Errorf(hailong.ECONFLICT, alreadyRatedTexts[lang], clock, date))
	c.Set(fiber.HeaderContentLanguage, lang)
	return c.Status(p.Status).JSON(ratedProblem{Problem: p, RatedAt: at.UTC()}, "application/problem+json")
}
