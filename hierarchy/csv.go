package hierarchy

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"hailong"
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
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(CSVHeader)
	var (
		units  []Unit
		fields []hailong.FieldError
	)
	bad := func(line int, field, format string, args ...any) {
		fields = append(fields, hailong.FieldError{Field: fmt.Sprintf("line %d: %s", line, field), Message: fmt.Sprintf(format, args...)})
	}
	header, err := cr.Read()
	if err != nil {
		return nil, hailong.Invalid("The unit file is empty or not CSV.", hailong.FieldError{Field: "line 1", Message: csvMessage(err)})
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // spreadsheets save a BOM
	}
	if !slices.Equal(header, CSVHeader) {
		return nil, hailong.Invalid("The unit file has the wrong header.", hailong.FieldError{Field: "line 1", Message: "the header must be " + strings.Join(CSVHeader, ",")})
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
				line = pe.Line
			}
			bad(line, "row", "%s", csvMessage(err))
			if pe == nil || !errors.Is(pe.Err, csv.ErrFieldCount) {
				break // the reader cannot go on after a quoting error
			}
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		u := Unit{Code: rec[0], Name: rec[1], Kind: Kind(rec[2]), Parent: rec[3], Successor: rec[6]}
		if !codePattern.MatchString(u.Code) {
			bad(line, "code", "%q must be 1 to 32 letters, digits, '.' or '-'", u.Code)
		}
		if u.Name == "" || !utf8.ValidString(u.Name) {
			bad(line, "name", "is required, in UTF-8")
		}
		if !u.Kind.Valid() {
			bad(line, "kind", "%q is not province, district, commune or centre", rec[2])
		}
		if u.From, err = hailong.ParseDate(rec[4]); err != nil {
			bad(line, "valid_from", "%v", err)
		}
		if rec[5] != "" {
			if u.Until, err = hailong.ParseDate(rec[5]); err != nil {
				bad(line, "valid_to", "%v", err)
			} else if u.Until <= u.From {
				bad(line, "valid_to", "must be after valid_from")
			}
		}
		if u.Successor != "" && rec[5] == "" {
			bad(line, "successor", "only a unit with valid_to can have a successor")
		}
		if u.Parent == u.Code && u.Code != "" {
			bad(line, "parent", "a unit cannot be its own parent")
		}
		units = append(units, u)
	}
	if len(fields) > 0 {
		return nil, hailong.Invalid("The unit file has errors; nothing was imported.", fields...)
	}
	if len(units) == 0 {
		return nil, hailong.Invalid("The unit file has no units.", hailong.FieldError{Field: "line 2", Message: "no rows after the header"})
	}
	return New(units)
}

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
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
