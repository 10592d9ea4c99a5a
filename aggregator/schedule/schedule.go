// Package schedule emails the scheduled reports users subscribed units
// to: the weekly and monthly summaries and the quarterly report (the PDF
// of package export attached), after each period closes, in the
// subscriber's language. What was handed to the mail outbox is recorded
// per subscription (its last period), so a restart neither skips nor
// repeats a report, and a period that fell due while the aggregator was
// down is sent when it starts.
package schedule

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"hailong"
	"hailong/aggregator/export"
	"hailong/aggregator/mail"
	"hailong/aggregator/report"
)

// Subscriptions lists subscriptions and records what was sent
// (subscribe.Service).
type Subscriptions interface {
	OfKind(kind hailong.SubscriptionKind) []hailong.Subscription
	SetLastPeriod(ctx context.Context, id, period string) error
}

// Recipients says who may be emailed about a unit (access.Service).
type Recipients interface {
	MailTo(username, unit string, asOf hailong.Date, needs ...hailong.Permission) (string, bool)
	Covers(root, unit string, asOf hailong.Date) bool
}

// Outbox stores emails durably before they are sent (mail.Outbox).
type Outbox interface {
	Enqueue(ctx context.Context, msgs ...mail.Message) error
}

// Alerts returns the alerts opened in [from, to), for the summaries; the
// alert engine answers it.
type Alerts func(ctx context.Context, from, to time.Time) ([]hailong.Alert, error)

// Config is what a Scheduler needs.
type Config struct {
	Subscriptions Subscriptions
	Recipients    Recipients
	Outbox        Outbox
	// Reporter makes the reports, the one place figures are made.
	Reporter func() *report.Reporter
	// Alerts counts the alerts opened in a summary's period; nil leaves
	// the count out.
	Alerts  Alerts
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
}

// Kinds are the subscription kinds the scheduler sends.
var Kinds = []hailong.SubscriptionKind{hailong.SubscribeWeekly, hailong.SubscribeMonthly, hailong.SubscribeQuarterly}

// Scheduler sends the scheduled reports.
type Scheduler struct {
	cfg    Config
	alerts atomic.Pointer[Alerts]
}

// SetAlerts gives the summaries the alerts opened in their period, when
// the alert engine is made after the scheduler.
func (s *Scheduler) SetAlerts(a Alerts) { s.alerts.Store(&a) }

// New returns a scheduler; Run sends.
func New(cfg Config) *Scheduler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Scheduler{cfg: cfg}
	s.alerts.Store(&cfg.Alerts)
	return s
}

// Run sends what fell due (at once, for periods missed while stopped),
// then sleeps until the next report falls due, until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	for {
		now := s.cfg.Now()
		if err := s.SendDue(ctx, now); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("scheduled reports", "err", err)
		}
		// A failed report is tried again within the hour.
		wait := time.Hour
		for _, k := range Kinds {
			wait = min(wait, NextDue(k, now).Sub(now))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// SendDue hands to the outbox the report of the latest period due by now
// of every subscription that has not had it and existed when it fell due.
func (s *Scheduler) SendDue(ctx context.Context, now time.Time) error {
	var errs []error
	for _, kind := range Kinds {
		due := LastDue(kind, now)
		for _, sub := range s.cfg.Subscriptions.OfKind(kind) {
			if sub.LastPeriod == due.Key || sub.Created.After(due.At) {
				continue
			}
			if err := s.send(ctx, sub, due, now); err != nil {
				errs = append(errs, fmt.Errorf("subscription %s, %s: %w", sub.ID, due.Key, err))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d reports not sent: %w", len(errs), errs[0])
	}
	return nil
}

// send emails one subscription's report of one period and records it. A
// subscriber without an address or access to the unit is skipped (and
// recorded, so the report is not made again every hour).
func (s *Scheduler) send(ctx context.Context, sub hailong.Subscription, due Due, now time.Time) error {
	today := hailong.DateOf(now)
	if to, ok := s.cfg.Recipients.MailTo(sub.Username, sub.Unit, today, needs(sub.Kind)...); ok {
		m, err := s.Message(ctx, sub, due, today)
		switch hailong.ErrorCode(err) {
		case "":
		case hailong.ENOTFOUND, hailong.EINVALID:
			// A unit no longer in force has no report: tried again it
			// would fail every hour.
			s.cfg.Logger.Warn("no scheduled report", "subscription", sub.ID, "period", due.Key, "err", err)
			return s.cfg.Subscriptions.SetLastPeriod(ctx, sub.ID, due.Key)
		default:
			return err
		}
		m.ID, m.To = "report."+sub.ID+"."+due.Key, []string{to}
		// The outbox keeps the email by ID: a crash before the record
		// below makes the same email again, stored once.
		if err := s.cfg.Outbox.Enqueue(ctx, m); err != nil {
			return err
		}
	}
	return s.cfg.Subscriptions.SetLastPeriod(ctx, sub.ID, due.Key)
}

// needs are the permissions a subscriber's role must hold, beside
// measures.read, to be sent a report of kind: the quarterly report's PDF
// is an export (exports.read), as it is on the pages and the API.
func needs(kind hailong.SubscriptionKind) []hailong.Permission {
	if kind == hailong.SubscribeQuarterly {
		return []hailong.Permission{hailong.PermExportsRead}
	}
	return nil
}

// Message makes the email of a subscription's report of due's period, in
// the subscription's language, with the units as they are on today.
func (s *Scheduler) Message(ctx context.Context, sub hailong.Subscription, due Due, today hailong.Date) (mail.Message, error) {
	lang := sub.Lang
	if words[lang] == nil {
		lang = "vi"
	}
	r := s.cfg.Reporter()
	q := report.Query{Unit: sub.Unit, Period: due.Period, AsOf: today}
	if err := r.Resolve(&q); err != nil {
		return mail.Message{}, err
	}
	allowed := func(unit string) bool {
		_, ok := s.cfg.Recipients.MailTo(sub.Username, unit, today, needs(sub.Kind)...)
		return ok
	}
	if sub.Kind == hailong.SubscribeQuarterly {
		return s.quarterly(r, q, lang, allowed, sub)
	}
	return s.summary(ctx, r, q, lang, allowed, sub)
}

// summary is the weekly or monthly summary: the satisfaction rate with n
// and interval, the change against the previous period, the lowest child
// units and procedures, the alerts opened.
func (s *Scheduler) summary(ctx context.Context, r *report.Reporter, q report.Query, lang string, allowed func(string) bool, sub hailong.Subscription) (mail.Message, error) {
	w := words[lang]
	m, err := r.Measures(q, report.Breakdowns{Units: true, Allowed: allowed}, lang)
	if err != nil {
		return mail.Message{}, err
	}
	prevQ := q
	prevQ.Period = q.Period.Previous()
	prev, err := r.Measures(prevQ, report.Breakdowns{}, lang)
	if err != nil {
		return mail.Message{}, err
	}
	change := report.Compare(m.Satisfaction, prev.Satisfaction, prevQ.Period)
	span := periodName(lang, sub.Kind, q.Period)
	subject := fmt.Sprintf(w["subject_"+string(sub.Kind)], m.UnitName, span)
	paras := []string{fmt.Sprintf(w["intro"], w[string(sub.Kind)], m.UnitName, q.Unit, span,
		export.Date(lang, q.From), export.Date(lang, q.To)),
		w["satisfaction"] + ": " + proportion(lang, m.Satisfaction, m.MinSample) + "\n" + changeLine(lang, change, prev.Satisfaction)}
	var units []report.BreakdownRow
	for _, u := range m.ByUnit {
		units = append(units, report.BreakdownRow{Key: u.Unit, Name: u.Name, Satisfaction: u.Satisfaction})
	}
	paras = append(paras, lowest(lang, w["lowest_units"], report.Worst(units, 3)))
	procs, err := r.Breakdown(q, "procedure", lang)
	if err != nil {
		return mail.Message{}, err
	}
	paras = append(paras, lowest(lang, w["lowest_procedures"], report.Worst(procs.Rows, 3)))
	if alerts := *s.alerts.Load(); alerts != nil {
		n, err := s.alertsOpened(ctx, alerts, sub, q)
		if err != nil {
			return mail.Message{}, err
		}
		paras = append(paras, fmt.Sprintf(w["alerts"], export.Number(lang, float64(n), 0)))
	}
	paras = append(paras, s.footer(lang, sub, m.UnitName))
	text, html := mail.Compose(subject, paras...)
	return mail.Message{Subject: subject, Text: text, HTML: html}, nil
}

// alertsOpened counts the alerts opened in the period for units of the
// subscription's subtree the subscriber sees.
func (s *Scheduler) alertsOpened(ctx context.Context, opened Alerts, sub hailong.Subscription, q report.Query) (int, error) {
	alerts, err := opened(ctx, q.From.Start(), (q.To + 1).Start())
	if err != nil {
		return 0, fmt.Errorf("alerts of %s: %w", q.Unit, err)
	}
	n := 0
	for _, a := range alerts {
		if s.cfg.Recipients.Covers(sub.Unit, a.Unit, q.AsOf) {
			if _, ok := s.cfg.Recipients.MailTo(sub.Username, a.Unit, q.AsOf); ok {
				n++
			}
		}
	}
	return n, nil
}

// quarterly is the quarterly report: a short email with the PDF every
// page and API download of it makes.
func (s *Scheduler) quarterly(r *report.Reporter, q report.Query, lang string, allowed func(string) bool, sub hailong.Subscription) (mail.Message, error) {
	w := words[lang]
	qr, err := r.Quarterly(q, report.QuarterlyOptions{Lang: lang, Allowed: allowed})
	if err != nil {
		return mail.Message{}, err
	}
	var pdf bytes.Buffer
	name, err := export.QuarterlyPDF(&pdf, r, qr, q, lang, s.cfg.Now())
	if err != nil {
		return mail.Message{}, err
	}
	unitName := qr.Measures.UnitName
	span := report.QuarterName(lang, q.Period)
	subject := fmt.Sprintf(w["subject_quarterly"], unitName, span)
	paras := []string{
		fmt.Sprintf(w["quarterly_intro"], unitName, q.Unit, span),
		w["satisfaction"] + ": " + proportion(lang, qr.Measures.Satisfaction, qr.Measures.MinSample),
		s.footer(lang, sub, unitName),
	}
	text, html := mail.Compose(subject, paras...)
	return mail.Message{Subject: subject, Text: text, HTML: html,
		Attachments: []mail.Attachment{{Name: name, ContentType: "application/pdf", Data: pdf.Bytes()}}}, nil
}

func (s *Scheduler) footer(lang string, sub hailong.Subscription, unitName string) string {
	w := words[lang]
	out := fmt.Sprintf(w["why"], w[string(sub.Kind)], unitName)
	if s.cfg.BaseURL != "" {
		q := ""
		if lang == "en" {
			q = "?lang=en"
		}
		out += "\n" + w["manage"] + ": " + strings.TrimRight(s.cfg.BaseURL, "/") + "/account/subscriptions" + q
	}
	return out
}

// proportion writes a rate with its sample and 95% interval, or says
// there were not enough ratings.
func proportion(lang string, p report.Proportion, minSample int64) string {
	w := words[lang]
	n := export.Number(lang, float64(p.N), 0)
	if !p.Shown() {
		return fmt.Sprintf(w["not_enough"], n, export.Number(lang, float64(minSample), 0))
	}
	return fmt.Sprintf(w["rate"], export.Percent(lang, *p.Rate), n, export.Percent(lang, p.CI95[0]), export.Percent(lang, p.CI95[1]))
}

// changeLine compares the rate with the previous period's.
func changeLine(lang string, c report.Change, then report.Proportion) string {
	w := words[lang]
	if c.Delta == nil {
		return w["no_change"]
	}
	d := *c.Delta
	sign := "+"
	if d < 0 {
		sign, d = "−", -d
	}
	pts := export.Number(lang, d*100, 1)
	verdict := w["not_significant"]
	if c.Significant {
		verdict = w["significant"]
	}
	return fmt.Sprintf(w["change"], sign+pts, export.Percent(lang, *then.Rate), verdict)
}

// lowest lists the lowest rows, or says none had enough ratings.
func lowest(lang, title string, rows []report.BreakdownRow) string {
	w := words[lang]
	if len(rows) == 0 {
		return title + ": " + w["none"]
	}
	lines := []string{title + ":"}
	for _, r := range slices.Clip(rows) {
		lines = append(lines, fmt.Sprintf("%d. %s – %s (n = %s)", r.Rank, r.Name, export.Percent(lang, *r.Satisfaction.Rate),
			export.Number(lang, float64(r.Satisfaction.N), 0)))
	}
	return strings.Join(lines, "\n")
}

// periodName names a week or month as the subject says it.
func periodName(lang string, kind hailong.SubscriptionKind, p report.Period) string {
	w := words[lang]
	if kind == hailong.SubscribeWeekly {
		y, wk := p.From.Start().ISOWeek()
		return fmt.Sprintf(w["week"], wk, y)
	}
	y, m := p.From.YearMonth()
	return fmt.Sprintf(w["month"], int(m), y)
}

var words = map[string]map[string]string{
	"vi": {
		"subject_weekly":    "[Hài Lòng] Tóm tắt tuần: %s, %s",
		"subject_monthly":   "[Hài Lòng] Tóm tắt tháng: %s, %s",
		"subject_quarterly": "[Hài Lòng] Báo cáo quý: %s, %s",
		"weekly":            "tóm tắt tuần", "monthly": "tóm tắt tháng", "quarterly": "báo cáo quý",
		"week": "tuần %d năm %d", "month": "tháng %d/%d",
		"intro":             "Bản %s về mức độ hài lòng của người dân đối với %s (%s), %s (từ %s đến %s).",
		"quarterly_intro":   "Báo cáo quý về mức độ hài lòng của người dân đối với %s (%s), %s, được đính kèm dưới dạng PDF.",
		"satisfaction":      "Tỷ lệ hài lòng",
		"rate":              "%s trên %s lượt đánh giá (khoảng tin cậy 95\u00a0%%: %s – %s)",
		"not_enough":        "chưa đủ lượt đánh giá (%s lượt, cần tối thiểu %s)",
		"change":            "So với kỳ trước: %s điểm phần trăm (kỳ trước %s), %s.",
		"significant":       "thay đổi có ý nghĩa thống kê",
		"not_significant":   "chưa đủ để kết luận là thay đổi thật",
		"no_change":         "So với kỳ trước: không so sánh được (một trong hai kỳ chưa đủ lượt đánh giá).",
		"lowest_units":      "Đơn vị có tỷ lệ hài lòng thấp nhất",
		"lowest_procedures": "Thủ tục có tỷ lệ hài lòng thấp nhất",
		"none":              "không có đơn vị hay thủ tục nào đủ lượt đánh giá.",
		"alerts":            "Số cảnh báo đã mở trong kỳ: %s.",
		"why":               "Bạn nhận thư này vì đã đăng ký nhận %s của %s.",
		"manage":            "Thay đổi đăng ký",
	},
	"en": {
		"subject_weekly":    "[Hài Lòng] Weekly summary: %s, %s",
		"subject_monthly":   "[Hài Lòng] Monthly summary: %s, %s",
		"subject_quarterly": "[Hài Lòng] Quarterly report: %s, %s",
		"weekly":            "weekly summary", "monthly": "monthly summary", "quarterly": "quarterly report",
		"week": "week %d of %d", "month": "month %d/%d",
		"intro":             "The %s of citizens' satisfaction with %s (%s), %s (%s to %s).",
		"quarterly_intro":   "The quarterly report of citizens' satisfaction with %s (%s), %s, is attached as a PDF.",
		"satisfaction":      "Satisfaction rate",
		"rate":              "%s over %s ratings (95%% interval: %s – %s)",
		"not_enough":        "not enough ratings (%s, at least %s needed)",
		"change":            "Against the previous period: %s percentage points (then %s), %s.",
		"significant":       "a statistically significant change",
		"not_significant":   "not enough to conclude a real change",
		"no_change":         "Against the previous period: no comparison (one of the two periods has too few ratings).",
		"lowest_units":      "Units with the lowest satisfaction",
		"lowest_procedures": "Procedures with the lowest satisfaction",
		"none":              "none with enough ratings.",
		"alerts":            "Alerts opened in the period: %s.",
		"why":               "You receive this email because you subscribed to the %s of %s.",
		"manage":            "Change your subscriptions",
	},
}
