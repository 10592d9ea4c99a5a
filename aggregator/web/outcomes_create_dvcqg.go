package web

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/dvcqg"
	"hailong/fiberapp"
)

// outcomesCreateDVCQG takes a batch of the national portal's DongBoHoSoMC
// records (dvcqg.MediaType) and answers per record like our own format:
// returned dossiers are created, updated or unchanged; records of other
// statuses are ignored with the reason; a record that cannot be read, or
// has an unknown status, is rejected with the reason, alone.
func (s *Server) outcomesCreateDVCQG(c *fiber.Ctx, client hailong.Enrolment) error {
	var batch dvcqg.Batch
	// The envelope is checked strictly; each record is read on its own
	// below, so that one bad record does not refuse the batch.
	if err := fiberapp.Unmarshal(c.Body(), &batch, fiberapp.ControlsCheckedLater("data")); err != nil {
		return err
	}
	if batch.Service != "" && batch.Service != dvcqg.Service {
		return hailong.Invalid("The batch is not DongBoHoSoMC records.", hailong.FieldError{Field: "service", Message: fmt.Sprintf("must be %s", dvcqg.Service)})
	}
	if batch.Data == nil {
		return hailong.Invalid("The batch is not valid.", hailong.FieldError{Field: "data", Message: "is required"})
	}
	if err := checkBatchSize("data", len(batch.Data)); err != nil {
		return err
	}
	unit := batch.Unit
	if unit == "" {
		unit = client.Unit
	}
	results := make([]outcomes.Result, len(batch.Data))
	var (
		os []hailong.Outcome
		at []int // index in results of each of os
	)
	for i, raw := range batch.Data {
		var r dvcqg.Record
		// Not strict: a record carries many fields the aggregator does not
		// read, among them the applicant's name and address, never stored.
		if err := json.Unmarshal(raw, &r); err != nil {
			results[i] = outcomes.Result{Dossier: r.MaHoSo, Status: outcomes.Rejected, Reason: "The record is not a DongBoHoSoMC record: " + jsonReason(err)}
			continue
		}
		o, ignored, err := r.Outcome(unit)
		if err == nil && ignored == "" {
			err = s.returnedByNow(&o, dvcqg.FieldOf("returned"))
		}
		switch {
		case err != nil:
			results[i] = outcomes.Result{Dossier: r.MaHoSo, Status: outcomes.Rejected, Reason: outcomes.Reason(err)}
		case ignored != "":
			results[i] = outcomes.Result{Dossier: r.MaHoSo, Status: outcomes.Ignored, Reason: ignored}
		default:
			os, at = append(os, o), append(at, i)
		}
	}
	if len(os) > 0 {
		stored, err := s.reportOutcomes(c, client, os)
		if err != nil {
			return err
		}
		for j, r := range stored {
			results[at[j]] = r
		}
	}
	return c.JSON(outcomesResponse{Results: results})
}

// jsonReason says what is wrong with a record's JSON without quoting Go.
func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("%s has the wrong type (%s).", te.Field, te.Value)
	}
	return "it is not a JSON object."
}
