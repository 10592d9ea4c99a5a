package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	aggapp "hailong/aggregator/app"
	"hailong/assets"
	kioskapp "hailong/kiosk/app"
	"hailong/kiosk/configcache"
	"hailong/syncapi"
)

// The kiosk's link to the aggregator (issue 8, parts 2 and 6): deferred
// answers, published questionnaires, the unit check. These tests need the
// aggregator's side of the contract: the deferred answer (ingest) and the
// published configuration (fleet).

// assetsWith copies the embedded assets to a directory, adding a version 2
// of counter-quick when v2 is set, for a program started with -dev.
func assetsWith(t *testing.T, v2 bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "assets")
	if err := os.CopyFS(dir, assets.FS("")); err != nil {
		t.Fatal(err)
	}
	if v2 {
		addCounterQuickV2(t, dir)
	}
	return dir
}

func addCounterQuickV2(t *testing.T, assetsDir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(assetsDir, assets.QuestionnaireDir, "counter-quick.v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var q map[string]any
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatal(err)
	}
	q["version"] = 2
	if b, err = json.MarshalIndent(q, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(assetsDir, assets.QuestionnaireDir, "counter-quick.v2.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func startKioskWith(t *testing.T, cfg kioskapp.Config) *kioskapp.Main {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	cfg.MinBackoff, cfg.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
	m := &kioskapp.Main{Config: cfg, Logger: quiet}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("start kiosk: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	pairSoftware(t, m)
	return m
}

type uplinkStatus struct {
	kioskStatus
	Problems      []string `json:"problems"`
	ClockOffsetMS *int64   `json:"clock_offset_ms"`
}

// offers returns the version of counter-quick a kiosk offers.
func offers(t *testing.T, kioskURL string) int {
	t.Helper()
	var qs []struct {
		ID      string
		Version int
	}
	getJSON(t, kioskURL+"/api/v1/questionnaires", &qs)
	for _, q := range qs {
		if q.ID == "counter-quick" {
			return q.Version
		}
	}
	return 0
}

// waitForStatus polls a kiosk's status until cond holds and returns it.
func waitForStatus(t *testing.T, kioskURL, what string, cond func(uplinkStatus) bool) uplinkStatus {
	t.Helper()
	var st uplinkStatus
	waitFor(t, what, func() bool {
		st = uplinkStatus{}
		getJSON(t, kioskURL+"/api/v1/status", &st)
		return cond(st)
	})
	return st
}

// Needs ingest (deferred) and fleet (published configuration).
func TestADeferredRatingIsDeliveredOnceTheAggregatorKnowsItsQuestionnaire(t *testing.T) {
	aggDir, addr, aggAssets := t.TempDir(), freeAddr(t), assetsWith(t, false)
	aggCfg := aggapp.Config{Listen: addr, DataDir: aggDir, DemoData: true, AssetsDir: aggAssets}
	agg := startAggregatorWith(t, aggCfg)
	cred := enrol(t, agg, "kiosk-1", centre)
	agg.Close()

	// A kiosk upgraded first, that has never reached the aggregator,
	// records in its newest embedded version.
	k := startKioskWith(t, kioskapp.Config{DataDir: t.TempDir(), Aggregator: "http://" + addr, Credential: cred.String(),
		Unit: centre, AssetsDir: assetsWith(t, true)})
	if v := offers(t, k.URL()); v != 2 {
		t.Fatalf("first boot offers version %d, want the embedded 2", v)
	}
	rate(t, k.URL(), rating{Answers: map[string]any{"overall": 3}})

	// The aggregator does not know version 2: the rating waits, queued,
	// and says why; the kiosk now offers what the aggregator publishes.
	agg = startAggregatorWith(t, aggCfg)
	st := waitForStatus(t, k.URL(), "the rating is deferred", func(st uplinkStatus) bool {
		return st.Failed > 0 || (st.Aggregator == "reachable" && strings.Contains(st.LastError, "deferred"))
	})
	if st.Queued != 1 || st.Failed != 0 || !strings.Contains(st.LastError, "counter-quick") {
		t.Fatalf("a rating of a version the aggregator does not know: %+v, want it queued with the reason", st)
	}
	waitForStatus(t, k.URL(), "the kiosk offers the published version", func(uplinkStatus) bool { return offers(t, k.URL()) == 1 })
	rate(t, k.URL(), rating{Answers: map[string]any{"overall": 3}})
	st = waitForStatus(t, k.URL(), "the newer rating passes the deferred one", func(st uplinkStatus) bool { return st.Synced == 1 })
	if st.Queued != 1 || st.Failed != 0 {
		t.Fatalf("while the aggregator does not know version 2: %+v", st)
	}

	// The aggregator learns version 2: the deferred rating is delivered.
	agg.Close()
	addCounterQuickV2(t, aggAssets)
	agg = startAggregatorWith(t, aggCfg)
	defer agg.Close()
	waitSynced(t, k.URL(), 2)
	if s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today())); s.N != 2 {
		t.Errorf("the aggregator counts %d ratings, want 2", s.N)
	}
}

// Needs fleet (published configuration); that the rating stays queued
// rather than failed needs ingest (deferred).
func TestAKioskWhoseUnitDiffersFromItsEnrolmentSaysSo(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	k := startKiosk(t, t.TempDir(), agg.URL(), cred, "TT-24") // another centre
	defer k.Close()
	mismatch := func(st uplinkStatus) bool {
		return len(st.Problems) > 0 && strings.Contains(st.Problems[0], "unit mismatch") && strings.Contains(st.Problems[0], centre)
	}
	waitForStatus(t, k.URL(), "the status shows the unit mismatch", mismatch)
	rate(t, k.URL(), rating{Answers: map[string]any{"overall": 3}})
	st := waitForStatus(t, k.URL(), "the upload says why the rating waits", func(st uplinkStatus) bool {
		return st.Failed > 0 || strings.Contains(st.LastError, "unit mismatch")
	})
	if st.Queued != 1 || st.Failed != 0 {
		t.Errorf("a rating of a mismatched kiosk: %+v, want it queued, not failed", st)
	}
}

// Needs fleet (published configuration).
func TestThePublishedConfigurationSurvivesARestartWithTheAggregatorDown(t *testing.T) {
	aggDir, addr := t.TempDir(), freeAddr(t)
	aggCfg := aggapp.Config{Listen: addr, DataDir: aggDir, DemoData: true, AssetsDir: assetsWith(t, true)}
	agg := startAggregatorWith(t, aggCfg)
	cred := enrol(t, agg, "kiosk-1", centre)
	kioskDir := t.TempDir()
	// The kiosk embeds only version 1; the aggregator publishes 2 as well.
	kcfg := kioskapp.Config{DataDir: kioskDir, Aggregator: "http://" + addr, Credential: cred.String(), Unit: centre}
	k := startKioskWith(t, kcfg)
	waitForStatus(t, k.URL(), "the kiosk offers the published version 2", func(uplinkStatus) bool { return offers(t, k.URL()) == 2 })
	waitForStatus(t, k.URL(), "the clock offset is measured", func(st uplinkStatus) bool { return st.ClockOffsetMS != nil })
	k.Close()
	agg.Close()

	k = startKioskWith(t, kcfg)
	if v := offers(t, k.URL()); v != 2 {
		t.Fatalf("after a restart with the aggregator down the kiosk offers version %d, want the cached 2", v)
	}
	rate(t, k.URL(), rating{Answers: map[string]any{"overall": 3}})
	agg = startAggregatorWith(t, aggCfg)
	defer agg.Close()
	waitSynced(t, k.URL(), 1)
}

// Passes with or without the aggregator's configuration.
func TestACorruptConfigurationCacheDoesNotStopTheKiosk(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, configcache.Name), []byte("{\"kiosk\":\"kiosk-1\",\"unit\":"), 0o600); err != nil {
		t.Fatal(err)
	}
	k := startKiosk(t, dir, agg.URL(), cred, centre)
	defer k.Close()
	rate(t, k.URL(), rating{Answers: map[string]any{"overall": 3}})
	waitSynced(t, k.URL(), 1)
	var cfg syncapi.Config
	if b, err := os.ReadFile(filepath.Join(dir, configcache.Name)); err == nil && json.Unmarshal(b, &cfg) == nil && cfg.Unit != "" && cfg.Unit != centre {
		t.Errorf("cached unit %q", cfg.Unit)
	}
}

// Needs fleet (heartbeats and GET /api/v1/kiosks).
func TestARealKiosksHealthShowsInTheFleet(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	k := startKiosk(t, t.TempDir(), agg.URL(), cred, centre)
	defer k.Close()
	rate(t, k.URL(), rating{Answers: map[string]any{"overall": 3}})
	waitSynced(t, k.URL(), 1)
	waitForStatus(t, k.URL(), "the kiosk knows its clock offset", func(st uplinkStatus) bool { return st.ClockOffsetMS != nil })

	type report struct {
		Kiosk         string     `json:"kiosk"`
		LastSeen      *time.Time `json:"last_seen"`
		Version       string     `json:"version"`
		ReportedUnit  string     `json:"reported_unit"`
		UnitMismatch  bool       `json:"unit_mismatch"`
		FreeDisk      *int64     `json:"free_disk"`
		ClockOffsetMS *int64     `json:"clock_offset_ms"`
		LastRating    *time.Time `json:"last_rating"`
	}
	var fleet struct{ Kiosks []report }
	if status := getJSON(t, agg.URL()+"/api/v1/kiosks", &fleet); status != 200 || len(fleet.Kiosks) != 1 {
		t.Fatalf("GET /api/v1/kiosks: %d %+v", status, fleet)
	}
	r := fleet.Kiosks[0]
	if r.Kiosk != "kiosk-1" || r.LastSeen == nil || r.Version == "" || r.ReportedUnit != centre || r.UnitMismatch ||
		r.FreeDisk == nil || *r.FreeDisk <= 0 || r.ClockOffsetMS == nil || r.LastRating == nil {
		t.Errorf("the kiosk's report in the fleet: %+v", r)
	}
}
