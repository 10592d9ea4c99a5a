package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// tokensCreate makes an API token for the signed-in person from the form
// of /account/tokens, with their own scope and rights; the answer shows its
// secret, once.
func (s *Server) tokensCreate(c *fiber.Ctx) error {
	actor := principalOf(c)
	var p adminPage
	days, err := strconv.Atoi(c.FormValue("days"))
	if err != nil || !slices.Contains(tokenLifetimes, days) {
		lifetimes := make([]string, len(tokenLifetimes))
		for i, d := range tokenLifetimes {
			lifetimes[i] = strconv.Itoa(d)
		}
		p.Error, p.Details = "invalid", []string{errorSaidIn(pageLang(c), hailong.Errorf(hailong.EINVALID, "Choose a lifetime of %s days.", strings.Join(lifetimes, ", ")))}
		return s.tokensPage(c, fiber.StatusBadRequest, p)
	}
	expires := s.Now().Add(time.Duration(days) * 24 * time.Hour)
	secret, t, err := s.Access.CreateToken(actx(c), actor, actor.Username, c.FormValue("name"), actor.Scope, nil, expires)
	if err != nil {
		status, err := pageError(pageLang(c), err, &p)
		if err != nil {
			return err
		}
		return s.tokensPage(c, status, p)
	}
	tx := areaWords(pageLang(c), "people")
	p.Notice = fmt.Sprintf(tx["token_created"], t.Name)
	p.SecretLabel, p.Secret = tx["secret_token"], secret
	return s.tokensPage(c, fiber.StatusCreated, p)
}

// ownToken reports whether id names one of the actor's tokens.
func (s *Server) ownToken(c *fiber.Ctx, actor *hailong.Principal, id string) (Token, bool, error) {
	ts, err := s.Access.Tokens(c.UserContext(), actor, actor.Username)
	if err != nil {
		return Token{}, false, err
	}
	for _, t := range ts {
		if t.ID == id {
			return t, true, nil
		}
	}
	return Token{}, false, nil
}
