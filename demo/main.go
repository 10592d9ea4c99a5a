// Command demo runs the whole Hài Lòng system on one machine: the aggregator
// on its embedded database with demo administrative units, and one kiosk node
// for a demo service centre, enrolled and uploading. On first start it seeds
// two years of ratings across the demo province, before and after the
// merger of 1 July 2025, and the outcomes of rated dossiers from a one-stop
// client, so every page of the workspace has something to show.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/peterbourgon/ff/v3"

	"hailong"
	"hailong/aggregator/access"
	aggapp "hailong/aggregator/app"
	"hailong/aggregator/enrolment"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/synth"
	kioskapp "hailong/kiosk/app"
	"hailong/kiosk/terminals"
)

const (
	demoKiosk = "demo-kinh-bac-1"
	// demoClient is the one-stop software reporting dossier outcomes for
	// the whole province.
	demoClient = "demo-motcua"
	demoUnit   = "TT-09190"
	// The demo accounts: a province-wide admin of the merged Bắc Ninh (24)
	// and an analyst of Phường Kinh Bắc, the demo kiosk's commune.
	demoAdmin         = "admin"
	demoAnalyst       = "analyst.kinhbac"
	demoProvince      = "24"
	demoCommune       = "09190"
	demoAccountsFile  = "accounts.txt"
	demoTokenLifetime = 365 * 24 * time.Hour
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	data := fs.String("data", "./data/demo", "directory for the demo's databases")
	aggListen := fs.String("aggregator-listen", "127.0.0.1:8081", "aggregator address")
	kioskListen := fs.String("kiosk-listen", "127.0.0.1:8080", "kiosk node address")
	byCode := fs.Bool("pair-by-code", false, "pair the screens as a centre does (kiosk pairings pair CODE) instead of pairing every screen that asks")
	if err := ff.Parse(fs, os.Args[1:], ff.WithEnvVarPrefix("HAILONG_DEMO")); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	agg := &aggapp.Main{Config: aggapp.Config{Listen: *aggListen, DataDir: filepath.Join(*data, "aggregator"), DemoData: true,
		// As the aggregator's own flag has it (docs/WEBHOOKS.md): a demo's
		// receivers sit on this machine or the LAN.
		WebhookAllowPrivate: true}, Logger: log}
	if err := agg.Run(ctx); err != nil {
		return fmt.Errorf("aggregator: %w", err)
	}
	defer agg.Close()
	cred, err := demoCredential(ctx, filepath.Join(*data, "kiosk.credential"), demoKiosk, demoUnit, agg.DB().AddKiosk)
	if err != nil {
		return err
	}
	accounts, err := demoAccounts(ctx, agg, filepath.Join(*data, demoAccountsFile))
	if err != nil {
		return fmt.Errorf("demo accounts: %w", err)
	}
	if agg.Ingester().Rollup().Ratings() == 0 {
		client, err := demoCredential(ctx, filepath.Join(*data, "client.credential"), demoClient, demoProvince, agg.DB().AddClient)
		if err != nil {
			return err
		}
		if err := seed(ctx, agg, client, time.Now(), seedRatings); err != nil {
			return fmt.Errorf("seed demo ratings: %w", err)
		}
		fmt.Printf("Seeded %d demo ratings.\n", seedRatings)
	}
	kiosk := &kioskapp.Main{Config: kioskapp.Config{
		Listen: *kioskListen, DataDir: filepath.Join(*data, "kiosk"), Aggregator: agg.URL(),
		Credential: cred, Unit: demoUnit, UnitName: "Trung tâm Phục vụ hành chính công phường Kinh Bắc",
		// The demo pairs its own screens: every browser that opens the
		// kiosk screen is paired at once (logged loudly), unless
		// -pair-by-code shows how a centre pairs them.
		AutoPair: !*byCode,
	}, Logger: log}
	if err := kiosk.Run(ctx); err != nil {
		return fmt.Errorf("kiosk: %w", err)
	}
	defer kiosk.Close()
	_, software, err := kiosk.Terminals().Issue(terminals.Software, "demo-motcua", "")
	if err != nil {
		return fmt.Errorf("pair the demo's one-stop software: %w", err)
	}
	pairing := "every screen that opens it is paired at once (demo only)"
	if *byCode {
		pairing = "pair a screen by its code: go run ./kiosk pairings -data " + filepath.Join(*data, "kiosk") + " pair CODE -name quay-1 -counter Q1"
	}

	link, err := demoLink(kiosk.URL(), software)
	if err != nil {
		return fmt.Errorf("issue a demo rating link: %w", err)
	}
	today := hailong.DateOf(time.Now())
	fmt.Printf(`
Hài Lòng demo is running. Open:
  Terminals: %[9]s
  One-stop software's token: %[10]s
  Open a rating for a dossier at counter Q1 (its tablet shows it):
    curl -X POST %[1]s/api/v1/counters/Q1/open -H "Authorization: Bearer %[10]s" -H 'Content-Type: application/json' -d '{"dossier":"H15.50.05.13-`+time.Now().In(hailong.Location).Format("060102")+`-0002"}'
  Kiosk screen (lobby touchscreen)  %[1]s/
  Counter tablet (counter Q1)       %[1]s/?counter=Q1&official=cb-0012
  SIPAS-style survey                %[1]s/?q=sipas
  Kiosk status                      %[1]s/api/v1/status
  Phone page of a receipt's QR link %[5]s
  …and its QR code                  %[1]s%[6]s
  Analysts' workspace               %[2]s/   (sign in with an account below)
  Alerts the demo's ratings opened   %[2]s/alerts
  Satisfaction API, in the browser signed in as admin, or with a token:
                                    %[2]s/api/v1/satisfaction?unit=24&from=%[3]s&to=%[4]s
  Same, viewed through the old structure (as_of 2025-06-30, the old Bắc Ninh province 27):
                                    %[2]s/api/v1/satisfaction?unit=27&from=2025-01-01&to=2025-06-30&as_of=2025-06-30
  The analyst's token sees Phường Kinh Bắc (09190) only:
    curl -H "Authorization: Bearer $TOKEN" '%[2]s/api/v1/satisfaction?unit=09190&from=%[3]s&to=%[4]s'
Accounts and the analyst's token (kept in %[7]s):
%[8]sPress Ctrl+C to stop.
`, kiosk.URL(), agg.URL(), (today - 365).String(), today.String(), link.URL, link.QRPNG,
		filepath.Join(*data, demoAccountsFile), accounts, pairing, software)
	select {
	case <-ctx.Done():
		return nil
	case err := <-agg.Done():
		return fmt.Errorf("aggregator: %w", err)
	case err := <-kiosk.Done():
		return fmt.Errorf("kiosk: %w", err)
	}
}

type issued struct {
	URL   string `json:"url"`
	QRPNG string `json:"qr_png"`
}

// demoLink asks the kiosk node for a rating link, as the one-stop software
// does when it prints a receipt.
func demoLink(kioskURL, software string) (issued, error) {
	body := `{"dossier":"H15.50.05.13-` + time.Now().In(hailong.Location).Format("060102") + `-0001","procedure":"1.004227","official":"cb-0012","counter":"Q1"}`
	req, err := http.NewRequest("POST", kioskURL+"/api/v1/tokens", strings.NewReader(body))
	if err != nil {
		return issued{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+software)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return issued{}, err
	}
	defer resp.Body.Close()
	var out issued
	if resp.StatusCode != http.StatusCreated {
		return out, fmt.Errorf("kiosk answered %s", resp.Status)
	}
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

// demoCredential enrols the demo kiosk, or the demo's one-stop client, once
// and keeps its credential.
func demoCredential(ctx context.Context, path, id, unit string, add func(context.Context, hailong.Enrolment) error) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	k, cred, err := enrolment.Enrol(id, unit, time.Now())
	if err != nil {
		return "", err
	}
	if err := add(ctx, k); err != nil {
		return "", fmt.Errorf("enrol %s: %w", id, err)
	}
	if err := os.WriteFile(path, []byte(cred.String()+"\n"), 0o600); err != nil {
		return "", err
	}
	return cred.String(), nil
}

// demoAccounts makes the demo's admin and analyst, with random passwords,
// and an API token of the analyst, once per data directory: they are kept
// in path (mode 0600) and the same lines are printed at every start, so a
// newcomer can sign in at once and the accounts stay what they were across
// restarts. Delete the data directory to start over.
func demoAccounts(ctx context.Context, agg *aggapp.Main, path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return string(b), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	svc := agg.Access()
	var lines strings.Builder
	for _, a := range []struct{ role, username, name, scope string }{
		{hailong.RoleAdmin, demoAdmin, "Quản trị tỉnh Bắc Ninh (demo)", demoProvince},
		{hailong.RoleAnalyst, demoAnalyst, "Chuyên viên phường Kinh Bắc (demo)", demoCommune},
	} {
		password := access.GeneratePassword()
		err := svc.AddUser(ctx, nil, hailong.User{Username: a.username, Name: a.name, Role: a.role, Scope: a.scope}, password)
		if hailong.ErrorCode(err) == hailong.ECONFLICT { // the file was deleted, not the data
			err = svc.SetPassword(ctx, nil, a.username, password)
		}
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&lines, "account: %s %s %s\n", a.role, a.username, password)
	}
	token, _, err := svc.CreateToken(ctx, nil, demoAnalyst, "demo", "", nil, time.Now().Add(demoTokenLifetime))
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&lines, "token: %s %s\n", demoAnalyst, token)
	if err := os.WriteFile(path, []byte(lines.String()), 0o600); err != nil {
		return "", err
	}
	return lines.String(), nil
}

// oneStop is the demo's one-stop software: it reports the outcomes of
// dossiers to the aggregator's API with its client credential, as a
// province's software does.
type oneStop struct {
	url, credential string
}

// Report sends one batch of outcomes.
func (o oneStop) Report(ctx context.Context, reports []hailong.Outcome, _ func(string) bool) ([]outcomes.Result, error) {
	body, err := json.Marshal(map[string]any{"outcomes": reports})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url+"/api/v1/outcomes", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+o.credential)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST /api/v1/outcomes: %s", resp.Status)
	}
	var out struct{ Results []outcomes.Result }
	return out.Results, json.NewDecoder(resp.Body).Decode(&out)
}

// seedRatings is how many ratings the demo seeds over two years: enough
// for every official's quarter, few enough to seed in seconds.
const seedRatings = 40_000

// seed writes n ratings over two years (the merger of 1 July 2025 in the
// middle) through the aggregator's ingest path, and the outcomes of rated
// dossiers through the one-stop API with the credential of an enrolled
// client: the synthetic generator (synth) on the demo's units and
// procedures. Xã Lạng Giang and the old desk of Từ Sơn are rated too
// rarely to be ranked, so "not enough ratings" shows too.
func seed(ctx context.Context, agg *aggapp.Main, client string, now time.Time, n int) error {
	units, _, err := agg.DB().Units(ctx)
	if err != nil {
		return err
	}
	procs, _, err := agg.DB().Procedures(ctx)
	if err != nil {
		return err
	}
	today := hailong.DateOf(now)
	cfg := synth.Config{Ratings: n, Seed: 2025, Units: units, Procedures: procs, From: today - 730, To: today - 1,
		Officials: 8, Counters: 4, Quiet: []string{"TT-07450", "MC-261"}}
	if err := synth.Generate(ctx, cfg, synth.Ingest{In: agg.Ingester(), Book: oneStop{url: agg.URL(), credential: client}}); err != nil {
		return err
	}
	// The alert rules see the last days' ratings (the default rules open
	// alerts, e.g. a citizen's complaint of harassment), so the alerts
	// page is in use from the first start.
	agg.Alerts().Settle(ctx)
	return nil
}
