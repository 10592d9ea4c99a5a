// Package procedure is the catalogue of administrative procedures (thủ tục
// hành chính) from the national procedure database: code, name, field
// (lĩnh vực) and legal processing time.
package procedure

import (
	"io"
	"sort"
	"strconv"

	"hailong"
	"hailong/csvimport"
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

// Fields returns the field of each procedure, by code.
func (c *Catalogue) Fields() map[string]string {
	out := make(map[string]string, len(c.byCode))
	for code, p := range c.byCode {
		if p.Field != "" {
			out[code] = p.Field
		}
	}
	return out
}

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
	var ps []Procedure
	seen := map[string]int{}
	f, err := csvimport.Read(r, "procedure file", CSVHeader, func(f *csvimport.File, line int, rec []string) {
		p := Procedure{Code: rec[0], Name: rec[1], Field: rec[2]}
		if err := hailong.CheckProcedureCode(p.Code); err != nil {
			f.Bad(line, "code", "%v", err)
		} else if prev, dup := seen[p.Code]; dup {
			f.Bad(line, "code", "%s is already on line %d", p.Code, prev)
		}
		seen[p.Code] = line
		if p.Name == "" {
			f.Bad(line, "name", "is required")
		}
		if p.Field == "" {
			f.Bad(line, "field", "is required")
		}
		if rec[3] != "" {
			n, err := strconv.Atoi(rec[3])
			if err != nil || n < 0 || n > 3650 {
				f.Bad(line, "legal_days", "%q is not a number of days from 0 to 3650", rec[3])
			}
			p.LegalDays = n
		}
		ps = append(ps, p)
	})
	if err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return New(ps), nil
}
