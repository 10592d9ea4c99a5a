// Package notify emails the subscribers of a unit's alerts when an alert
// opens or closes. Its AlertMailer is a hailong.EventPublisher: the alert
// engine publishes to it (through the app's fan-out) and Publish returns
// at once; the emails go through the durable mail outbox.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"hailong"
	"hailong/aggregator/alerts"
	"hailong/aggregator/export"
	"hailong/aggregator/mail"
	"hailong/hierarchy"
)

// Recipients says who may be emailed about a unit (access.Service).
type Recipients interface {
	// MailTo returns the user's address while the user is enabled and
	// sees unit on asOf.
	MailTo(username, unit string, asOf hailong.Date, needs ...hailong.Permission) (string, bool)
	// Covers reports whether unit lies in root's subtree on asOf.
	Covers(root, unit string, asOf hailong.Date) bool
}

// Subscriptions lists the subscriptions of a kind (subscribe.Service).
type Subscriptions interface {
	OfKind(kind hailong.SubscriptionKind) []hailong.Subscription
}

// Outbox stores emails durably before they are sent (mail.Outbox).
type Outbox interface {
	Enqueue(ctx context.Context, msgs ...mail.Message) error
}

// Config is what an AlertMailer needs.
type Config struct {
	Subscriptions Subscriptions
	Recipients    Recipients
	Outbox        Outbox
	// Units names units in the emails.
	Units func() *hierarchy.Tree
	// BaseURL is the workspace's public address, for links; empty leaves
	// them out.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
}

// maxQueued bounds the events waiting to be turned into emails; beyond,
// Publish drops with an error in the log rather than hold the caller.
const maxQueued = 10_000

// AlertMailer emails alert.opened and alert.closed events to the users who
// subscribed to the alerts of a unit whose subtree holds the event's unit
// and who still see that unit.
//
// Publish queues the events in memory; Run turns them into emails in the
// outbox within moments. Events published in the instant before a crash
// may be lost (the crash window); an event published twice (same ID) is
// emailed once, as the email's ID derives from the event's and the user.
type AlertMailer struct {
	cfg Config

	mu    sync.Mutex
	queue []hailong.Event
	wake  chan struct{}
}

// NewAlertMailer returns an AlertMailer; Run must run for it to send.
func NewAlertMailer(cfg Config) *AlertMailer {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &AlertMailer{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Publish implements hailong.EventPublisher: it keeps the alert events and
// returns at once.
func (a *AlertMailer) Publish(ctx context.Context, events ...hailong.Event) {
	a.mu.Lock()
	for _, e := range events {
		if e.Type != hailong.EventAlertOpened && e.Type != hailong.EventAlertClosed {
			continue
		}
		if len(a.queue) >= maxQueued {
			a.cfg.Logger.Error("alert email queue full; event not emailed", "event", e.ID)
			continue
		}
		a.queue = append(a.queue, e)
	}
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Run turns queued events into emails until ctx ends, then those still
// queued.
func (a *AlertMailer) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			a.drain(stop)
			cancel()
			return
		case <-a.wake:
			a.drain(ctx)
		}
	}
}

func (a *AlertMailer) drain(ctx context.Context) {
	a.mu.Lock()
	events := a.queue
	a.queue = nil
	a.mu.Unlock()
	for _, e := range events {
		msgs := a.Messages(e)
		if len(msgs) == 0 {
			continue
		}
		if err := a.cfg.Outbox.Enqueue(ctx, msgs...); err != nil {
			a.cfg.Logger.Error("store alert emails", "event", e.ID, "err", err)
		}
	}
}

// Messages returns the emails of one alert event: one per subscriber
// whose subscription covers the event's unit and who sees it today.
func (a *AlertMailer) Messages(e hailong.Event) []mail.Message {
	var al hailong.Alert
	if err := json.Unmarshal(e.Data, &al); err != nil {
		a.cfg.Logger.Error("alert event without an alert", "event", e.ID, "err", err)
		return nil
	}
	unit := e.Unit
	if unit == "" {
		unit = al.Unit
	}
	today := hailong.DateOf(a.cfg.Now())
	var out []mail.Message
	sent := map[string]bool{} // one email per user, however many subscriptions cover the unit
	for _, sub := range a.cfg.Subscriptions.OfKind(hailong.SubscribeAlerts) {
		if sent[sub.Username] || !a.cfg.Recipients.Covers(sub.Unit, unit, today) {
			continue
		}
		to, ok := a.cfg.Recipients.MailTo(sub.Username, unit, today)
		if !ok {
			continue
		}
		sent[sub.Username] = true
		m := a.compose(e, al, unit, sub)
		m.ID = "alert." + e.ID + "." + sub.Username
		m.To = []string{to}
		out = append(out, m)
	}
	return out
}

// compose writes the email of an alert event in the subscription's
// language.
func (a *AlertMailer) compose(e hailong.Event, al hailong.Alert, unit string, sub hailong.Subscription) mail.Message {
	lang := sub.Lang
	w := words[lang]
	if w == nil {
		lang, w = "vi", words["vi"]
	}
	name := a.unitName(unit)
	verb, at := w["opened"], al.Opened
	if e.Type == hailong.EventAlertClosed {
		verb = w["closed"]
		if al.ClosedAt != nil {
			at = *al.ClosedAt
		}
	}
	if at.IsZero() {
		at = e.At
	}
	al.RuleName = alerts.RuleName(lang, al.Rule, al.RuleName)
	subject := fmt.Sprintf(w["subject"], verb, al.RuleName, name)
	paras := []string{
		fmt.Sprintf(w["what"], al.RuleName, verb, name, unit, export.DateTime(lang, at)),
		w["kind"] + ": " + kindName(lang, al.Kind) + measureName(lang, al.Measure) + "\n" + measured(lang, al),
	}
	if e.Type == hailong.EventAlertClosed && al.ClosedBy != "" {
		paras = append(paras, fmt.Sprintf(w["closed_by"], al.ClosedBy))
	}
	if a.cfg.BaseURL != "" {
		paras = append(paras, w["see"]+": "+strings.TrimRight(a.cfg.BaseURL, "/")+"/alerts/"+al.ID+langQuery(lang))
	}
	footer := fmt.Sprintf(w["why"], a.unitName(sub.Unit))
	if a.cfg.BaseURL != "" {
		footer += "\n" + w["manage"] + ": " + strings.TrimRight(a.cfg.BaseURL, "/") + "/account/subscriptions" + langQuery(lang)
	}
	paras = append(paras, footer)
	text, html := mail.Compose(subject, paras...)
	return mail.Message{Subject: subject, Text: text, HTML: html}
}

func langQuery(lang string) string {
	if lang == "en" {
		return "?lang=en"
	}
	return ""
}

// unitName is a unit's name today, or its code.
func (a *AlertMailer) unitName(code string) string {
	if a.cfg.Units != nil {
		if u, ok := a.cfg.Units().At(code, hailong.DateOf(a.cfg.Now())); ok {
			return u.Name
		}
	}
	return code
}

// measured says what the alert's rule measured against its threshold:
// over how many ratings since when, or, for silence and a kiosk's queue,
// which count no ratings, since when.
func measured(lang string, al hailong.Alert) string {
	w := words[lang]
	value, threshold := alerts.Figures(lang, al)
	if al.Kind == hailong.AlertSilence || al.Kind == hailong.AlertQueueAge {
		return fmt.Sprintf(w["measured_since"], value, threshold, export.DateTime(lang, al.WindowFrom))
	}
	return fmt.Sprintf(w["measured"], value, threshold, export.Number(lang, float64(al.N), 0), export.DateTime(lang, al.WindowFrom))
}

// measureName names an index_below alert's measure, to follow its kind as
// the alerts page does (": Chỉ số Happy Index (0–100)"); "" for none.
func measureName(lang, measure string) string {
	if n := alerts.MeasureName(lang, measure); n != "" {
		return ": " + n
	}
	return ""
}

// kindName names a rule's kind.
func kindName(lang string, k hailong.AlertKind) string {
	if n, ok := kindNames[lang][k]; ok {
		return n
	}
	return string(k)
}

var kindNames = map[string]map[hailong.AlertKind]string{
	"vi": {
		hailong.AlertNegativeShare: "Tỷ lệ đánh giá không hài lòng",
		hailong.AlertIndexBelow:    "Chỉ số dưới ngưỡng",
		hailong.AlertAnswerCount:   "Số lượt chọn một câu trả lời",
		hailong.AlertSilence:       "Không có đánh giá trong giờ làm việc",
		hailong.AlertQueueAge:      "Ki-ốt chưa gửi được đánh giá",
	},
	"en": {
		hailong.AlertNegativeShare: "Share of negative ratings",
		hailong.AlertIndexBelow:    "Index below threshold",
		hailong.AlertAnswerCount:   "Count of an answer",
		hailong.AlertSilence:       "No ratings during opening hours",
		hailong.AlertQueueAge:      "Kiosk queue not sent",
	},
}

var words = map[string]map[string]string{
	"vi": {
		"subject":        "[Hài Lòng] Cảnh báo %s: %s – %s",
		"opened":         "mới mở",
		"closed":         "đã đóng",
		"what":           "Cảnh báo “%s” %s cho %s (%s) lúc %s (giờ Việt Nam).",
		"kind":           "Loại cảnh báo",
		"measured":       "Giá trị đo được: %s (ngưỡng %s), trên %s lượt đánh giá từ %s.",
		"measured_since": "Giá trị đo được: %s (ngưỡng %s), tính từ %s.",
		"closed_by":      "Người đóng cảnh báo: %s.",
		"see":            "Xem cảnh báo",
		"why":            "Bạn nhận thư này vì đã đăng ký nhận cảnh báo của %s.",
		"manage":         "Thay đổi đăng ký",
	},
	"en": {
		"subject":        "[Hài Lòng] Alert %s: %s – %s",
		"opened":         "opened",
		"closed":         "closed",
		"what":           "Alert “%s” %s for %s (%s) at %s (Vietnam time).",
		"kind":           "Kind of alert",
		"measured":       "Measured: %s (threshold %s), over %s ratings since %s.",
		"measured_since": "Measured: %s (threshold %s), since %s.",
		"closed_by":      "Closed by: %s.",
		"see":            "See the alert",
		"why":            "You receive this email because you subscribed to the alerts of %s.",
		"manage":         "Change your subscriptions",
	},
}
