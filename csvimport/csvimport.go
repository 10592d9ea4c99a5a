// Package csvimport reads the reference data files operators import
// (administrative units, procedures): CSV in UTF-8 with a fixed header.
// Problems are collected by line and field, all at once, so that a file is
// imported whole or not at all.
package csvimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"hailong"
)

// File is a file being read: its rows and the problems found so far.
type File struct {
	what   string // "unit file", for messages
	Fields []hailong.FieldError
}

// Bad records a problem with a field of a line.
func (f *File) Bad(line int, field, format string, args ...any) {
	f.Fields = append(f.Fields, hailong.Fieldf(fmt.Sprintf("line %d: %s", line, field), format, args...))
}

// Err returns the problems as one EINVALID error, or nil.
func (f *File) Err() error {
	if len(f.Fields) == 0 {
		return nil
	}
	return hailong.Invalid(fmt.Sprintf("The %s has errors; nothing was imported.", f.what), f.Fields...)
}

// Read checks the header, then calls row with each line's number and its
// trimmed values. A byte-order mark before the header is allowed: spreadsheets
// save one. It returns an error only for a file that cannot be read as CSV
// with that header; problems within rows are in f.Fields.
func Read(r io.Reader, what string, header []string, row func(f *File, line int, rec []string)) (*File, error) {
	f := &File{what: what}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(header)
	got, err := cr.Read()
	if err != nil {
		return nil, hailong.Invalid(fmt.Sprintf("The %s is empty or not CSV.", what), hailong.FieldError{Field: "line 1", Message: message(err)})
	}
	if len(got) > 0 {
		got[0] = strings.TrimPrefix(got[0], "\ufeff")
	}
	if !slices.Equal(got, header) {
		return nil, hailong.Invalid(fmt.Sprintf("The %s has the wrong header.", what), hailong.Fieldf("line 1", "the header must be %s", strings.Join(header, ",")))
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			f.Bad(line, "row", "%s", message(err))
			if pe == nil || !errors.Is(pe.Err, csv.ErrFieldCount) {
				return f, nil // the reader cannot go on after a quoting error
			}
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		row(f, line, rec)
	}
}

func message(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
