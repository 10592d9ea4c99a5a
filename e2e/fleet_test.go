package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/syncapi"
)

// fleetKiosk is the part of a GET /api/v1/kiosks entry the tests read.
type fleetKiosk struct {
	Kiosk             string     `json:"kiosk"`
	Unit              string     `json:"unit"`
	UnitName          string     `json:"unit_name"`
	Status            string     `json:"status"`
	Problems          []string   `json:"problems"`
	LastSeen          *time.Time `json:"last_seen"`
	Version           string     `json:"version"`
	ReportedUnit      string     `json:"reported_unit"`
	UnitMismatch      bool       `json:"unit_mismatch"`
	Queued            int64      `json:"queued"`
	OldestQueuedAgeS  *int64     `json:"oldest_queued_age_s"`
	Failed            int64      `json:"failed"`
	FailedReasons     []reason   `json:"failed_reasons"`
	Quarantined       int64      `json:"quarantined"`
	QuarantineReasons []reason   `json:"quarantine_reasons"`
	FreeDisk          *int64     `json:"free_disk"`
	ClockOffsetMS     *int64     `json:"clock_offset_ms"`
	ClockSkew         bool       `json:"clock_skew"`
	LastError         string     `json:"last_error"`
}

type reason struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

func fleetOf(t *testing.T, aggURL, query string) []fleetKiosk {
	t.Helper()
	var out struct{ Kiosks []fleetKiosk }
	if status := getJSON(t, aggURL+"/api/v1/kiosks"+query, &out); status != 200 {
		t.Fatalf("GET /api/v1/kiosks%s: status %d", query, status)
	}
	return out.Kiosks
}

func kioskIDs(ks []fleetKiosk) []string {
	ids := make([]string, len(ks))
	for i, k := range ks {
		ids[i] = k.Kiosk + ":" + k.Status
	}
	return ids
}

func ptr[T any](v T) *T { return &v }

// TestFleetHealth: a kiosk's heartbeat and its uploads' reports show in
// GET /api/v1/kiosks with the measured clock offset, its queue and the
// reasons of its failures; an enrolled kiosk never heard from is listed
// first, a revoked one last; the latest reports survive a restart.
func TestFleetHealth(t *testing.T) {
	dir := t.TempDir()
	agg := startAggregator(t, dir, "127.0.0.1:0")
	defer func() { agg.Close() }()
	kinhbac := enrol(t, agg, "tt-kinhbac-1", centre)
	enrol(t, agg, "tt-tuson-1", "TT-09250") // never reports
	enrol(t, agg, "tt-old-1", centre)
	if err := agg.DB().RevokeKiosk(t.Context(), "tt-old-1"); err != nil {
		t.Fatal(err)
	}

	ahead := 3 * time.Minute // the kiosk's clock runs ahead
	beat := syncapi.Health{Version: "1.4.0", Unit: centre, Clock: time.Now().Add(ahead),
		Queued: 2, OldestQueued: ptr(time.Now().Add(ahead - 10*time.Minute)), FreeDisk: 1 << 30}
	hb, err := kioskClient(agg.URL(), kinhbac).Heartbeat(t.Context(), beat)
	if err != nil {
		t.Fatal(err)
	}
	if off := time.Duration(hb.ClockOffsetMS) * time.Millisecond; off < ahead-5*time.Second || off > ahead+time.Second {
		t.Errorf("heartbeat offset %v, want about %v", off, ahead)
	}
	if d := time.Since(hb.Clock); d < 0 || d > 5*time.Second {
		t.Errorf("aggregator clock %v is not now", hb.Clock)
	}
	got := fleetOf(t, agg.URL(), "")
	if ids := strings.Join(kioskIDs(got), " "); ids != "tt-tuson-1:never_seen tt-kinhbac-1:attention tt-old-1:revoked" {
		t.Fatalf("fleet after heartbeat = %s", ids)
	}
	if k := got[1]; k.Queued != 2 || k.OldestQueuedAgeS == nil || *k.OldestQueuedAgeS < 600 || !k.ClockSkew || !reflect.DeepEqual(k.Problems, []string{"clock_skew"}) {
		t.Errorf("after heartbeat: %+v", k)
	}
	if k := got[0]; k.LastSeen != nil || k.UnitName != "Trung tâm Phục vụ hành chính công phường Từ Sơn" {
		t.Errorf("never seen: %+v", k)
	}

	sentAt := time.Now().Add(ahead)
	report := syncapi.Health{Version: "1.4.1", Unit: "TT-09250", Clock: sentAt, Queued: 0,
		Failed: 3, FailedReasons: map[string]int64{"questionnaire sipas v9 is unknown.": 2, "bad answers": 1},
		Quarantined: 1, QuarantineReasons: map[string]int64{"$set.key: cannot decode": 1},
		FreeDisk: -1, LastRating: ptr(sentAt.Add(-time.Minute)), LastError: "upload: connection reset"}
	syncOK(t, agg.URL(), kinhbac, syncapi.Request{Ratings: []hailong.Rating{}, SentAt: &sentAt, Health: &report})
	check := func(t *testing.T, got []fleetKiosk) {
		t.Helper()
		if len(got) != 3 || got[1].Kiosk != "tt-kinhbac-1" {
			t.Fatalf("fleet = %v", kioskIDs(got))
		}
		k := got[1]
		if k.Version != "1.4.1" || k.ReportedUnit != "TT-09250" || !k.UnitMismatch || k.Queued != 0 || k.OldestQueuedAgeS != nil ||
			k.Failed != 3 || k.Quarantined != 1 || k.FreeDisk != nil || k.LastError != "upload: connection reset" || k.LastSeen == nil {
			t.Errorf("after sync: %+v", k)
		}
		if k.ClockOffsetMS == nil || *k.ClockOffsetMS < (ahead-5*time.Second).Milliseconds() || *k.ClockOffsetMS > ahead.Milliseconds()+1000 || !k.ClockSkew {
			t.Errorf("offset %v, want about %v and flagged", k.ClockOffsetMS, ahead)
		}
		if len(k.FailedReasons) != 2 || k.FailedReasons[0].Reason != "questionnaire sipas v9 is unknown." || k.FailedReasons[0].Count != 2 {
			t.Errorf("failed reasons %+v", k.FailedReasons)
		}
		if len(k.QuarantineReasons) != 1 || k.QuarantineReasons[0].Reason != "$set.key: cannot decode" {
			t.Errorf("quarantine reasons %+v", k.QuarantineReasons)
		}
		want := []string{"unit_mismatch", "clock_skew", "failed", "quarantined", "error"}
		if k.Status != "attention" || !reflect.DeepEqual(k.Problems, want) {
			t.Errorf("status %s %v, want attention %v", k.Status, k.Problems, want)
		}
	}
	check(t, fleetOf(t, agg.URL(), ""))

	t.Run("filters", func(t *testing.T) {
		tests := []struct{ query, want string }{
			{"?unit=24", "tt-tuson-1:never_seen tt-kinhbac-1:attention tt-old-1:revoked"},
			{"?unit=09250", "tt-tuson-1:never_seen"},
			{"?unit=TT-09190", "tt-kinhbac-1:attention tt-old-1:revoked"},
			{"?status=never_seen,revoked", "tt-tuson-1:never_seen tt-old-1:revoked"},
			{"?unit=24&status=ok", ""},
		}
		for _, tt := range tests {
			if got := strings.Join(kioskIDs(fleetOf(t, agg.URL(), tt.query)), " "); got != tt.want {
				t.Errorf("%s: %q, want %q", tt.query, got, tt.want)
			}
		}
		for _, tt := range []struct {
			query  string
			status int
		}{{"?status=asleep", 400}, {"?unit=99999", 404}, {"?unit=MC-256", 404}} { // MC-256 ended in 2025
			if status := getJSON(t, agg.URL()+"/api/v1/kiosks"+tt.query, nil); status != tt.status {
				t.Errorf("%s: status %d, want %d", tt.query, status, tt.status)
			}
		}
	})

	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	agg = startAggregator(t, dir, "127.0.0.1:0")
	t.Run("after a restart", func(t *testing.T) { check(t, fleetOf(t, agg.URL(), "")) })
}

// TestHeartbeatRefusesBadCallers: a missing, malformed or wrong credential
// gets 401, a revoked kiosk 403 (as for uploads); a report with unknown
// fields, too many reasons, too long strings, negative counts or no clock
// gets 400 naming the fields. None of them changes the kiosk's report.
func TestHeartbeatRefusesBadCallers(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	other, _ := syncapi.NewCredential("kiosk-1")
	unknown, _ := syncapi.NewCredential("kiosk-9")
	revoked := enrol(t, agg, "kiosk-2", centre)
	if err := agg.DB().RevokeKiosk(t.Context(), "kiosk-2"); err != nil {
		t.Fatal(err)
	}
	good := syncapi.Health{Version: "good", Unit: centre, Clock: time.Now()}
	if _, err := kioskClient(agg.URL(), cred).Heartbeat(t.Context(), good); err != nil {
		t.Fatalf("good heartbeat: %v", err)
	}
	many := map[string]int64{}
	for i := range syncapi.MaxHealthReasons + 1 {
		many[fmt.Sprintf("reason %d", i)] = 1
	}
	bad := syncapi.Health{Version: "bad", Unit: centre, Clock: time.Now()}
	// A report Health cannot hold (an unknown field, a wrong type) goes
	// through the client's Do, as a kiosk of another version might send it.
	tests := []struct {
		name   string
		cred   syncapi.Credential
		body   any
		status int
		fields []string
	}{
		{"no credential", syncapi.Credential{}, bad, 401, nil},
		{"malformed credential", syncapi.Credential{Kiosk: "nonsense"}, bad, 401, nil},
		{"wrong secret", other, bad, 401, nil},
		{"unknown kiosk", unknown, bad, 401, nil},
		{"revoked kiosk", revoked, bad, 403, nil},
		{"unknown field", cred, map[string]any{"version": "bad", "clock": time.Now(), "phone": "0912"}, 400, []string{"phone"}},
		{"wrong type", cred, map[string]any{"version": "bad", "clock": time.Now(), "queued": "many"}, 400, []string{"queued"}},
		{"too many reasons", cred, syncapi.Health{Version: "bad", Clock: time.Now(), Failed: 65, FailedReasons: many}, 400, []string{"failed_reasons"}},
		{"long strings and negative counts", cred, syncapi.Health{Version: "bad", Clock: time.Now(), Queued: -1, FreeDisk: -2,
			LastError: strings.Repeat("é", syncapi.MaxHealthText+1), QuarantineReasons: map[string]int64{"x": -1}}, 400,
			[]string{"free_disk", "last_error", "quarantine_reasons", "queued"}},
		{"no clock", cred, syncapi.Health{Version: "bad"}, 400, []string{"clock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := kioskClient(agg.URL(), tt.cred).Do(t.Context(), http.MethodPost, syncapi.HeartbeatPath, tt.body, nil)
			if status := statusOf(t, err); status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, err)
			}
			var fields []string
			for _, f := range fieldErrors(err) {
				fields = append(fields, f.Field)
			}
			if !reflect.DeepEqual(fields, tt.fields) {
				t.Errorf("fields %v, want %v: %v", fields, tt.fields, err)
			}
		})
	}
	for _, k := range fleetOf(t, agg.URL(), "") {
		switch {
		case k.Kiosk == "kiosk-1" && k.Version != "good":
			t.Errorf("kiosk-1 reports version %q after refused heartbeats", k.Version)
		case k.Kiosk == "kiosk-2" && k.LastSeen != nil:
			t.Errorf("the revoked kiosk was recorded: %+v", k)
		}
	}
}

// TestSyncClipsOversizedReports: an upload whose report breaks the limits
// is still taken, and the report kept cut to them.
func TestSyncClipsOversizedReports(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	many := map[string]int64{}
	for i := range 200 {
		many[fmt.Sprintf("reason %03d", i)] = int64(i)
	}
	report := syncapi.Health{Version: strings.Repeat("v", 5000), Clock: time.Now(), Failed: 200, FailedReasons: many}
	syncOK(t, agg.URL(), cred, syncapi.Request{Ratings: []hailong.Rating{}, Health: &report})
	k := fleetOf(t, agg.URL(), "")[0]
	// The 63 most frequent are kept, reasons 137 to 199; the other 137
	// are counted together: 0 + 1 + … + 136.
	if len(k.FailedReasons) != syncapi.MaxHealthReasons || len([]rune(k.Version)) != syncapi.MaxHealthText ||
		k.FailedReasons[0] != (reason{"(other reasons)", 136 * 137 / 2}) || k.FailedReasons[1] != (reason{"reason 199", 199}) {
		t.Errorf("clipped report: %d reasons, first %+v, version of %d characters", len(k.FailedReasons), k.FailedReasons[:2], len([]rune(k.Version)))
	}
}

// TestKioskConfig: a kiosk's credential reads its own enrolment, its unit's
// name and the whole catalog, from which it rebuilds the aggregator's; an
// unknown credential reads nothing.
func TestKioskConfig(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	kinhbac := enrol(t, agg, "tt-kinhbac-1", centre)
	tuson := enrol(t, agg, "tt-tuson-1", "TT-09250")
	unknown, _ := syncapi.NewCredential("tt-nowhere")
	want, err := aggapp.Catalog(aggapp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name               string
		cred               syncapi.Credential
		status             int
		kiosk, unit, uName string
	}{
		{"kinh bac", kinhbac, 200, "tt-kinhbac-1", centre, "Trung tâm Phục vụ hành chính công phường Kinh Bắc"},
		{"tu son", tuson, 200, "tt-tuson-1", "TT-09250", "Trung tâm Phục vụ hành chính công phường Từ Sơn"},
		{"unknown credential", unknown, 401, "", "", ""},
		{"no credential", syncapi.Credential{}, 401, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := kioskClient(agg.URL(), tt.cred).Config(t.Context())
			if status := statusOf(t, err); status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, err)
			}
			if tt.status != 200 {
				if strings.Contains(err.Error(), "questionnaires") || cfg.Questionnaires != nil {
					t.Errorf("refused caller got a configuration: %v", err)
				}
				return
			}
			if cfg.Kiosk != tt.kiosk || cfg.Unit != tt.unit || cfg.UnitName != tt.uName {
				t.Errorf("config %s %s %q, want %s %s %q", cfg.Kiosk, cfg.Unit, cfg.UnitName, tt.kiosk, tt.unit, tt.uName)
			}
			if d := time.Since(cfg.Clock); d < 0 || d > 5*time.Second {
				t.Errorf("clock %v is not now", cfg.Clock)
			}
			got, err := hailong.ParseCatalog(cfg.Questionnaires)
			if err != nil {
				t.Fatalf("rebuild the catalog: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Error("the kiosk's catalog differs from the aggregator's")
			}
		})
	}
}

// TestSyncTakesRatingsBesideUnreadableHealth: a report of health that
// cannot be read (a clock that is no time, a count of the wrong type) is
// left out; the ratings beside it are taken, and the kiosk is seen.
func TestSyncTakesRatingsBesideUnreadableHealth(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	for i, health := range []string{`{"clock":"garbage"}`, `{"clock":"2026-12-01T10:00:00Z","queued":"many"}`, `"not an object"`} {
		t.Run(health, func(t *testing.T) {
			batch := kioskBatch(2, 10*i)
			ratings, err := json.Marshal(batch.Ratings)
			if err != nil {
				t.Fatal(err)
			}
			body := `{"ratings":` + string(ratings) + `,"health":` + health + `}`
			st, out := call(t, "POST", agg.URL()+syncapi.Path, "Bearer "+cred.String(), "application/json", []byte(body))
			var res syncapi.Response
			if st != 200 || json.Unmarshal(out, &res) != nil || len(res.Results) != 2 || res.Results[0].Status != syncapi.Accepted || res.Results[1].Status != syncapi.Accepted {
				t.Fatalf("%d %s; want both ratings accepted", st, out)
			}
			if ks := fleetOf(t, agg.URL(), ""); len(ks) != 1 || ks[0].LastSeen == nil {
				t.Errorf("the kiosk is not seen: %+v", ks)
			}
		})
	}
}
