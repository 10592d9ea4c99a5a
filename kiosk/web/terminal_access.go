package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/kiosk/terminals"
)

// Cookies of the terminals' browsers.
const (
	// TerminalCookie holds a paired screen's device token.
	TerminalCookie = "hl_terminal"
	// pairingCookie holds the key of a browser waiting to be paired.
	pairingCookie = "hl_pairing"
)

const localTerminal = "terminal"

// terminalOf returns the paired terminal of the request: a device token in
// the screen's cookie, or in "Authorization: Bearer hlt_…" for the one-stop
// software.
func (s *Server) terminalOf(c *fiber.Ctx) (*terminals.Terminal, bool) {
	if t, ok := c.Locals(localTerminal).(*terminals.Terminal); ok {
		return t, true
	}
	token := c.Cookies(TerminalCookie)
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		if v, ok := strings.CutPrefix(h, "Bearer "); ok {
			token = strings.TrimSpace(v)
		}
	}
	if token == "" {
		return nil, false
	}
	t, ok := s.Terminals.Check(token)
	if ok {
		c.Locals(localTerminal, t)
	}
	return t, ok
}

// requireTerminal lets through paired terminals only: a browser on the
// centre's LAN that no administrator paired records nothing and issues no
// link.
func (s *Server) requireTerminal(c *fiber.Ctx) error {
	if _, ok := s.terminalOf(c); !ok {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="hailong-kiosk"`)
		return hailong.Errorf(hailong.EUNAUTHORIZED, "This terminal is not paired with the kiosk node: open the screen to see its pairing code, and ask the centre's administrator to pair it.")
	}
	return c.Next()
}

// mayServeCounter reports whether t may open, see and close the ratings of
// counter: the one-stop software, or the screen paired at that counter.
func mayServeCounter(t *terminals.Terminal, counter string) bool {
	return t.Kind == terminals.Software || (t.Counter != "" && t.Counter == counter)
}

// requireAdmin lets through the node's administrator: "Authorization:
// Bearer <admin secret>", the secret kept in the node's data directory.
func (s *Server) requireAdmin(c *fiber.Ctx) error {
	h, _ := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	got, want := sha256.Sum256([]byte(strings.TrimSpace(h))), sha256.Sum256([]byte(s.AdminSecret))
	if s.AdminSecret == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="hailong-kiosk-admin"`)
		return hailong.Errorf(hailong.EUNAUTHORIZED, "The node's admin secret is required (kiosk pairings reads it from the data directory).")
	}
	return c.Next()
}
