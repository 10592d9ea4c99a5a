package alerts

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"hailong"
)

// Span is one stretch of opening hours within a day, as minutes after
// midnight in Vietnam time.
type Span struct{ From, To int }

// Hours are a centre's opening hours: the spans of each weekday (Vietnam
// time). A silence rule counts only time within them.
type Hours map[time.Weekday][]Span

// DefaultHours are the usual hours of a one-stop desk: Monday to Friday,
// 7:30–11:30 and 13:30–17:00, Vietnam time.
func DefaultHours() Hours {
	day := []Span{{7*60 + 30, 11*60 + 30}, {13*60 + 30, 17 * 60}}
	return Hours{time.Monday: day, time.Tuesday: day, time.Wednesday: day, time.Thursday: day, time.Friday: day}
}

// Open returns how much of [from, to) lies within the opening hours.
func (h Hours) Open(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	var total time.Duration
	from, to = from.In(hailong.Location), to.In(hailong.Location)
	for d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, hailong.Location); d.Before(to); d = d.AddDate(0, 0, 1) {
		for _, s := range h[d.Weekday()] {
			a, b := d.Add(time.Duration(s.From)*time.Minute), d.Add(time.Duration(s.To)*time.Minute)
			a, b = later(a, from), earlier(b, to)
			if b.After(a) {
				total += b.Sub(a)
			}
		}
	}
	return total
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// DefaultHoursText is DefaultHours as ParseHours reads it.
const DefaultHoursText = "mon-fri 07:30-11:30 13:30-17:00"

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseHours reads opening hours written as days and spans, groups
// separated by ";": "mon-fri 07:30-11:30 13:30-17:00; sat 07:30-11:30".
func ParseHours(s string) (Hours, error) {
	h := Hours{}
	for group := range strings.SplitSeq(s, ";") {
		fields := strings.Fields(strings.ToLower(group))
		if len(fields) == 0 {
			continue
		}
		first, last, _ := strings.Cut(fields[0], "-")
		if last == "" {
			last = first
		}
		a, b := slices.Index(weekdays, first), slices.Index(weekdays, last)
		if a < 0 || b < a {
			return nil, fmt.Errorf("opening hours: %q is not a day or a range of days (mon-fri)", fields[0])
		}
		var spans []Span
		for _, f := range fields[1:] {
			from, to, _ := strings.Cut(f, "-")
			x, err1 := minutes(from)
			y, err2 := minutes(to)
			if err1 != nil || err2 != nil || y <= x {
				return nil, fmt.Errorf("opening hours: %q is not a span of the day (07:30-11:30)", f)
			}
			spans = append(spans, Span{x, y})
		}
		for d := a; d <= b; d++ {
			h[time.Weekday(d)] = append(h[time.Weekday(d)], spans...)
		}
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("opening hours: none in %q", s)
	}
	return h, nil
}

func minutes(hm string) (int, error) {
	t, err := time.Parse("15:04", hm)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}
