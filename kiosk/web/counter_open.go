package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
	"hailong/kiosk/counter"
)

type openRequest struct {
	Dossier   string `json:"dossier"`
	Procedure string `json:"procedure"`
	Official  string `json:"official"`
}

// counterTerminal checks the counter of the path and that the caller may
// serve it.
func (s *Server) counterTerminal(c *fiber.Ctx) (string, error) {
	q := c.Params("counter")
	if err := hailong.CheckRef(q); err != nil {
		return "", hailong.Invalid("The counter is not valid.", hailong.FieldError{Field: "counter", Message: err.Error()})
	}
	t, _ := s.terminalOf(c)
	if !mayServeCounter(t, q) {
		return "", hailong.Errorf(hailong.EFORBIDDEN, "Only the one-stop software or the tablet paired at counter %s may open its ratings.", q)
	}
	return q, nil
}

// counterOpenCreate opens a rating at a counter, for a dossier when the
// one-stop software (or the official) names one: the counter's tablet shows
// it, and its next rating is the dossier's.
func (s *Server) counterOpenCreate(c *fiber.Ctx) error {
	q, err := s.counterTerminal(c)
	if err != nil {
		return err
	}
	if err := s.clockWrong(); err != nil {
		return err
	}
	var req openRequest
	if len(c.Body()) > 0 {
		if err := fiberapp.DecodeJSON(c, &req); err != nil {
			return err
		}
	}
	if fields := checkRefs(false, req.Dossier, req.Procedure, req.Official, ""); len(fields) > 0 {
		return hailong.Invalid("The rating cannot be opened.", fields...)
	}
	o := s.Counters.Open(counter.Opening{Counter: q, Dossier: req.Dossier, Procedure: req.Procedure, Official: req.Official})
	return c.Status(http.StatusCreated).JSON(o)
}

// counterOpenShow answers the counter's tablet (terminal.js polls it): the
// rating open at the counter, or 404.
func (s *Server) counterOpenShow(c *fiber.Ctx) error {
	q, err := s.counterTerminal(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	o, ok := s.Counters.Current(q)
	if !ok {
		return hailong.Errorf(hailong.ENOTFOUND, "No rating is open at counter %s.", q)
	}
	return c.JSON(o)
}

// counterOpenDelete closes the counter's open rating unrated.
func (s *Server) counterOpenDelete(c *fiber.Ctx) error {
	q, err := s.counterTerminal(c)
	if err != nil {
		return err
	}
	if !s.Counters.Close(q) {
		return hailong.Errorf(hailong.ENOTFOUND, "No rating is open at counter %s.", q)
	}
	return c.SendStatus(http.StatusNoContent)
}
