// Package procedure is the catalogue of administrative procedures (thủ tục
// hành chính) from the national procedure database: code, name, field
// (lĩnh vực) and legal processing time.
package procedure

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"hailong"
)

// Procedure is one administrative procedure.
type Procedure struct {
	Code  string `json:"code" bson:"code"`
	Name  string `json:"name" bson:"name"`
	Field string `json:"field" bson:"field"`
	// LegalDays is the processing time the law sets, in working days; 0
	// when it is settled on receipt.
	LegalDays int `json:"legal_days" bson:"legal_days"`
}

// Catalogue holds procedures by code.
type Catalogue struct {
	byCode  map[string]Procedure
	byField map[string][]string
}

// New builds a catalogue.
func New(ps []Procedure) *Catalogue {
	c := &Catalogue{byCode: map[string]Procedure{}, byField: map[string][]string{}}
	for _, p := range ps {
		c.byCode[p.Code] = p
		c.byField[p.Field] = append(c.byField[p.Field], p.Code)
	}
	for _, codes := range c.byField {
		sort.Strings(codes)
	}
	return c
}

// Get returns a procedure by code.
func (c *Catalogue) Get(code string) (Procedure, bool) {
	p, ok := c.byCode[code]
	return p, ok
}

// InField returns the codes of a field's procedures.
func (c *Catalogue) InField(field string) []string { return c.byField[field] }

// All returns every procedure, by code.
func (c *Catalogue) All() []Procedure {
	out := make([]Procedure, 0, len(c.byCode))
	for _, p := range c.byCode {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// CSVHeader is the header a procedure CSV file starts with.
var CSVHeader = []string{"code", "name", "field", "legal_days"}

// ReadCSV reads a catalogue. Problems are reported by line and field, all
// at once; nothing is returned unless the whole file is good.
func ReadCSV(r io.Reader) (*Catalogue, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(CSVHeader)
	var (
		ps     []Procedure
		fields []hailong.FieldError
		seen   = map[string]int{}
	)
	bad := func(line int, field, format string, args ...any) {
		fields = append(fields, hailong.FieldError{Field: fmt.Sprintf("line %d: %s", line, field), Message: fmt.Sprintf(format, args...)})
	}
	header, err := cr.Read()
	if err != nil {
		return nil, hailong.Invalid("The procedure file is empty or not CSV.", hailong.FieldError{Field: "line 1", Message: err.Error()})
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	if !slices.Equal(header, CSVHeader) {
		return nil, hailong.Invalid("The procedure file has the wrong header.", hailong.FieldError{Field: "line 1", Message: "the header must be " + strings.Join(CSVHeader, ",")})
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad(pe.Line, "row", "%v", pe.Err)
				if errors.Is(pe.Err, csv.ErrFieldCount) {
					continue
				}
			} else {
				bad(line, "row", "%v", err)
			}
			break
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		p := Procedure{Code: rec[0], Name: rec[1], Field: rec[2]}
		if err := hailong.CheckProcedureCode(p.Code); err != nil {
			bad(line, "code", "%v", err)
		} else if prev, dup := seen[p.Code]; dup {
			bad(line, "code", "%s is already on line %d", p.Code, prev)
		}
		seen[p.Code] = line
		if p.Name == "" {
			bad(line, "name", "is required")
		}
		if p.Field == "" {
			bad(line, "field", "is required")
		}
		if rec[3] != "" {
			n, err := strconv.Atoi(rec[3])
			if err != nil || n < 0 || n > 3650 {
				bad(line, "legal_days", "%q is not a number of days from 0 to 3650", rec[3])
			}
			p.LegalDays = n
		}
		ps = append(ps, p)
	}
	if len(fields) > 0 {
		return nil, hailong.Invalid("The procedure file has errors; nothing was imported.", fields...)
	}
	return New(ps), nil
}
