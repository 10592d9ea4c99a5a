package hierarchy

import (
	"encoding/csv"
	"io"
	"regexp"
	"unicode/utf8"

	"hailong"
	"hailong/csvimport"
)

// CSVHeader is the header a unit CSV file must start with. valid_to and
// successor may be empty; dates are YYYY-MM-DD; valid_to is the first day the
// record is no longer in force.
var CSVHeader = []string{"code", "name", "kind", "parent", "valid_from", "valid_to", "successor"}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$`)

// ReadCSV reads unit records and checks them as a whole. Problems are
// reported by line and field, all at once, and nothing is returned unless
// the whole file is good, so an import is never half done.
func ReadCSV(r io.Reader) (*Tree, error) {
	var units []Unit
	f, err := csvimport.Read(r, "unit file", CSVHeader, func(f *csvimport.File, line int, rec []string) {
		var err error
		u := Unit{Code: rec[0], Name: rec[1], Kind: Kind(rec[2]), Parent: rec[3], Successor: rec[6]}
		if !codePattern.MatchString(u.Code) {
			f.Bad(line, "code", "%q must be 1 to 32 letters, digits, '.' or '-'", u.Code)
		}
		if u.Name == "" || !utf8.ValidString(u.Name) {
			f.Bad(line, "name", "is required, in UTF-8")
		}
		if !u.Kind.Valid() {
			f.Bad(line, "kind", "%q is not province, district, commune or centre", rec[2])
		}
		if u.From, err = hailong.ParseDate(rec[4]); err != nil {
			f.Bad(line, "valid_from", "%v", err)
		}
		if rec[5] != "" {
			if u.Until, err = hailong.ParseDate(rec[5]); err != nil {
				f.Bad(line, "valid_to", "%v", err)
			} else if u.Until <= u.From {
				f.Bad(line, "valid_to", "must be after valid_from")
			}
		}
		if u.Successor != "" && rec[5] == "" {
			f.Bad(line, "successor", "only a unit with valid_to can have a successor")
		}
		if u.Parent == u.Code && u.Code != "" {
			f.Bad(line, "parent", "a unit cannot be its own parent")
		}
		units = append(units, u)
	})
	if err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if len(units) == 0 {
		return nil, hailong.Invalid("The unit file has no units.", hailong.FieldError{Field: "line 2", Message: "no rows after the header"})
	}
	return New(units)
}

// WriteCSV writes the records in the format ReadCSV reads.
func (t *Tree) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(CSVHeader)
	for _, u := range t.Records() {
		until := ""
		if u.Until != 0 {
			until = u.Until.String()
		}
		_ = cw.Write([]string{u.Code, u.Name, string(u.Kind), u.Parent, u.From.String(), until, u.Successor})
	}
	cw.Flush()
	return cw.Error()
}
