package web

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"time"

	"hailong"
	"hailong/qrtoken"
)

// linkProblem is why a rating link cannot be used, with what the phone page
// says about it.
type linkProblem struct {
	err    *hailong.Error
	notice string // key into phoneTexts
	// ratedAt is when the dossier was rated, for "already"; zero when
	// not known.
	ratedAt time.Time
}

func (p *linkProblem) Error() string { return p.err.Error() }
func (p *linkProblem) Unwrap() error { return p.err }

func problem(code, notice, msg string) *linkProblem {
	return &linkProblem{err: &hailong.Error{Code: code, Message: msg}, notice: notice}
}

// alreadyRated is the problem of a link whose dossier is rated: it says
// when, if the ingester remembers (it does for every rating it stored
// since the aggregator's last clean start, and the ones before it
// remembered then).
func (s *Server) alreadyRated(id string) *linkProblem {
	p := problem(hailong.ECONFLICT, "already", "This dossier has already been rated.")
	if at, _ := s.Ingester.Known(id); !at.IsZero() {
		p.ratedAt = at
		clock, date := hailong.ClockAndDate("en", at)
		p.err.Message = fmt.Sprintf("This dossier was already rated at %s on %s (Vietnam time).", clock, date)
	}
	return p
}

// ratedAtText says when a dossier was rated, in Vietnam time and the
// page's conventions: "lúc 14:05 ngày 28/11/2026", "at 14:05 on 28 Nov 2026".
func ratedAtText(lang string, at time.Time) string {
	if at.IsZero() {
		return ""
	}
	clock, date := hailong.ClockAndDate(lang, at)
	return fmt.Sprintf(phoneTexts[lang]["already_at"], clock, date)
}

// checkLink verifies a token: its form, the issuing kiosk, the signature,
// the kiosk's standing and the expiry. Nothing is recorded for a link that
// fails any of these.
func (s *Server) checkLink(ctx context.Context, tok string) (qrtoken.Claims, error) {
	c, err := qrtoken.Parse(tok)
	if err != nil {
		return c, problem(hailong.EINVALID, "invalid", "The rating link is damaged or incomplete.")
	}
	k, found, err := s.KioskDirectory.Lookup(ctx, c.Kiosk)
	if err != nil {
		return c, err
	}
	if !found {
		return c, problem(hailong.EFORBIDDEN, "invalid", "The rating link was not issued by a known service centre.")
	}
	c, err = qrtoken.Verify(ed25519.PublicKey(k.PublicKey), tok, s.Now())
	switch {
	case errors.Is(err, qrtoken.ErrExpired):
		return c, problem(hailong.EGONE, "expired", "The rating link has expired.")
	case err != nil:
		return c, problem(hailong.EFORBIDDEN, "invalid", "The rating link is not valid.")
	case k.Revoked:
		return c, problem(hailong.EFORBIDDEN, "revoked", "The rating link was issued by a kiosk that is no longer in service.")
	case c.Unit != k.Unit:
		return c, problem(hailong.EFORBIDDEN, "invalid", "The rating link does not match its service centre.")
	}
	return c, nil
}

// WalkInCounter counts the ratings given through each walk-in code, so
// that a code shown on a lobby screen and photographed cannot feed ratings
// without end. It must outlive a restart (mongodb.WalkIns does).
type WalkInCounter interface {
	// Take records one use of the code nonce, valid until expires, and
	// reports false when the code has given max ratings already.
	Take(ctx context.Context, nonce [8]byte, expires time.Time, max int) (bool, error)
}

// walkInUses counts in memory only: the counter of a Server given none,
// for tests and tools that have no database.
type walkInUses struct {
	now   func() time.Time
	mu    sync.Mutex
	count map[[8]byte]int
	until map[[8]byte]time.Time
}

// Take counts one use. Codes are forgotten once expired.
func (w *walkInUses) Take(_ context.Context, nonce [8]byte, expires time.Time, max int) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.count == nil {
		w.count, w.until = map[[8]byte]int{}, map[[8]byte]time.Time{}
	}
	now := w.now()
	for n, t := range w.until {
		if now.After(t) {
			delete(w.until, n)
			delete(w.count, n)
		}
	}
	if w.count[nonce] >= max {
		return false, nil
	}
	w.count[nonce]++
	w.until[nonce] = expires
	return true, nil
}
