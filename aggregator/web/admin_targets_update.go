package web

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// adminTargetsUpdate takes the targets form: one row a target, rates in
// percent; a row without rate and source is dropped. The list is checked,
// stored and recorded as PUT /api/v1/targets does.
func (s *Server) adminTargetsUpdate(c *fiber.Ctx) error {
	args := c.Request().PostArgs()
	measures, pcts, bys, sources := args.PeekMulti("measure"), args.PeekMulti("target"), args.PeekMulti("by"), args.PeekMulti("source")
	type target struct {
		Measure string  `json:"measure"`
		Target  float64 `json:"target"`
		By      int     `json:"by"`
		Source  string  `json:"source"`
	}
	var rows []targetRow
	list := []target{}
	var fields []hailong.FieldError
	for i := range measures {
		r := targetRow{Measure: string(measures[i])}
		if i < len(pcts) {
			r.Pct = strings.TrimSpace(string(pcts[i]))
		}
		if i < len(bys) {
			r.By = strings.TrimSpace(string(bys[i]))
		}
		if i < len(sources) {
			r.Source = strings.TrimSpace(string(sources[i]))
		}
		rows = append(rows, r)
		if r.Pct == "" && r.Source == "" {
			continue
		}
		pct, err1 := strconv.ParseFloat(strings.Replace(r.Pct, ",", ".", 1), 64)
		by, err2 := strconv.Atoi(r.By)
		if err1 != nil || err2 != nil {
			fields = append(fields, hailong.FieldError{Field: "line " + strconv.Itoa(i+1), Message: "needs a rate in percent and a year"})
			continue
		}
		list = append(list, target{Measure: r.Measure, Target: pct / 100, By: by, Source: r.Source})
	}
	page := fleetPage{Targets: rows}
	var err error
	if len(fields) > 0 {
		err = hailong.Invalid("The targets are not valid.", fields...)
		s.audit(c, actionTargetsUpdate, "targets", "", err)
	} else {
		body, _ := json.Marshal(list)
		if _, err = s.setTargets(c, body); err == nil {
			page.Notice = "saved"
			page.Targets = targetRows(s.targetList())
		}
	}
	status, err := page.settle(pageLang(c), err)
	if err != nil {
		return err
	}
	return s.fleetRender(c, status, "fleet_targets.html", page)
}
