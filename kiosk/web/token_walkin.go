package web

import (
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
	"hailong/kiosk/terminals"
	"hailong/qrtoken"
)

// WalkInTTL is how long a walk-in code shown on a lobby screen stays valid.
const WalkInTTL = 15 * time.Minute

// walkInCodes keeps the code each terminal shows, so that a screen asking
// again gets the same code until it nears its expiry: at most a few codes per
// terminal an hour, however often the screen asks.
type walkInCodes struct {
	mu    sync.Mutex
	codes map[string]tokenResponse
}

type walkInRequest struct {
	Terminal string `json:"terminal"`
}

// walkInCreate gives a terminal the "rate on your phone" code for citizens
// without a dossier. Each scan rates once; a code rates a limited number of
// times (the aggregator counts), and ratings through it carry the terminal
// as their counter and no dossier.
func (s *Server) walkInCreate(c *fiber.Ctx) error {
	if s.Signer == nil {
		return hailong.Errorf(hailong.EUNAVAILABLE, "This kiosk node has no credential yet, so it cannot sign rating links.")
	}
	if err := s.clockWrong(); err != nil {
		return err // the code's expiry would be wrong
	}
	var req walkInRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	if t, _ := s.terminalOf(c); t.Kind == terminals.Screen {
		// The code's name is the counter its ratings are given at. A
		// counter's tablet names its own counter; a lobby screen names
		// itself as its address says (?terminal=lobby-1), but not a
		// counter where a tablet stands, whose figures it would swell.
		switch {
		case t.Counter != "":
			if err := ownCounter(t, req.Terminal, "gives its walk-in code"); err != nil {
				return err
			}
			req.Terminal = t.Counter
		case s.Terminals != nil && slices.ContainsFunc(s.Terminals.List(), func(o terminals.Terminal) bool { return o.Counter == req.Terminal }):
			return hailong.Errorf(hailong.EFORBIDDEN, "A lobby screen's walk-in code may not name counter %s, where a tablet stands.", req.Terminal)
		}
	}
	if err := hailong.CheckRef(req.Terminal); err != nil {
		return hailong.Invalid("The terminal is not valid.", hailong.FieldError{Field: "terminal", Message: err.Error()})
	}
	now := s.Now()
	s.walkIns.mu.Lock()
	defer s.walkIns.mu.Unlock()
	if code, ok := s.walkIns.codes[req.Terminal]; ok && code.Expires.Sub(now) > WalkInTTL/3 {
		return c.Status(http.StatusOK).JSON(code)
	}
	claims := qrtoken.Claims{Kind: qrtoken.WalkIn, Kiosk: s.Kiosk, Unit: s.Unit, Counter: req.Terminal,
		Expires: now.Add(WalkInTTL).Truncate(time.Second).UTC()}
	tok, err := qrtoken.Sign(s.Signer, claims)
	if err != nil {
		return err
	}
	code := tokenResponse{Token: tok, URL: s.ratingURL(tok), QRPNG: "/qr/" + tok + ".png", Expires: claims.Expires}
	if s.walkIns.codes == nil {
		s.walkIns.codes = map[string]tokenResponse{}
	}
	if len(s.walkIns.codes) > 1000 { // terminals are few; bound it anyway
		clear(s.walkIns.codes)
	}
	s.walkIns.codes[req.Terminal] = code
	return c.Status(http.StatusCreated).JSON(code)
}
