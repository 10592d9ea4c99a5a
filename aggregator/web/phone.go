package web

import (
	"context"
	"crypto/ed25519"
	"errors"
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
}

func (p *linkProblem) Error() string { return p.err.Error() }
func (p *linkProblem) Unwrap() error { return p.err }

func problem(code, notice, msg string) *linkProblem {
	return &linkProblem{err: &hailong.Error{Code: code, Message: msg}, notice: notice}
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
