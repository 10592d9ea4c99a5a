package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// tokenRow is one of the caller's API tokens on the tokens page, with its
// state (a key into the page's texts).
type tokenRow struct {
	Token
	State string
}

// dayChoice is one lifetime offered for a new token.
type dayChoice struct {
	Days     int
	Label    string
	Selected bool
}

// tokenLifetimes are the lifetimes offered, in days; 90 by default.
var tokenLifetimes = []int{30, 90, 180, 365}

// tokensShow renders /account/tokens: the signed-in person's own API
// tokens with their last use and expiry, and the form to make one.
func (s *Server) tokensShow(c *fiber.Ctx) error {
	return s.tokensPage(c, fiber.StatusOK, adminPage{})
}

func (s *Server) tokensPage(c *fiber.Ctx, status int, p adminPage) error {
	actor := principalOf(c)
	ts, err := s.Access.Tokens(c.UserContext(), actor, actor.Username)
	if err != nil {
		return err
	}
	now := s.Now()
	for _, t := range ts {
		state := "valid"
		switch {
		case t.Revoked:
			state = "revoked"
		case !now.Before(t.Expires):
			state = "expired"
		}
		p.Tokens = append(p.Tokens, tokenRow{Token: t, State: state})
	}
	label := areaWords(pageLang(c), "people")["days"]
	for _, d := range tokenLifetimes {
		p.Days = append(p.Days, dayChoice{Days: d, Label: fmt.Sprintf(label, d), Selected: d == 90})
	}
	return s.adminRender(c, status, "tokens.html", p)
}
