package notify_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/notify"
	"hailong/aggregator/subscribe/subscribetest"
	"hailong/hierarchy"
)

func alertEvent(t *testing.T, typ hailong.EventType, id, unit string, at time.Time) hailong.Event {
	t.Helper()
	a := hailong.Alert{ID: id, Rule: "r1", RuleName: "Tỷ lệ không hài lòng cao", Kind: hailong.AlertNegativeShare, Unit: unit,
		State: hailong.AlertOpen, Opened: at, Value: 0.42, Threshold: 0.3, N: 57, WindowFrom: at.Add(-24 * time.Hour)}
	if typ == hailong.EventAlertClosed {
		closed := at.Add(time.Hour)
		a.State, a.ClosedAt, a.ClosedBy = hailong.AlertClosed, &closed, "lan.tran"
	}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return hailong.Event{ID: string(typ) + ":" + id, Type: typ, At: at, Unit: unit, Data: data}
}

// TestAlertEmails publishes alert events to the AlertMailer and reads
// what a real SMTP server received: the subscriber of a unit covering the
// alert's unit gets it in Vietnamese (or English if chosen), once, even if
// the event is published again; subscribers without access to the unit,
// without an address, disabled, or subscribed elsewhere get nothing.
func TestAlertEmails(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, hailong.Location)
	env := subscribetest.Start(t, now)
	hoa := env.AddUser("hoa", "24", "hoa@example.gov.vn")            // the province, subscribed to the commune
	john := env.AddUser("john", "09190", "john@example.gov.vn")      // the commune, in English
	narrowed := env.AddUser("narrowed", "24", "narrowed@example.vn") // subscribed, then moved to another commune
	elsewhere := env.AddUser("elsewhere", "24", "else@example.vn")   // subscribed to another commune
	noEmail := env.AddUser("noemail", "24", "")
	env.Subscribe(hoa, "09190", hailong.SubscribeAlerts, "vi")
	env.Now = now.Add(time.Minute)                          // the email names the oldest covering subscription
	env.Subscribe(hoa, "24", hailong.SubscribeAlerts, "vi") // a second covering subscription: still one email
	env.Subscribe(john, "09190", hailong.SubscribeAlerts, "en")
	env.Subscribe(narrowed, "09190", hailong.SubscribeAlerts, "vi")
	env.Subscribe(elsewhere, "09250", hailong.SubscribeAlerts, "vi")
	env.Subscribe(noEmail, "24", hailong.SubscribeAlerts, "vi")
	env.Subscribe(hoa, "09190", hailong.SubscribeWeekly, "vi") // not an alerts subscription
	scope := "09250"
	if err := env.Access.UpdateUser(context.Background(), nil, "narrowed", nil, &scope, nil); err != nil {
		t.Fatal(err)
	}

	m := notify.NewAlertMailer(notify.Config{Subscriptions: env.Subs, Recipients: env.Access, Outbox: env.Outbox,
		Units: func() *hierarchy.Tree { return env.Units }, BaseURL: "https://hailong.example.gov.vn",
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return env.Now }})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { m.Run(ctx) })
	opened := alertEvent(t, hailong.EventAlertOpened, "a1", "TT-09190", now)
	m.Publish(ctx, opened)
	m.Publish(ctx, opened) // delivered again by a retrying engine
	m.Publish(ctx, hailong.Event{ID: "rating.stored:x", Type: hailong.EventRatingStored, Unit: "TT-09190", Data: json.RawMessage(`{}`)})
	got := env.SMTP.Wait(2)
	cancel()
	wg.Wait()
	env.Settled()

	byTo := map[string][]string{}
	for _, r := range env.SMTP.Received() {
		byTo[strings.Join(r.To, ",")] = append(byTo[strings.Join(r.To, ",")], r.Subject)
	}
	if len(byTo) != 2 || len(byTo["hoa@example.gov.vn"]) != 1 || len(byTo["john@example.gov.vn"]) != 1 {
		t.Fatalf("emails by recipient %v; want one to hoa and one to john", byTo)
	}
	for _, r := range got {
		switch r.To[0] {
		case "hoa@example.gov.vn":
			r.Check(t, "[Hài Lòng] Cảnh báo mới mở: Tỷ lệ không hài lòng cao – Trung tâm Phục vụ hành chính công phường Kinh Bắc",
				"Cảnh báo “Tỷ lệ không hài lòng cao” mới mở cho Trung tâm Phục vụ hành chính công phường Kinh Bắc (TT-09190) lúc 30/11/2026 08:00 (giờ Việt Nam).",
				"Loại cảnh báo: Tỷ lệ đánh giá không hài lòng",
				"Giá trị đo được: 42,0\u00a0% (ngưỡng 30,0\u00a0%), trên 57 lượt đánh giá từ 29/11/2026 08:00.",
				"https://hailong.example.gov.vn/alerts/a1",
				"Bạn nhận thư này vì đã đăng ký nhận cảnh báo của Phường Kinh Bắc.")
		case "john@example.gov.vn":
			r.Check(t, "[Hài Lòng] Alert opened: Tỷ lệ không hài lòng cao – Trung tâm Phục vụ hành chính công phường Kinh Bắc",
				"Measured: 42.0% (threshold 30.0%), over 57 ratings since 29 Nov 2026 08:00.")
		}
	}
}

// TestAlertClosedEmail: the closing of an alert is emailed too, saying
// who closed it.
func TestAlertClosedEmail(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, hailong.Location)
	env := subscribetest.Start(t, now)
	env.Subscribe(env.AddUser("hoa", "24", "hoa@example.gov.vn"), "24", hailong.SubscribeAlerts, "vi")
	m := notify.NewAlertMailer(notify.Config{Subscriptions: env.Subs, Recipients: env.Access, Outbox: env.Outbox,
		Units: func() *hierarchy.Tree { return env.Units }, Now: func() time.Time { return env.Now }})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { m.Run(ctx) })
	m.Publish(ctx, alertEvent(t, hailong.EventAlertClosed, "a2", "TT-09250", now))
	r := env.SMTP.Wait(1)[0]
	cancel()
	wg.Wait()
	if !strings.HasPrefix(r.Subject, "[Hài Lòng] Cảnh báo đã đóng: ") || !strings.Contains(r.Text, "Người đóng cảnh báo: lan.tran.") {
		t.Errorf("subject %q, text:\n%s", r.Subject, r.Text)
	}
}

// oneSubscriber is a subscriber to every unit's alerts, in a language.
type oneSubscriber struct{ lang string }

func (s oneSubscriber) OfKind(kind hailong.SubscriptionKind) []hailong.Subscription {
	return []hailong.Subscription{{Username: "hoa", Unit: "24", Kind: kind, Lang: s.lang}}
}

func (oneSubscriber) MailTo(string, string, hailong.Date, ...hailong.Permission) (string, bool) {
	return "hoa@example.gov.vn", true
}

func (oneSubscriber) Covers(string, string, hailong.Date) bool { return true }

// TestAlertEmailFigures: an alert's email names an index's measure and
// writes its figures as the pages and reports do — a share as a
// percentage, the Happy Index as a score out of 100 (62,5, never
// "62,5 %", even below 1), a Circular 01 index on its 0–2 scale, the
// hours of silence or of a kiosk's queue as a span (an email once wrote
// "5,0 (ngưỡng 4,0)" for five hours of silence, with no unit), and no
// count of ratings for the kinds that count none (it said "trên 0 lượt").
func TestAlertEmailFigures(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, hailong.Location)
	for _, tt := range []struct {
		name, lang, measure string
		kind                hailong.AlertKind
		value, threshold    float64
		want                []string
	}{
		{"happy index", "vi", "happy_index", hailong.AlertIndexBelow, 62.5, 75, []string{
			"Loại cảnh báo: Chỉ số dưới ngưỡng: Chỉ số Happy Index (0–100)", "Giá trị đo được: 62,5 (ngưỡng 75,0), trên 57 lượt"}},
		{"happy index", "en", "happy_index", hailong.AlertIndexBelow, 62.5, 75, []string{
			"Kind of alert: Index below threshold: Happy Index (0–100)", "Measured: 62.5 (threshold 75.0), over 57 ratings"}},
		{"happy index below 1", "vi", "happy_index", hailong.AlertIndexBelow, 0.5, 1, []string{
			"Giá trị đo được: 0,5 (ngưỡng 1,0), trên 57 lượt"}},
		{"satisfaction", "vi", "satisfaction", hailong.AlertIndexBelow, 0.625, 0.8, []string{
			"Loại cảnh báo: Chỉ số dưới ngưỡng: Tỷ lệ hài lòng", "Giá trị đo được: 62,5\u00a0% (ngưỡng 80,0\u00a0%)"}},
		{"circular 01 index", "en", "circular01_7", hailong.AlertIndexBelow, 0.75, 1, []string{
			"Index below threshold: Circular 01, index 7", "Measured: 0.75 (threshold 1.00)"}},
		{"negative share", "vi", "", hailong.AlertNegativeShare, 0.42, 0.3, []string{
			"Loại cảnh báo: Tỷ lệ đánh giá không hài lòng\n", "Giá trị đo được: 42,0\u00a0% (ngưỡng 30,0\u00a0%)"}},
		{"silence", "vi", "", hailong.AlertSilence, 5, 4, []string{"Giá trị đo được: 5 giờ làm việc (ngưỡng 4 giờ làm việc), tính từ 29/11/2026 08:00."}},
		{"queue age", "en", "", hailong.AlertQueueAge, 26.5, 24, []string{"Measured: 1 d 2 h (threshold 1 d), since 29 Nov 2026 08:00."}},
		{"answer count", "vi", "", hailong.AlertAnswerCount, 3, 1, []string{"Giá trị đo được: 3 (ngưỡng 1), trên 57 lượt"}},
		{"index before measures were recorded", "vi", "", hailong.AlertIndexBelow, 0.61, 0.8, []string{
			"Giá trị đo được: 0,61 (ngưỡng 0,80), trên 57 lượt"}},
	} {
		t.Run(tt.name+"/"+tt.lang, func(t *testing.T) {
			a := hailong.Alert{ID: "a1", Rule: "r1", RuleName: "Cảnh báo", Kind: tt.kind, Measure: tt.measure, Unit: "TT-09190",
				State: hailong.AlertOpen, Opened: now, Value: tt.value, Threshold: tt.threshold, N: 57, WindowFrom: now.Add(-24 * time.Hour)}
			data, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			m := notify.NewAlertMailer(notify.Config{Subscriptions: oneSubscriber{tt.lang}, Recipients: oneSubscriber{tt.lang},
				Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
			msgs := m.Messages(hailong.Event{ID: "alert.opened:a1", Type: hailong.EventAlertOpened, At: now, Unit: a.Unit, Data: data})
			if len(msgs) != 1 {
				t.Fatalf("%d emails, want 1", len(msgs))
			}
			for _, want := range tt.want {
				if !strings.Contains(msgs[0].Text, want) {
					t.Errorf("the email lacks %q:\n%s", want, msgs[0].Text)
				}
			}
			if k := tt.kind; (k == hailong.AlertSilence || k == hailong.AlertQueueAge) && strings.Contains(msgs[0].Text, "lượt") {
				t.Errorf("an alert that counts no ratings tells a count of them:\n%s", msgs[0].Text)
			}
			if tt.measure == "happy_index" && strings.Contains(msgs[0].Text, "%") {
				t.Errorf("the Happy Index is written as a percentage:\n%s", msgs[0].Text)
			}
		})
	}
}
