package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// phoneCreate records the rating of a QR link, once per dossier link.
func (s *Server) phoneCreate(c *fiber.Ctx) error {
	tok := c.Params("token")
	claims, err := s.checkLink(c.UserContext(), tok)
	if err != nil {
		return s.phoneNotice(c, err)
	}
	isJSON := c.Is("json")
	if !isJSON && c.Cookies(ratedCookie) != "" {
		// This browser rated with this link already: the send again of a
		// double tap, or the back button. Nothing more is recorded.
		return s.phoneRender(c, http.StatusOK, phonePage{Lang: phoneLang(c), Notice: "thanks"})
	}
	var sub hailong.Submission
	if isJSON {
		// The kiosk's ratings body without id; what the link binds may be
		// repeated, not changed.
		var req hailong.Submission
		if err := fiberapp.DecodeJSON(c, &req); err != nil {
			return err
		}
		var fields []hailong.FieldError
		for field, pair := range map[string][2]string{
			"counter": {req.Counter, claims.Counter}, "official": {req.Official, claims.Official},
			"procedure": {req.Procedure, claims.Procedure}, "dossier": {req.Dossier, claims.Dossier},
		} {
			same := pair[0] == pair[1]
			if field == "dossier" { // a dossier's code in any of its spellings is the dossier
				same = hailong.NormalizeDossierCode(pair[0]) == hailong.NormalizeDossierCode(pair[1])
			}
			if pair[0] != "" && !same {
				fields = append(fields, hailong.FieldError{Field: field, Message: "differs from what the rating link is bound to"})
			}
		}
		if len(fields) > 0 {
			return hailong.Invalid("The rating does not match its link; nothing was recorded.", fields...)
		}
		sub = hailong.Submission{Questionnaire: req.Questionnaire, Version: req.Version, Answers: req.Answers}
		if sub.Questionnaire == "" {
			sub.Questionnaire = s.PhoneQuestionnaire
		}
	} else {
		q, ok := s.Catalog.Latest(s.PhoneQuestionnaire)
		if !ok {
			return hailong.Errorf(hailong.EINTERNAL, "phone questionnaire %q missing", s.PhoneQuestionnaire)
		}
		sub = hailong.Submission{Questionnaire: q.ID, Version: q.Version, Answers: formAnswers(c, q)}
	}
	sub.Counter, sub.Official, sub.Procedure, sub.Dossier = claims.Counter, claims.Official, claims.Procedure, claims.Dossier
	q, err := sub.Validate(s.Catalog)
	if err != nil {
		if isJSON {
			return err
		}
		p := s.phoneForm(c, claims, mustLatest(s, s.PhoneQuestionnaire), tok)
		p.Errors = phoneErrors(p.Q, p.Lang, hailong.ErrorFields(err))
		for k, a := range sub.Answers {
			p.Answers[k] = answerText(a)
		}
		return s.phoneRender(c, http.StatusBadRequest, p)
	}
	sub.Version = q.Version
	now := s.Now()
	// A form sent again from this browser with this link before the
	// first answer came back is the same rating (phoneSends); a program
	// sends its JSON again as it likes, and gets the rating's own answer.
	send, first, key := newPhoneSend(now), true, ""
	if !isJSON {
		key = tok + " " + c.FormValue("_csrf")
		send, first = s.phoneSends.claim(key, now)
	}
	if first {
		defer s.phoneSends.finish(key, send) // however this send ends
		send.id, send.flags, send.refused = s.phoneRating(c, claims, now)
	} else {
		<-send.ready
	}
	if hailong.ErrorCode(send.refused) == hailong.ERATELIMITED {
		return s.phoneNotice(c, send.refused)
	} else if send.refused != nil {
		return send.refused
	}
	id := send.id
	r := hailong.Rating{ID: id, Submission: sub, Channel: hailong.ChannelQR, Unit: claims.Unit, Kiosk: claims.Kiosk,
		At: send.at, Flags: send.flags}
	res, err := s.Ingester.IngestQR(c.UserContext(), r)
	if hailong.ErrorCode(err) == hailong.EFORBIDDEN {
		return err // a unit of a province another aggregator owns
	}
	if err != nil {
		s.Logger.Error("store QR rating", "err", err)
		return hailong.Errorf(hailong.EUNAVAILABLE, "The rating could not be stored now; please send it again in a moment.")
	}
	switch res.Status {
	case syncapi.Accepted, syncapi.Duplicate: // a double tap on send is the same rating
		if isJSON {
			st := http.StatusCreated
			if res.Status == syncapi.Duplicate {
				st = http.StatusOK
			}
			return c.Status(st).JSON(fiber.Map{"id": r.ID})
		}
		c.Cookie(&fiber.Cookie{Name: ratedCookie, Value: "1", Path: "/r/" + url.PathEscape(tok), Expires: claims.Expires,
			HTTPOnly: true, Secure: s.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
		return s.phoneRender(c, http.StatusOK, phonePage{Lang: phoneLang(c), Notice: "thanks"})
	case syncapi.Conflict:
		return s.phoneNotice(c, s.alreadyRated(id))
	default:
		return hailong.Invalid("The rating is not valid; nothing was recorded.", hailong.FieldError{Field: "rating", Message: res.Reason})
	}
}

// phoneRating returns the id and flags of the rating a link's form
// makes: a dossier link's own id; for a walk-in code, which takes a use of
// it, a new id and the flags of its address's pace, or why it is refused.
func (s *Server) phoneRating(c *fiber.Ctx, claims qrtoken.Claims, now time.Time) (id string, flags []string, refused error) {
	if claims.Kind != qrtoken.WalkIn {
		return claims.RatingID(), nil, nil
	}
	ok, err := s.WalkIns.Take(c.UserContext(), claims.Nonce, claims.Expires, s.WalkInMax)
	switch {
	case err != nil:
		s.Logger.Error("count a walk-in use", "err", err)
		return "", nil, hailong.Errorf(hailong.EUNAVAILABLE, "The rating could not be stored now; please send it again in a moment.")
	case !ok:
		return "", nil, problem(hailong.ERATELIMITED, "walkin_full", "This walk-in code has been used as often as it may.")
	}
	return hailong.NewID(), s.walkInWatch.Judge(fmt.Sprintf("%x %s", claims.Nonce, c.IP()), now), nil
}

// ratedCookie marks, for one link's path, a browser that rated with it:
// one rating a scan, and its send again a thanks rather than "already
// rated".
const ratedCookie = "hailong_rated"

// walkInPerAddress is how many ratings one address gives with one
// walk-in code before the next are flagged; walkInWindow how long it is
// remembered: a code's life.
const (
	walkInPerAddress = 3
	walkInWindow     = 15 * time.Minute
)

func mustLatest(s *Server, id string) *hailong.Questionnaire {
	q, _ := s.Catalog.Latest(id)
	return q
}

// formAnswers reads an HTML form: radio values are whole numbers, text is
// text; unanswered questions are absent. Form values are raw bytes, so text
// is checked by validation (hailong.CheckText) as JSON text is; only the
// CRLF line breaks every browser sends are made \n first.
func formAnswers(c *fiber.Ctx, q *hailong.Questionnaire) hailong.Answers {
	answers := hailong.Answers{}
	for _, qu := range q.Questions {
		v := strings.TrimSpace(c.FormValue(qu.ID))
		if v == "" {
			continue
		}
		if qu.Kind == hailong.KindText {
			answers[qu.ID] = hailong.Str(hailong.NormalizeFormText(v))
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			answers[qu.ID] = hailong.Str(v) // validation reports it as not a number
			continue
		}
		answers[qu.ID] = hailong.Int(n)
	}
	return answers
}

// answerText is an answer as the form shows it again. Text refused as not
// UTF-8 comes back with U+FFFD where the bad bytes were, so that the page
// stays UTF-8 and the citizen sees where to correct.
func answerText(a hailong.Answer) string {
	if a.IsText {
		return strings.ToValidUTF8(a.Text, "\uFFFD")
	}
	return fmt.Sprint(a.Value)
}

// phoneErrors says what is wrong with a sent form in the page's language,
// naming each question by its text: the domain's field errors name JSON
// paths in English, which a citizen cannot act on.
func phoneErrors(q *hailong.Questionnaire, lang string, fields []hailong.FieldError) []hailong.FieldError {
	t := phoneTexts[lang]
	out := make([]hailong.FieldError, 0, len(fields))
	for _, f := range fields {
		name := f.Field
		if q != nil {
			id := strings.TrimPrefix(f.Field, "answers.")
			for _, qu := range q.Questions {
				switch {
				case qu.ID == id && id == q.Headline:
					name = t["headline"] // as the form asks it
				case qu.ID == id:
					name = qu.Text.In(lang)
				}
			}
		}
		msg := t["err_other"]
		var format string // how the domain made the message
		if f.Said != nil {
			format = f.Said.Format
		}
		var te *hailong.TextError
		switch {
		case errors.As(f.Cause, &te):
			msg = t["err_text"]
		case format == hailong.SaidRequired:
			msg = t["err_required"]
		case format == hailong.SaidTooLong:
			msg = t["err_long"]
		case format == hailong.SaidNotOption, format == hailong.SaidNotNumber:
			msg = t["err_option"]
		}
		out = append(out, hailong.FieldError{Field: name, Message: msg})
	}
	return out
}
