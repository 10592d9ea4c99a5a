package hailong

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // kiosks and servers may run without a zoneinfo database
)

// Location is where periods are cut: days, months, quarters and years are
// Vietnamese calendar periods whatever the server's zone.
var Location = mustLoad("Asia/Ho_Chi_Minh")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// Date is a calendar day in Vietnam, counted in days since 1970-01-01. The
// zero Date is 1970-01-01; use a pointer or a flag where "no date" matters.
type Date int32

// DateOf returns the Vietnamese calendar day of the instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Location).Date()
	return DateFromYMD(y, m, d)
}

// DateFromYMD returns the date of a calendar day. Out-of-range values
// normalise as in time.Date: month 13 is January of the next year.
func DateFromYMD(y int, m time.Month, d int) Date {
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date YYYY-MM-DD", truncate(s, 20))
	}
	return Date(t.Unix() / 86400), nil
}

// ReadDate reads a date as a person writes it in a form: 30/11/2026, the
// Vietnamese way (day, month, year; with or without leading zeros; "/",
// "." or "-" between, as a phone's number pad may lack "/"; or the eight
// digits 30112026), or 2026-11-30 (ISO, as links and the API write it).
// The month never comes first: 05/11/2026 is 5 November. The one reader
// of the dates the pages and the API's queries are given; ParseDate stays
// strict for files and JSON.
func ReadDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return Date(t.Unix() / 86400), nil
	}
	m := dayFirst.FindStringSubmatch(s)
	if m == nil {
		m = dayFirstDigits.FindStringSubmatch(s)
	}
	if m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		y, _ := strconv.Atoi(m[3])
		// time.Date would carry 31 November into December: a day the
		// month lacks is no date.
		if t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC); t.Day() == d && int(t.Month()) == mo {
			return Date(t.Unix() / 86400), nil
		}
	}
	return 0, fmt.Errorf("%q is not a date DD/MM/YYYY or YYYY-MM-DD", truncate(s, 20))
}

var (
	dayFirst       = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$`)
	dayFirstDigits = regexp.MustCompile(`^(\d{2})(\d{2})(\d{4})$`)
)

func (d Date) utc() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return d.utc().Format(time.DateOnly) }

// Start returns the first instant of the day in Vietnam.
func (d Date) Start() time.Time {
	y, m, dd := d.utc().Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, Location)
}

// YearMonth returns the year and month of the date.
func (d Date) YearMonth() (int, time.Month) {
	y, m, _ := d.utc().Date()
	return y, m
}

// MarshalText writes YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ClockAndDate writes an instant as people read it in a page's language, in
// Vietnam time: "14:05" and "28/11/2026" in Vietnamese, "14:05" and
// "28 Nov 2026" in English.
func ClockAndDate(lang string, t time.Time) (clock, date string) {
	t = t.In(Location)
	if lang == "vi" {
		return t.Format("15:04"), t.Format("02/01/2006")
	}
	return t.Format("15:04"), t.Format("2 Jan 2006")
}
