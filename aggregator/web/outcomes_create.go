package web

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/dvcqg"
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
// authenticated like a kiosk, for units in the subtree it is enrolled for:
// in our own format (application/json), or as the national portal's
// DongBoHoSoMC records (dvcqg.MediaType). Each dossier's report replaces
// the previous one; repeating a report changes nothing.
func (s *Server) outcomesCreate(c *fiber.Ctx) error {
	client := credentialOf(c) // authenticated by the route's rule
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
	if ct == dvcqg.MediaType {
		return s.outcomesCreateDVCQG(c, client)
	}
	if ct != fiber.MIMEApplicationJSON {
		return hailong.Errorf(hailong.EUNSUPPORTED, "Outcomes are sent as application/json (our format) or %s (the national portal's DongBoHoSoMC records).", dvcqg.MediaType)
	}
	var req outcomesRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	if req.Outcomes == nil { // {} or null: not a report ([] is an empty one)
		return hailong.Invalid("The report is not valid.", hailong.FieldError{Field: "outcomes", Message: "is required: a list of outcomes"})
	}
	if err := checkBatchSize("outcomes", len(req.Outcomes)); err != nil {
		return err
	}
	results, err := s.reportOutcomes(c, client, req.Outcomes)
	if err != nil {
		return err
	}
	return c.JSON(outcomesResponse{Results: results})
}

// returnedByNow refuses an outcome returned after today, by Vietnam's
// clock with a day for the one-stop software's (field names its return
// day in the report's format).
func (s *Server) returnedByNow(o *hailong.Outcome, field string) error {
	if r := o.Returned; r != nil && *r > hailong.DateOf(s.Now())+1 {
		return hailong.Invalid("The outcome is not valid.", hailong.FieldError{Field: field, Message: fmt.Sprintf("%s is after today: a dossier is reported once returned", *r)})
	}
	return nil
}

// checkBatchSize bounds one report.
func checkBatchSize(field string, n int) error {
	if n > maxOutcomes {
		return hailong.Invalid("The report is too large.", hailong.FieldError{Field: field, Message: fmt.Sprintf("at most %d outcomes per report", maxOutcomes)})
	}
	return nil
}

// reportOutcomes hands outcomes to the book, allowing the units of the
// client's subtree.
func (s *Server) reportOutcomes(c *fiber.Ctx, client hailong.Enrolment, os []hailong.Outcome) ([]outcomes.Result, error) {
	scope, err := s.Units().Subtree(client.Unit, hailong.DateOf(s.Now()))
	if err != nil {
		return nil, err
	}
	// A dossier returned after today (by Vietnam's clock, with a day for
	// the one-stop software's) is a slip of its clock or its clerk: counted,
	// it would sit in a period not yet come, which no measure reads until
	// then. Refused alone, as the book refuses a report not valid.
	results := make([]outcomes.Result, len(os))
	var taken []hailong.Outcome
	var at []int
	for i := range os {
		if err := s.returnedByNow(&os[i], "returned"); err != nil {
			results[i] = outcomes.Result{Dossier: os[i].Code(), Status: outcomes.Rejected, Reason: outcomes.Reason(err)}
			continue
		}
		taken, at = append(taken, os[i]), append(at, i)
	}
	got, err := s.Outcomes.Report(c.UserContext(), taken, func(unit string) bool { return slices.Contains(scope, unit) })
	if err != nil {
		s.Logger.Error("store outcomes", "client", client.ID, "err", err)
		return nil, hailong.Errorf(hailong.EUNAVAILABLE, "The outcomes could not be stored now; send them again later.")
	}
	for j, r := range got {
		results[at[j]] = r
	}
	return results, nil
}
