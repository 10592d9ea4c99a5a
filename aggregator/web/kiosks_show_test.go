package web_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"hailong/aggregator/fleet"
	"hailong/syncapi"
)

func TestKiosksPage(t *testing.T) {
	now := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	report := func(id string, seen time.Duration, queuedFor time.Duration) fleet.Report {
		r := fleet.Report{Kiosk: id, Seen: ago(seen), Reported: ago(seen), OffsetKnown: true, ClockOffset: 2500 * time.Millisecond,
			Health: &syncapi.Health{Unit: "TT-09190", Clock: ago(seen), FreeDisk: 1 << 30, Version: "1.4.2"}}
		if queuedFor > 0 {
			oldest := ago(queuedFor)
			r.Health.Queued, r.Health.OldestQueued = 7, &oldest
		}
		return r
	}
	enrolled := fakeEnrolled{{ID: "kb-fine", Unit: "TT-09190"}, {ID: "kb-silent", Unit: "TT-09190"}, {ID: "kb-stuck", Unit: "TT-09190"},
		{ID: "ts-never", Unit: "TT-09250"}}
	reports := fakeFleet{report("kb-fine", time.Minute, 0), report("kb-silent", 26*time.Hour, 0), report("kb-stuck", time.Minute, 3*time.Hour+20*time.Minute)}
	base := fleetServer(t, now, enrolled, reports)
	order := regexp.MustCompile(`<td data-label="Ki-ốt">([a-z-]+)</td>`)
	tests := []struct {
		name, auth, query string
		status            int
		order             []string
		contains, lacks   []string
	}{
		{"province, trouble first", analystProvince, "", 200, []string{"ts-never", "kb-silent", "kb-stuck", "kb-fine"},
			[]string{"Tình trạng ki-ốt", `class="ks-status ks-silent">Mất liên lạc`, `ks-stuck">Tồn đọng`, `ks-ok">Bình thường`, "1 ngày 2 giờ trước", "3 giờ 20 phút", "2,5 giây", "1.4.2"},
			[]string{"/admin/kiosks\" method", "Thu hồi", `method="post" action="/admin`}},
		{"english", analystProvince, "lang=en", 200, nil, []string{"Kiosk health", ">Silent<", "1 d 2 h ago", "2.5 s"}, nil},
		{"a commune sees its own", analystCommune, "", 200, []string{"kb-silent", "kb-stuck", "kb-fine"}, nil, []string{"ts-never"}},
		{"a unit of the scope", analystProvince, "unit=09250", 200, []string{"ts-never"}, nil, []string{"kb-fine"}},
		{"unknown unit beside the field", analystProvince, "unit=99999", 400, nil, []string{`id="ks-unit-err"`, "đơn vị “99999” không tồn tại"}, nil},
		{"out of scope", analystCommune, "unit=09250", 403, nil, nil, nil},
		{"no permission", noRights, "", 403, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, nil, "GET", base+"/kiosks?"+tt.query, tt.auth, nil, "Accept", "text/html")
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			if tt.order != nil {
				var got []string
				for _, m := range order.FindAllStringSubmatch(a.body, -1) {
					got = append(got, m[1])
				}
				if strings.Join(got, " ") != strings.Join(tt.order, " ") {
					t.Errorf("kiosks %v, want %v", got, tt.order)
				}
			}
			for _, s := range tt.contains {
				if !strings.Contains(a.body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(a.body, s) {
					t.Errorf("page has %q", s)
				}
			}
		})
	}
	t.Run("download", func(t *testing.T) {
		a := do(t, nil, "GET", base+"/kiosks?format=csv", analystProvince, nil)
		if a.status != 200 || !strings.Contains(a.body, "kb-silent") || !strings.Contains(a.body, "Mất liên lạc") {
			t.Errorf("status %d: %s", a.status, a.body)
		}
	})
}
