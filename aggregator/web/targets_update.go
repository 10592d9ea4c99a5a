package web

import (
	"bytes"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/measure"
)

// targetsUpdate answers PUT /api/v1/targets: replaces the list of targets,
// checked as the -targets file is, stored so that it outlives restarts.
// The measures show the new targets at once. A province-wide act.
func (s *Server) targetsUpdate(c *fiber.Ctx) error {
	if mediaType(c) != fiber.MIMEApplicationJSON {
		return hailong.Errorf(hailong.EUNSUPPORTED, "The request body must be application/json.")
	}
	ts, err := s.setTargets(c, c.Body())
	if err != nil {
		return err
	}
	return c.JSON(ts)
}

// setTargets checks, stores and records a JSON list of targets.
func (s *Server) setTargets(c *fiber.Ctx, body []byte) ([]measure.Target, error) {
	adm, err := s.admin()
	if err != nil {
		return nil, err
	}
	ts, err := measure.ReadTargets(bytes.NewReader(body))
	if err != nil {
		err = hailong.Invalid("The targets are not valid.", hailong.FieldError{Field: "targets", Message: err.Error()})
	} else if ts == nil {
		ts = []measure.Target{}
	}
	if err == nil {
		err = adm.SetTargets(c.UserContext(), ts)
	}
	s.audit(c, actionTargetsUpdate, "targets", fmt.Sprintf("%d targets", len(ts)), err)
	return ts, err
}
