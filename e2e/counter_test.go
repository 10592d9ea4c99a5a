package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	kioskapp "hailong/kiosk/app"
	"hailong/kiosk/terminals"
	"hailong/misuse"
	"hailong/qrtoken"
)

// asScreen sends a request as a paired screen.
func asScreen(t *testing.T, token, method, url, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func pairScreenAt(t *testing.T, k *kioskapp.Main, name, counter string) string {
	t.Helper()
	_, token, err := k.Terminals().Issue(terminals.Screen, name, counter)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// TestACounterRatingIsBoundToItsDossierEndToEnd: the one-stop software opens
// a rating for a dossier at counter Q1, Q1's tablet shows it, the citizen
// taps, and the aggregator holds one rating for the dossier; a QR link
// printed for the same dossier then says "already rated", and a second
// rating at the counter is refused.
func TestACounterRatingIsBoundToItsDossierEndToEnd(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	k := startKiosk(t, t.TempDir(), agg.URL(), enrol(t, agg, "kiosk-1", centre), centre)
	defer k.Close()
	tablet := pairScreenAt(t, k, "quay-1", "Q1")
	dossier := "H15.50.05.13-" + time.Now().Format("060102") + "-0975"
	open := map[string]any{"dossier": dossier, "procedure": "1.004122", "official": "cb-0012"}
	if status, body := postJSON(t, k.URL()+"/api/v1/counters/Q1/open", open, nil); status != 201 {
		t.Fatalf("the one-stop software opens: %d %s", status, body)
	}
	status, body := asScreen(t, tablet, "GET", k.URL()+"/api/v1/counters/Q1/open", "")
	if status != 200 || !strings.Contains(string(body), dossier) {
		t.Fatalf("the tablet sees: %d %s", status, body)
	}
	status, body = asScreen(t, tablet, "POST", k.URL()+"/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":3}}`)
	var got struct{ ID string }
	json.Unmarshal(body, &got)
	if status != 201 || got.ID != qrtoken.DossierRatingID(centre, dossier) {
		t.Fatalf("the citizen's tap: %d %s", status, body)
	}
	waitSynced(t, k.URL(), 1)
	day := today()
	if s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", day, "to", day, "counter", "Q1", "official", "cb-0012", "procedure", "1.004122")); s.N != 1 {
		t.Fatalf("the aggregator counts %d ratings of the dossier, want 1", s.N)
	}

	// A receipt's link for the same dossier: already rated, on the page
	// and through the API.
	link := issueToken(t, k.URL(), `{"dossier":"`+dossier+`","procedure":"1.004122"}`)
	if status, page := newPhone(t).get(link.URL); status != 409 || !strings.Contains(page, "đã được đánh giá") {
		t.Errorf("a second link of a rated dossier: %d", status)
	}
	if status, body := postJSON(t, link.URL, map[string]any{"answers": map[string]any{"overall": 1}}, nil); status != 409 {
		t.Errorf("a rating through it: %d %s", status, body)
	}
	// Opened again at the counter: refused.
	postJSON(t, k.URL()+"/api/v1/counters/Q1/open", open, nil)
	if status, body := asScreen(t, tablet, "POST", k.URL()+"/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":1}}`); status != 409 {
		t.Errorf("a second rating at the counter: %d %s", status, body)
	}
	if s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", day, "to", day)); s.N != 1 || s.Satisfied != 1 {
		t.Errorf("n=%d satisfied=%d, want the dossier's one rating", s.N, s.Satisfied)
	}
}

type flaggedMeasures struct {
	Satisfaction struct{ N, Successes int64 }
	Flagged      struct {
		N        int64
		Included bool
	}
	ByUnit []struct {
		Unit         string
		Satisfaction struct{ N int64 }
	} `json:"by_unit"`
}

// TestMisuseIsFlaggedAndCountedApart: a series of negatives tapped on one
// screen faster than the node's interval reaches the aggregator flagged;
// the measures leave it out by default, say how many were flagged, and
// include them on request.
func TestMisuseIsFlaggedAndCountedApart(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	k := startKioskWith(t, kioskapp.Config{DataDir: t.TempDir(), Aggregator: agg.URL(), Credential: enrol(t, agg, "kiosk-1", centre).String(),
		Unit: centre, Misuse: misuse.Config{Interval: time.Hour, Burst: 100, Window: time.Hour}})
	lobby, counter := pairScreenAt(t, k, "sanh", ""), pairScreenAt(t, k, "quay-2", "Q2")
	tap := func(token string, overall int) {
		t.Helper()
		if status, body := asScreen(t, token, "POST", k.URL()+"/api/v1/ratings", `{"questionnaire":"counter-quick","answers":{"overall":`+string(rune('0'+overall))+`}}`); status != 201 {
			t.Fatalf("tap: %d %s", status, body)
		}
	}
	for range 5 { // one citizen, then four more negatives within the interval
		tap(lobby, 1)
	}
	tap(counter, 3)
	waitSynced(t, k.URL(), 6)
	day := today()
	for _, tt := range []struct {
		query           string
		n, sat, flagged int64
	}{
		{q("unit", centre, "from", day, "to", day), 2, 1, 4},
		{q("unit", centre, "from", day, "to", day, "include_flagged", "false"), 2, 1, 4},
		{q("unit", centre, "from", day, "to", day, "include_flagged", "true"), 6, 1, 4},
		{q("unit", centre, "from", day, "to", day, "counter", "Q2"), 1, 1, 0},
		{q("unit", "24", "from", day, "to", day, "include_flagged", "true", "breakdown", "units,months"), 6, 1, 4},
	} {
		var m flaggedMeasures
		if status := getJSON(t, agg.URL()+"/api/v1/measures?"+tt.query, &m); status != 200 {
			t.Fatalf("%s: %d", tt.query, status)
		}
		if m.Satisfaction.N != tt.n || m.Satisfaction.Successes != tt.sat || m.Flagged.N != tt.flagged || m.Flagged.Included != strings.Contains(tt.query, "include_flagged=true") {
			t.Errorf("%s: n=%d satisfied=%d flagged=%+v, want %d %d %d", tt.query, m.Satisfaction.N, m.Satisfaction.Successes, m.Flagged, tt.n, tt.sat, tt.flagged)
		}
		for _, u := range m.ByUnit {
			if u.Satisfaction.N != 0 && u.Satisfaction.N != tt.n {
				t.Errorf("%s: unit %s counts %d, want %d", tt.query, u.Unit, u.Satisfaction.N, tt.n)
			}
		}
		s := satisfactionOf(t, agg.URL(), tt.query)
		if s.N != tt.n {
			t.Errorf("satisfaction %s: n=%d, want %d", tt.query, s.N, tt.n)
		}
	}
	if status := getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", centre, "from", day, "to", day, "include_flagged", "yes"), nil); status != 400 {
		t.Errorf("include_flagged=yes: %d, want 400", status)
	}
}
