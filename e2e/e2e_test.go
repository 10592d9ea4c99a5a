package e2e

import (
	"encoding/json"
	"testing"

	"hailong"
	"hailong/syncapi"
)

func TestTapBecomesPartOfTheSatisfactionRate(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	k := startKiosk(t, t.TempDir(), agg.URL(), cred, centre)
	defer k.Close()

	// 7 of 10 satisfied: overall 2 or 3 of the 3-level counter scale.
	overall := []int{3, 3, 2, 2, 2, 3, 2, 1, 1, 1}
	for i, o := range overall {
		r := rating{Answers: map[string]any{"overall": o}, Counter: "Q1", Official: "cb-7"}
		if i%2 == 1 {
			r.Counter, r.Procedure = "Q2", "1.004122"
		}
		rate(t, k.URL(), r)
	}
	// A SIPAS-style survey at the same centre: 4 and 5 are satisfied.
	rate(t, k.URL(), rating{Questionnaire: "sipas", Answers: map[string]any{"overall": 4, "access_signs": 5, "comment": "Chỗ ngồi hơi chật"}})
	st := waitSynced(t, k.URL(), 11)
	if st.Aggregator != "reachable" || st.LastSync == nil || st.Kiosk != "kiosk-1" || st.Unit != centre {
		t.Errorf("kiosk status = %+v", st)
	}

	day := today()
	tests := []struct {
		name         string
		query        string
		n, satisfied int64
	}{
		{"the centre", q("unit", centre, "from", day, "to", day), 11, 8},
		{"the province above it", q("unit", "24", "from", day, "to", day), 11, 8},
		{"the ward above it", q("unit", "09190", "from", day, "to", day), 11, 8},
		{"a sibling ward", q("unit", "09250", "from", day, "to", day), 0, 0},
		{"one counter", q("unit", "24", "from", day, "to", day, "counter", "Q2"), 5, 3},
		{"one procedure", q("unit", "24", "from", day, "to", day, "procedure", "1.004122"), 5, 3},
		{"one official", q("unit", "24", "from", day, "to", day, "official", "cb-7"), 10, 7},
		{"one questionnaire", q("unit", "24", "from", day, "to", day, "questionnaire", "sipas"), 1, 1},
		{"qr channel", q("unit", "24", "from", day, "to", day, "channel", "qr"), 0, 0},
		{"another period", q("unit", "24", "from", "2025-07-01", "to", "2025-12-31"), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := satisfactionOf(t, agg.URL(), tt.query)
			if s.N != tt.n || s.Satisfied != tt.satisfied {
				t.Fatalf("n=%d satisfied=%d, want %d and %d", s.N, s.Satisfied, tt.n, tt.satisfied)
			}
			if tt.n == 0 && (s.Rate != nil || s.CI95 != nil) {
				t.Errorf("rate and ci95 must be null with no ratings")
			}
		})
	}
	s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", day, "to", day))
	// 8 of 11: Wilson 95% interval by hand: centre (p̂ + z²/2n)/(1 + z²/n) = 0.66845,
	// half-width 0.23410, so [0.4344, 0.9025].
	if *s.Rate != 0.7273 || s.CI95[0] != 0.4344 || s.CI95[1] != 0.9025 || s.ByChannel["kiosk"].N != 11 {
		t.Errorf("rate %v ci95 %v by_channel %v", *s.Rate, *s.CI95, s.ByChannel)
	}
}

func TestSatisfactionRefusesBadQueries(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	tests := []struct {
		name, query string
		status      int
		field       string
	}{
		{"no dates", q("unit", "24"), 400, "from"},
		{"bad date", q("unit", "24", "from", "2026-02-30", "to", "2026-03-01"), 400, "from"},
		{"reversed period", q("unit", "24", "from", "2026-03-01", "to", "2026-02-01"), 400, "to"},
		{"bad channel", q("unit", "24", "from", "2026-01-01", "to", "2026-01-31", "channel", "sms"), 400, "channel"},
		{"bad procedure", q("unit", "24", "from", "2026-01-01", "to", "2026-01-31", "procedure", "12"), 400, "procedure"},
		{"unknown unit", q("unit", "99", "from", "2026-01-01", "to", "2026-01-31"), 404, ""},
		{"unit not in force on as_of", q("unit", "27", "from", "2024-01-01", "to", "2024-12-31"), 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := authGet(agg.URL() + "/api/v1/satisfaction?" + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p struct {
				Status int
				Detail string
				Errors []hailong.FieldError
			}
			json.NewDecoder(resp.Body).Decode(&p)
			if resp.StatusCode != tt.status || p.Status != tt.status || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d (%s), want %d problem+json", resp.StatusCode, resp.Header.Get("Content-Type"), tt.status)
			}
			if tt.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.field) {
				t.Errorf("errors = %+v, want one for %s", p.Errors, tt.field)
			}
		})
	}
	// The old province is found through the old structure.
	if s := satisfactionOf(t, agg.URL(), q("unit", "27", "from", "2024-01-01", "to", "2024-12-31", "as_of", "2025-06-30")); s.N != 0 {
		t.Errorf("n = %d", s.N)
	}
}

func TestSyncAuthenticatesEachKiosk(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	other, _ := syncapi.NewCredential("kiosk-1") // right id, wrong secret
	unknown, _ := syncapi.NewCredential("kiosk-9")
	revoked := enrol(t, agg, "kiosk-2", centre)
	if err := agg.DB().RevokeKiosk(t.Context(), "kiosk-2"); err != nil {
		t.Fatal(err)
	}
	body := syncapi.Request{Ratings: []hailong.Rating{}}
	tests := []struct {
		name   string
		cred   syncapi.Credential
		status int
	}{
		{"no credential", syncapi.Credential{}, 401},
		{"malformed", syncapi.Credential{Kiosk: "nonsense"}, 401},
		{"wrong secret", other, 401},
		{"unknown kiosk", unknown, 401},
		{"revoked kiosk", revoked, 403},
		{"valid", cred, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kioskClient(agg.URL(), tt.cred).Sync(t.Context(), body)
			if status := statusOf(t, err); status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, err)
			}
		})
	}
	t.Run("too many ratings", func(t *testing.T) {
		big := syncapi.Request{Ratings: make([]hailong.Rating, syncapi.MaxBatch+1)}
		_, err := kioskClient(agg.URL(), cred).Sync(t.Context(), big)
		if status := statusOf(t, err); status != 400 {
			t.Fatalf("status %d: %v", status, err)
		}
	})
}
