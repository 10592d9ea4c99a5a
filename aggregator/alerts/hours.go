package alerts

import (
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
