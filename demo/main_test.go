package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	aggapp "hailong/aggregator/app"
)

// measures is what the test reads of /api/v1/measures.
type measures struct {
	Satisfaction struct {
		N      int  `json:"n"`
		Enough bool `json:"enough_ratings"`
	} `json:"satisfaction"`
	SIPAS struct {
		N int `json:"n"`
	} `json:"sipas"`
	Decision766 struct {
		Dossiers int `json:"dossiers"`
	} `json:"decision766"`
	ByMonth []struct {
		Satisfaction struct {
			N int `json:"n"`
		} `json:"satisfaction"`
	} `json:"by_month"`
	ByUnit []struct {
		Unit string `json:"unit"`
	} `json:"by_unit"`
}

// TestSeed seeds the demo as its first start does and reads the figures
// a newcomer would see: every measure filled, both questionnaires and
// channels, outcomes, two years of months across the merger, and a unit
// with too few ratings.
func TestSeed(t *testing.T) {
	const n = 10_000 // a quarter of the demo's, for the race detector's sake
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := t.TempDir()
	agg := &aggapp.Main{Config: aggapp.Config{Listen: "127.0.0.1:0", DataDir: filepath.Join(data, "aggregator"), DemoData: true},
		Logger: slog.New(slog.DiscardHandler)}
	if err := agg.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer agg.Close()
	if _, err := demoAccounts(ctx, agg, filepath.Join(data, demoAccountsFile)); err != nil {
		t.Fatal(err)
	}
	client, err := demoCredential(ctx, filepath.Join(data, "client.credential"), demoClient, demoProvince, agg.DB().AddClient)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := seed(ctx, agg, client, now, n); err != nil {
		t.Fatal(err)
	}
	token, _, err := agg.Access().CreateToken(ctx, nil, demoAdmin, "test", "", nil, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	get := func(t *testing.T, query string) measures {
		t.Helper()
		req, _ := http.NewRequest("GET", agg.URL()+"/api/v1/measures?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", query, resp.Status)
		}
		var m measures
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	twoYears := "from=" + now.AddDate(-2, 0, 1).Format(time.DateOnly) + "&to=" + now.AddDate(0, 0, -1).Format(time.DateOnly)
	t.Run("every measure over two years", func(t *testing.T) {
		m := get(t, "unit=24&breakdown=units,months&"+twoYears)
		if m.Satisfaction.N < n*9/10 || m.SIPAS.N == 0 || m.Decision766.Dossiers == 0 {
			t.Errorf("satisfaction n %d, SIPAS n %d, dossiers %d", m.Satisfaction.N, m.SIPAS.N, m.Decision766.Dossiers)
		}
		if len(m.ByMonth) < 24 {
			t.Errorf("%d months", len(m.ByMonth))
		}
		for i, mo := range m.ByMonth {
			if mo.Satisfaction.N == 0 {
				t.Errorf("month %d has no rating", i)
			}
		}
		if len(m.ByUnit) < 4 {
			t.Errorf("%d units ranked", len(m.ByUnit))
		}
	})
	for _, f := range []string{"questionnaire=sipas", "questionnaire=counter-quick", "channel=qr", "channel=kiosk", "counter=Q2", "official=cb-0003"} {
		t.Run(f, func(t *testing.T) {
			if m := get(t, "unit=24&"+f+"&"+twoYears); m.Satisfaction.N == 0 {
				t.Errorf("no rating with %s", f)
			}
		})
	}
	t.Run("before the merger, in the old structure", func(t *testing.T) {
		if m := get(t, "unit=27&from=2025-01-01&to=2025-06-30&as_of=2025-06-30"); !m.Satisfaction.Enough {
			t.Errorf("old Bắc Ninh: %d ratings", m.Satisfaction.N)
		}
	})
	t.Run("a quiet commune", func(t *testing.T) {
		q := now.AddDate(0, -3, 0)
		period := "period=" + q.Format("2006") + "-Q" + string(rune('1'+(int(q.Month())-1)/3))
		if m := get(t, "unit=07450&"+period); m.Satisfaction.Enough || m.Satisfaction.N == 0 {
			t.Errorf("Xã Lạng Giang: %d ratings, enough %v", m.Satisfaction.N, m.Satisfaction.Enough)
		}
		if m := get(t, "unit=09190&"+period); !m.Satisfaction.Enough {
			t.Errorf("Phường Kinh Bắc: %d ratings, not enough", m.Satisfaction.N)
		}
	})
	t.Run("an open alert", func(t *testing.T) {
		req, _ := http.NewRequest("GET", agg.URL()+"/api/v1/alerts?unit=24&state=open", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Alerts []struct {
				Kind string `json:"kind"`
				Unit string `json:"unit"`
			} `json:"alerts"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/alerts: %s, %v", resp.Status, err)
		}
		if len(body.Alerts) == 0 {
			t.Error("the demo has no open alert")
		}
	})
}
