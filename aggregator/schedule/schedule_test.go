package schedule_test

import (
	"bytes"
	"context"
	"log/slog"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"hailong"
	"hailong/aggregator/mail"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
	"hailong/aggregator/rollup/rolluptest"
	"hailong/aggregator/schedule"
	"hailong/aggregator/subscribe/subscribetest"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/measure"
)

func vn(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, hailong.Location)
}

func TestLastDue(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind hailong.SubscriptionKind
		now  time.Time
		key  string
		at   time.Time
		next time.Time
	}{
		{"week before Monday 07:00", hailong.SubscribeWeekly, vn(2026, 11, 30, 6), "2026-W47", vn(2026, 11, 23, 7), vn(2026, 11, 30, 7)},
		{"week at Monday 07:00", hailong.SubscribeWeekly, vn(2026, 11, 30, 7), "2026-W48", vn(2026, 11, 30, 7), vn(2026, 12, 7, 7)},
		{"week on Sunday", hailong.SubscribeWeekly, vn(2026, 12, 6, 23), "2026-W48", vn(2026, 11, 30, 7), vn(2026, 12, 7, 7)},
		{"week across the year", hailong.SubscribeWeekly, vn(2027, 1, 4, 8), "2026-W53", vn(2027, 1, 4, 7), vn(2027, 1, 11, 7)},
		{"month before the 1st 07:00", hailong.SubscribeMonthly, vn(2026, 12, 1, 6), "2026-10", vn(2026, 11, 1, 7), vn(2026, 12, 1, 7)},
		{"month after", hailong.SubscribeMonthly, vn(2026, 12, 1, 7), "2026-11", vn(2026, 12, 1, 7), vn(2027, 1, 1, 7)},
		{"January", hailong.SubscribeMonthly, vn(2027, 1, 15, 0), "2026-12", vn(2027, 1, 1, 7), vn(2027, 2, 1, 7)},
		{"quarter", hailong.SubscribeQuarterly, vn(2026, 11, 30, 8), "2026-Q3", vn(2026, 10, 1, 7), vn(2027, 1, 1, 7)},
		{"quarter at year's end", hailong.SubscribeQuarterly, vn(2027, 1, 1, 7), "2026-Q4", vn(2027, 1, 1, 7), vn(2027, 4, 1, 7)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := schedule.LastDue(tc.kind, tc.now)
			if d.Key != tc.key || !d.At.Equal(tc.at) {
				t.Errorf("LastDue = %s at %v, want %s at %v", d.Key, d.At, tc.key, tc.at)
			}
			if next := schedule.NextDue(tc.kind, tc.now); !next.Equal(tc.next) {
				t.Errorf("NextDue = %v, want %v", next, tc.next)
			}
		})
	}
}

// ratings fills a rollup: in week 48 of 2026 the centre of Kinh Bắc had
// 30 satisfied of 40 and Từ Sơn 36 of 40; the week before both 36 of 40;
// in the third quarter Kinh Bắc 50 of 60.
func ratings() *rollup.Rollup {
	r := rollup.New()
	add := func(unit, proc string, day hailong.Date, n, satisfied int) {
		for i := range n {
			r.Add(rollup.Fact{Unit: unit, Date: day, Satisfied: i < satisfied,
				Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: "kiosk", Procedure: proc}})
		}
	}
	add("TT-09190", "1.004122", hailong.DateFromYMD(2026, 11, 25), 40, 30)
	add("TT-09250", "1.001612", hailong.DateFromYMD(2026, 11, 26), 40, 36)
	add("TT-09190", "1.004122", hailong.DateFromYMD(2026, 11, 18), 40, 36)
	add("TT-09250", "1.001612", hailong.DateFromYMD(2026, 11, 19), 40, 36)
	add("TT-09190", "1.004122", hailong.DateFromYMD(2026, 8, 12), 60, 50)
	return r
}

func reporter(t testing.TB, units *hierarchy.Tree) func() *report.Reporter {
	t.Helper()
	catalog, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatal(err)
	}
	r := ratings()
	rep := &report.Reporter{Rollup: func() *rollup.Rollup { return r }, Outcomes: rolluptest.OutcomeBook{Rollup: rollup.New()},
		Catalog: catalog, Units: func() *hierarchy.Tree { return units }, Targets: func() []measure.Target { return nil }, MinSample: 30}
	return func() *report.Reporter { return rep }
}

// TestScheduledReports runs the scheduler on the real database and SMTP
// server: a quarterly report that fell due while the aggregator was down
// is sent at start with its PDF; the weekly summary is sent once the
// week closes, in each subscriber's language, and not to a subscriber who
// lost access to the unit; restarts neither repeat nor skip a report.
func TestScheduledReports(t *testing.T) {
	env := subscribetest.Start(t, vn(2026, 9, 15, 10))
	hoa := env.AddUser("hoa", "24", "hoa@example.gov.vn")
	john := env.AddUser("john", "09190", "john@example.gov.vn")
	narrowed := env.AddUser("narrowed", "24", "narrowed@example.gov.vn")
	env.Subscribe(hoa, "09190", hailong.SubscribeQuarterly, "vi")
	env.Now = vn(2026, 11, 29, 12) // Sunday of week 48
	env.Subscribe(hoa, "24", hailong.SubscribeWeekly, "vi")
	env.Subscribe(john, "09190", hailong.SubscribeWeekly, "en")
	env.Subscribe(narrowed, "09190", hailong.SubscribeWeekly, "vi")
	scope := "09250"
	if err := env.Access.UpdateUser(context.Background(), nil, "narrowed", nil, &scope, nil); err != nil {
		t.Fatal(err)
	}
	rep := reporter(t, env.Units)
	sendDue := func() {
		t.Helper()
		s := schedule.New(schedule.Config{Subscriptions: env.Subs, Recipients: env.Access, Outbox: env.Outbox, Reporter: rep,
			BaseURL: "https://hailong.example.gov.vn", Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return env.Now }})
		s.SetAlerts(func(_ context.Context, from, to time.Time) ([]hailong.Alert, error) {
			var out []hailong.Alert
			for _, a := range []hailong.Alert{
				{ID: "a1", Unit: "TT-09190", Opened: vn(2026, 11, 24, 9)},
				{ID: "a2", Unit: "TT-09250", Opened: vn(2026, 11, 25, 9)},
				{ID: "a3", Unit: "TT-09190", Opened: vn(2026, 11, 30, 6)}, // the next week
			} {
				if !a.Opened.Before(from) && a.Opened.Before(to) {
					out = append(out, a)
				}
			}
			return out, nil
		})
		if err := s.SendDue(context.Background(), env.Now); err != nil {
			t.Fatal(err)
		}
		env.Settled()
	}

	sendDue() // the third quarter, due 1 October, missed while down
	got := env.SMTP.Wait(1)
	q := got[0]
	q.Check(t, "[Hài Lòng] Báo cáo quý: Phường Kinh Bắc, Quý 3/2026", "Tỷ lệ hài lòng: 83,3\u00a0% trên 60 lượt đánh giá")
	if len(q.Attachments) != 1 || q.Attachments[0].ContentType != "application/pdf" || !bytes.HasPrefix(q.Attachments[0].Data, []byte("%PDF-")) ||
		q.Attachments[0].Name != "bao-cao-quy-09190-2026-Q3.pdf" {
		t.Fatalf("attachments %+v", q.Attachments)
	}
	if text := pdfText(t, q.Attachments[0].Data); !strings.Contains(text, "Phường Kinh Bắc") {
		t.Errorf("the PDF does not name the unit:\n%s", text)
	}

	env.Restart()
	sendDue() // the same Sunday after a restart: nothing new
	env.Now = vn(2026, 11, 30, 6)
	sendDue() // Monday before 07:00: week 48 is not due
	if n := len(env.SMTP.Received()); n != 1 {
		t.Fatalf("%d emails before week 48 fell due, want 1", n)
	}
	env.Now = vn(2026, 11, 30, 7)
	sendDue()
	got = env.SMTP.Wait(3)
	env.Restart()
	env.Now = vn(2026, 11, 30, 9)
	sendDue()
	if n := len(env.SMTP.Received()); n != 3 {
		t.Fatalf("%d emails after restarts, want 3 (no repeat)", n)
	}
	for _, r := range got[1:] {
		switch r.To[0] {
		case "hoa@example.gov.vn":
			r.Check(t, "[Hài Lòng] Tóm tắt tuần: Tỉnh Bắc Ninh, tuần 48 năm 2026",
				"Bản tóm tắt tuần về mức độ hài lòng của người dân đối với Tỉnh Bắc Ninh (24), tuần 48 năm 2026 (từ 23/11/2026 đến 29/11/2026).",
				"Tỷ lệ hài lòng: 82,5\u00a0% trên 80 lượt đánh giá (khoảng tin cậy 95\u00a0%",
				"So với kỳ trước: −7,5 điểm phần trăm (kỳ trước 90,0\u00a0%)",
				"Đơn vị có tỷ lệ hài lòng thấp nhất:\n1. Phường Kinh Bắc – 75,0\u00a0% (n = 40)\n2. Phường Từ Sơn – 90,0\u00a0% (n = 40)",
				"Thủ tục có tỷ lệ hài lòng thấp nhất:\n1. 1.004122 – 75,0\u00a0% (n = 40)",
				"Số cảnh báo đã mở trong kỳ: 2.")
		case "john@example.gov.vn":
			r.Check(t, "[Hài Lòng] Weekly summary: Phường Kinh Bắc, week 48 of 2026", "Satisfaction rate: 75.0% over 40 ratings", "Alerts opened in the period: 1.")
		default:
			t.Errorf("an email to %v", r.To)
		}
	}
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext not installed: the PDF's text is not checked")
		return "Phường Kinh Bắc"
	}
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// memSubs are subscriptions in memory, for the timer test.
type memSubs struct {
	mu   sync.Mutex
	subs []hailong.Subscription
}

func (m *memSubs) OfKind(kind hailong.SubscriptionKind) []hailong.Subscription {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(m.subs), func(s hailong.Subscription) bool { return s.Kind != kind })
}

func (m *memSubs) SetLastPeriod(_ context.Context, id, period string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.subs {
		if m.subs[i].ID == id {
			m.subs[i].LastPeriod = period
		}
	}
	return nil
}

type everyone struct{}

func (everyone) MailTo(username, _ string, _ hailong.Date, _ ...hailong.Permission) (string, bool) {
	return username + "@example.vn", true
}
func (everyone) Covers(_, _ string, _ hailong.Date) bool { return true }

type memOutbox struct {
	now  func() time.Time
	mu   sync.Mutex
	sent []string // when, Vietnam time, and the email's ID
}

func (o *memOutbox) Enqueue(_ context.Context, msgs ...mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range msgs {
		o.sent = append(o.sent, o.now().In(hailong.Location).Format("2006-01-02 15:04")+" "+m.ID)
	}
	return nil
}

// TestRunWaitsForThePeriodToClose runs the scheduler's timers on
// synctest's clock, from a Sunday noon over five weeks: each weekly
// summary goes on Monday at 07:00, the monthly one on the 1st.
func TestRunWaitsForThePeriodToClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		units := subscribetest.DemoUnits(t)
		start, base := time.Now(), vn(2026, 11, 29, 12)
		now := func() time.Time { return base.Add(time.Since(start)) }
		subs := &memSubs{subs: []hailong.Subscription{
			{ID: "w", Username: "hoa", Unit: "24", Kind: hailong.SubscribeWeekly, Lang: "vi", Created: base},
			{ID: "m", Username: "hoa", Unit: "24", Kind: hailong.SubscribeMonthly, Lang: "vi", Created: base},
		}}
		out := &memOutbox{now: now}
		s := schedule.New(schedule.Config{Subscriptions: subs, Recipients: everyone{}, Outbox: out, Reporter: reporter(t, units),
			Logger: slog.New(slog.DiscardHandler), Now: now})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		time.Sleep(5*7*24*time.Hour - 12*time.Hour) // to Sunday 3 January 2027, midnight
		synctest.Wait()
		cancel()
		<-done
		want := []string{
			"2026-11-30 07:00 report.w.2026-W48",
			"2026-12-01 07:00 report.m.2026-11",
			"2026-12-07 07:00 report.w.2026-W49",
			"2026-12-14 07:00 report.w.2026-W50",
			"2026-12-21 07:00 report.w.2026-W51",
			"2026-12-28 07:00 report.w.2026-W52",
			"2027-01-01 07:00 report.m.2026-12",
		}
		if !slices.Equal(out.sent, want) {
			t.Errorf("sent\n%s\nwant\n%s", strings.Join(out.sent, "\n"), strings.Join(want, "\n"))
		}
	})
}
