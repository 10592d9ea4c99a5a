package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"hailong/fiberapp"
	"hailong/kiosk/terminals"
)

type terminalRequest struct {
	// Code pairs the screen showing it; without a code, a credential is
	// issued (the one-stop software's, kind "software").
	Code    string         `json:"code"`
	Kind    terminals.Kind `json:"kind"`
	Name    string         `json:"name"`
	Counter string         `json:"counter"`
}

type terminalCreated struct {
	terminals.Terminal
	// Token is shown once, for a credential issued without a code.
	Token string `json:"token,omitempty"`
}

// terminalsCreate pairs a screen by the code it shows, or issues the
// one-stop software its credential.
func (s *Server) terminalsCreate(c *fiber.Ctx) error {
	var req terminalRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	var out terminalCreated
	var err error
	if req.Code != "" {
		out.Terminal, err = s.Terminals.Pair(req.Code, req.Name, req.Counter)
	} else {
		if req.Kind == "" {
			req.Kind = terminals.Software
		}
		out.Terminal, out.Token, err = s.Terminals.Issue(req.Kind, req.Name, req.Counter)
	}
	if err != nil {
		return err
	}
	s.Logger.Info("terminal paired", "terminal", out.ID, "kind", out.Kind, "name", out.Name, "counter", out.Counter)
	out.Hash = ""
	return c.Status(http.StatusCreated).JSON(out)
}
