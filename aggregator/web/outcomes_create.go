package web

import (
	"fmt"
	"slices"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/fiberapp"
)

type outcomesRequest struct {
	Outcomes []hailong.Outcome `json:"outcomes"`
}

type outcomesResponse struct {
	Results []outcomes.Result `json:"results"`
}

// maxOutcomes bounds one report.
const maxOutcomes = 1000

// outcomesCreate takes dossier outcomes from the one-stop software,
// authenticated like a kiosk, for units in the subtree it is enrolled for.
// Each dossier's report replaces the previous one; repeating a report
// changes nothing.
func (s *Server) outcomesCreate(c *fiber.Ctx) error {
	client := credentialOf(c) // authenticated by the route's rule
	var req outcomesRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	if len(req.Outcomes) > maxOutcomes {
		return hailong.Invalid("The report is too large.", hailong.FieldError{Field: "outcomes", Message: fmt.Sprintf("at most %d outcomes per report", maxOutcomes)})
	}
	scope, err := s.Units().Subtree(client.Unit, hailong.DateOf(s.Now()))
	if err != nil {
		return err
	}
	results, err := s.Outcomes.Report(c.UserContext(), req.Outcomes, func(unit string) bool { return slices.Contains(scope, unit) })
	if err != nil {
		s.Logger.Error("store outcomes", "client", client.ID, "err", err)
		return hailong.Errorf(hailong.EUNAVAILABLE, "The outcomes could not be stored now; send them again later.")
	}
	return c.JSON(outcomesResponse{Results: results})
}
