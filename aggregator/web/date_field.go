package web

import (
	"hailong"
)

// dateField is a date's field of a form, for the template "date_input":
// a text field rather than the browser's date picker, whose format is the
// browser's locale (mm/dd/yyyy in an English Chromium) and not the page's.
// A Vietnamese page takes and shows 30/11/2026, an English one 2026-11-30;
// the server reads either (hailong.ReadDate).
type dateField struct {
	ID, Name, Label string
	// Value is the date as the page writes it, or what was typed when it
	// is no date, so the reader sees what to correct.
	Value string
	// Hint is the format, shown beside the label and as the placeholder.
	Hint    string
	Invalid bool
}

// dateFormats are how the pages write a date in a field, by language:
// a layout for time.Format and the hint that says it.
var dateFormats = map[string]struct{ layout, hint string }{
	"vi": {"02/01/2006", "dd/mm/yyyy"},
	"en": {"2006-01-02", "yyyy-mm-dd"},
}

// newDateField makes the field id named name of a page in lang, holding
// raw, the value the query carries.
func newDateField(lang, id, name, label, raw string, invalid bool) dateField {
	f, ok := dateFormats[lang]
	if !ok {
		f = dateFormats["en"]
	}
	value := raw
	if d, err := hailong.ReadDate(raw); err == nil {
		value = d.Start().Format(f.layout)
	}
	return dateField{ID: id, Name: name, Label: label, Value: value, Hint: f.hint, Invalid: invalid}
}

func init() {
	funcs["dateField"] = newDateField
}
