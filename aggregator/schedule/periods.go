package schedule

import (
	"fmt"
	"time"

	"hailong"
	"hailong/aggregator/report"
)

// SendHour is the hour, Vietnam time, at which a period's report is sent
// on the first day after it closes: Monday 07:00 for the previous ISO
// week, the 1st at 07:00 for the previous month, the day after a quarter
// at 07:00 for the quarter.
const SendHour = 7

// Due is a period whose report falls due at At.
type Due struct {
	Period report.Period
	// Key names the period for the record of what was sent: 2026-W48,
	// 2026-11, 2026-Q3.
	Key string
	At  time.Time
}

// LastDue returns the latest period of kind whose report fell due at or
// before now.
func LastDue(kind hailong.SubscriptionKind, now time.Time) Due {
	start := periodStart(kind, now) // the first day of the period holding now
	at := sendTime(start)
	if now.Before(at) {
		start = previousStart(kind, start)
		at = sendTime(start)
	}
	return dueOf(kind, previousStart(kind, start), at)
}

// NextDue returns the first time after now at which a report of kind
// falls due.
func NextDue(kind hailong.SubscriptionKind, now time.Time) time.Time {
	last := LastDue(kind, now)
	return sendTime(nextStart(kind, last.Period.To+1))
}

// dueOf is the period of kind starting on start, due at.
func dueOf(kind hailong.SubscriptionKind, start hailong.Date, at time.Time) Due {
	y, m := start.YearMonth()
	switch kind {
	case hailong.SubscribeWeekly:
		p := report.Period{From: start, To: start + 6, Kind: report.Custom}
		iy, iw := start.Start().In(hailong.Location).ISOWeek()
		return Due{Period: p, Key: fmt.Sprintf("%04d-W%02d", iy, iw), At: at}
	case hailong.SubscribeMonthly:
		p := report.MonthOf(y, m)
		return Due{Period: p, Key: p.String(), At: at}
	}
	p := report.QuarterContaining(start)
	return Due{Period: p, Key: p.String(), At: at}
}

// periodStart is the first day of the period of kind holding t.
func periodStart(kind hailong.SubscriptionKind, t time.Time) hailong.Date {
	d := hailong.DateOf(t)
	switch kind {
	case hailong.SubscribeWeekly:
		wd := int(d.Start().In(hailong.Location).Weekday()+6) % 7 // Monday 0
		return d - hailong.Date(wd)
	case hailong.SubscribeMonthly:
		y, m := d.YearMonth()
		return hailong.DateFromYMD(y, m, 1)
	}
	return report.QuarterContaining(d).From
}

// previousStart is the first day of the period of kind before the one
// starting on start.
func previousStart(kind hailong.SubscriptionKind, start hailong.Date) hailong.Date {
	if kind == hailong.SubscribeWeekly {
		return start - 7
	}
	return periodStart(kind, (start - 1).Start())
}

// nextStart is the first day of the period of kind after the one holding d.
func nextStart(kind hailong.SubscriptionKind, d hailong.Date) hailong.Date {
	switch kind {
	case hailong.SubscribeWeekly:
		return periodStart(kind, d.Start()) + 7
	case hailong.SubscribeMonthly:
		return report.MonthOf(d.YearMonth()).To + 1
	}
	return report.QuarterContaining(d).To + 1
}

// sendTime is SendHour on day d, Vietnam time.
func sendTime(d hailong.Date) time.Time {
	return d.Start().Add(SendHour * time.Hour)
}
