// Command aggregator runs the Hài Lòng aggregator and its maintenance
// commands:
//
//	aggregator [serve]                     run the service (the default)
//	aggregator serve -national-sources F   run the national view, pulling the provinces' rollups
//	aggregator rebuild                     recompute every rollup from raw ratings
//	aggregator kiosk add -id ID -unit CODE enrol a kiosk and print its credential
//	aggregator kiosk list                  list enrolled kiosks
//	aggregator kiosk revoke -id ID         refuse a kiosk's uploads from now on
//	                                       (kiosk and client add/revoke take -url URL -token T to go
//	                                       through a running aggregator's API)
//	aggregator client add -id ID -unit CODE enrol a program reporting outcomes (one-stop software)
//	aggregator procedures import FILE.csv  replace the procedure catalogue
//	aggregator generate -ratings 5000000   fill an empty database with a synthetic large province
//	aggregator units import FILE.csv       replace the administrative units
//	aggregator units export                print the units as CSV
//	aggregator users add -username U -role admin -scope 24 [-name N] [-password-file F]
//	                                       add a user; without a file, print a generated password once
//	aggregator users list                  list users
//	aggregator users passwd -username U    set a new password (generated unless -password-file)
//	aggregator users disable -username U   refuse a user's sign-ins, sessions and tokens (enable undoes it)
//	aggregator tokens add -username U -name N -expires 90d
//	                                       make an API token and print it once
//	aggregator tokens list                 list API tokens
//	aggregator tokens revoke -id ID        refuse an API token from now on
//	aggregator roles list                  list the roles and their permissions
//	aggregator roles put -name N -permissions a,b   add a role or change its permissions
//
// Every flag can also be set from the environment as HAILONG_AGGREGATOR_<FLAG>,
// e.g. HAILONG_AGGREGATOR_MONGO_URI. Without a MongoDB URI the embedded
// database under -data is used; it allows one process at a time, so stop the
// service before running a maintenance command on it, or do the same while
// it runs on the admin pages (/admin) or through the API.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3"

	"hailong"
	"hailong/aggregator/alerts"
	"hailong/aggregator/app"
	"hailong/aggregator/bolt"
	"hailong/aggregator/enrolment"
	"hailong/aggregator/ferret"
	"hailong/aggregator/ingest"
	"hailong/aggregator/lease"
	"hailong/aggregator/national"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/synth"
	"hailong/hierarchy"
	"hailong/procedure"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(os.Args[1:], log); err != nil {
		fmt.Fprintln(os.Stderr, "aggregator:", errorText(err))
		os.Exit(1)
	}
}

// errorText shows an application error with its field errors.
func errorText(err error) string {
	var herr *hailong.Error
	if !errors.As(err, &herr) {
		return err.Error()
	}
	s := herr.Message
	for _, f := range herr.Fields {
		s += "\n  " + f.Field + ": " + f.Message
	}
	return s
}

func commonFlags(fs *flag.FlagSet, cfg *app.Config) {
	fs.StringVar(&cfg.DataDir, "data", "./data/aggregator", "directory of the embedded database")
	fs.StringVar(&cfg.MongoURI, "mongo-uri", "", "MongoDB URI of a replica set; empty runs the embedded database")
	fs.StringVar(&cfg.Database, "database", "hailong", "MongoDB database name")
	fs.StringVar(&cfg.RatingsIndex, "ratings-index", "", "file of the index of stored ratings, by which re-sent ratings are recognised (default: ratings-index.bolt in -data)")
	fs.StringVar(&cfg.AssetsDir, "dev", "", "serve templates and read questionnaires from this assets directory (development)")
}

func parse(fs *flag.FlagSet, args []string) error {
	return ff.Parse(fs, args, ff.WithEnvVarPrefix("HAILONG_AGGREGATOR"))
}

func run(args []string, log *slog.Logger) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "serve":
		return serve(ctx, args, log)
	case "rebuild":
		return rebuild(ctx, args, log)
	case "kiosk", "client":
		return enrolCmd(ctx, cmd, args, log)
	case "procedures":
		return proceduresCmd(ctx, args, log)
	case "generate":
		return generate(ctx, args, log)
	case "units":
		return unitsCmd(ctx, args, log)
	case "users":
		return usersCmd(ctx, args, log)
	case "tokens":
		return tokensCmd(ctx, args, log)
	case "roles":
		return rolesCmd(ctx, args, log)
	default:
		return fmt.Errorf("unknown command %q (serve, rebuild, kiosk, client, units, procedures, users, tokens, roles)", cmd)
	}
}

func serve(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg app.Config
	commonFlags(fs, &cfg)
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8081", "address to serve on")
	fs.BoolVar(&cfg.DemoData, "demo-data", false, "import the demo administrative units and procedures if none are stored")
	fs.StringVar(&cfg.TargetsFile, "targets", "", "JSON file of the measures' targets and their sources (default: the built-in ones)")
	fs.StringVar(&cfg.PortalScoringFile, "dvcqg-scoring", "", "JSON file of the Decision 766 export's metric codes and maximum scores (default: docs/DVCQG.md)")
	fs.Int64Var(&cfg.MinSample, "min-sample", 30, "ratings below which a rate is shown as not enough ratings")
	fs.StringVar(&cfg.PhoneQuestionnaire, "phone-questionnaire", "counter-quick", "questionnaire of the QR phone page")
	fs.IntVar(&cfg.RateLimit, "rate-limit", 120, "requests to /r/ per client address and minute")
	fs.StringVar(&cfg.ProxyHeader, "proxy-header", "", "header with the client address set by a reverse proxy, e.g. X-Forwarded-For")
	trusted := fs.String("trusted-proxies", "", "comma-separated addresses or CIDRs of proxies whose -proxy-header is believed")
	fs.BoolVar(&cfg.SecureCookies, "secure-cookies", false, "mark cookies Secure (when served over HTTPS)")
	fs.IntVar(&cfg.WalkInMax, "walk-in-max", 50, "ratings one walk-in QR code on a lobby screen may give")
	fs.DurationVar(&cfg.CheckpointEvery, "checkpoint-every", 5*time.Minute, "how often the rollups' changed months are persisted, so that a start after a crash replays only what was counted since")
	fs.IntVar(&cfg.CheckpointRatings, "checkpoint-ratings", 50000, "ratings counted after which a checkpoint of the rollups is taken before -checkpoint-every")
	fs.IntVar(&cfg.ResidentMonths, "resident-months", 13, "months of the rollups, up to the current one, loaded once serving, in the background (a query reading one first waits for it); older months are loaded when first read, or read from their summaries; 0 loads every month before serving")
	fs.Int64Var(&cfg.RollupBudget, "rollup-budget", 0, "cells of each rollup kept in memory (about 300-400 bytes each): a start loads the recent months only while under three quarters of it, and past it the least recently used months already checkpointed are dropped and loaded again when read; 0: no bound")
	fs.IntVar(&cfg.OutcomesBudget, "outcomes-budget", 300000, "dossiers whose latest outcome reports are kept in memory (about 240 bytes each) once the outcome book is saved by month: past it, the months least recently used are dropped and read from the database again when a report, a rating's flag or a lookup names one of their dossiers; a start reads none; 0: no bound")
	fs.IntVar(&cfg.CommentsBudget, "comments-budget", 500000, "citizens' comments kept in memory (about 120-170 bytes each): past it, the months of comments least recently read are dropped and read from the database again when a page needs them; a start reads none before serving, then those of the resident months; 0: no bound")
	fs.DurationVar(&cfg.ClockTolerance, "clock-tolerance", 5*time.Minute, "how far a kiosk rating's time may be in the future, by the kiosk's clock, or before its enrolment")
	fs.StringVar(&cfg.DebugListen, "debug-listen", "", "address to serve Go's profiler (/debug/pprof/) and Prometheus metrics (/metrics) on, e.g. 127.0.0.1:6060; empty serves none")
	fs.StringVar(&cfg.OIDC.Issuer, "oidc-issuer", "", "issuer URL of the province's OpenID Connect provider; empty turns single sign-on off")
	fs.StringVar(&cfg.OIDC.ClientID, "oidc-client-id", "", "client id of the aggregator at the OpenID Connect provider")
	secretFile := fs.String("oidc-client-secret-file", "", "file holding the client secret at the OpenID Connect provider (preferred to -oidc-client-secret)")
	fs.StringVar(&cfg.OIDC.ClientSecret, "oidc-client-secret", "", "client secret at the OpenID Connect provider; prefer -oidc-client-secret-file")
	fs.StringVar(&cfg.OIDC.RedirectURL, "oidc-redirect-url", "", "the aggregator's public base + /auth/oidc/callback, as registered with the provider, e.g. https://hailong.example.gov.vn/auth/oidc/callback")
	fs.StringVar(&cfg.OIDC.Claim, "oidc-claim", "preferred_username", "ID token claim naming the local account: preferred_username or email")
	scopes := fs.String("oidc-scopes", "profile,email", "comma-separated scopes asked for besides openid")
	fs.StringVar(&cfg.Mail.Addr, "smtp-addr", "", "host:port of the SMTP server sending alert emails and scheduled reports, e.g. smtp.example.gov.vn:587; empty turns email off")
	fs.StringVar(&cfg.Mail.TLS, "smtp-tls", "starttls", "TLS to the SMTP server: starttls (required), opportunistic or none")
	fs.StringVar(&cfg.Mail.Auth, "smtp-auth", "", "SMTP authentication: plain, login, or empty for none")
	fs.StringVar(&cfg.Mail.Username, "smtp-username", "", "SMTP username")
	smtpPasswordFile := fs.String("smtp-password-file", "", "file holding the SMTP password (preferred to -smtp-password)")
	fs.StringVar(&cfg.Mail.Password, "smtp-password", "", "SMTP password; prefer -smtp-password-file")
	fs.StringVar(&cfg.Mail.From, "smtp-from", "", "sender of the emails, e.g. 'Hài Lòng <hailong@example.gov.vn>'")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "the workspace's address as users reach it, for links in emails, e.g. https://hailong.example.gov.vn")
	hours := fs.String("alert-hours", alerts.DefaultHoursText, "opening hours silence alert rules count, Vietnam time: days and spans, groups separated by ';' (e.g. 'mon-fri 07:30-11:30 13:30-17:00; sat 07:30-11:30')")
	fs.BoolVar(&cfg.WebhookAllowPrivate, "webhook-allow-private", true, "let webhook receivers sit on private and loopback addresses (the province's LAN); false refuses them, against server-side request forgery")
	retries := fs.String("webhook-retries", "10s,1m,5m,30m,2h,6h", "comma-separated waits before each retry of a failed webhook delivery; after the last, a dead letter")
	queueAfter := fs.Duration("webhook-queue-after", time.Second, "how long a batch of rating.stored events is sent from memory before it is written to the webhook queue if a receiver still owes it; a crash can lose the undelivered events younger than this (docs/WEBHOOKS.md); 0 writes every batch at once")
	fs.BoolVar(&cfg.Lease, "lease", false, "serve only while holding the lease of this process's provinces in the database, waiting as a standby until then (several aggregators on one MongoDB; docs/SCALE.md)")
	fs.DurationVar(&cfg.LeaseTTL, "lease-ttl", lease.DefaultTTL, "how long the lease lasts unless renewed (every third of it): a standby takes over this long after the owner died")
	fs.DurationVar(&cfg.LeaseSkew, "lease-skew", lease.DefaultSkew, "how far the clocks of the aggregators' machines may differ; a standby waits this long past the lease's expiry")
	provinces := fs.String("provinces", "", "comma-separated codes of the provinces this process owns, e.g. 48,79; uploads from kiosks of other provinces are refused; empty owns all")
	nationalSources := fs.String("national-sources", "", "CSV file (provinces,url,token) of the provincial aggregators to pull rollup cells from: makes this aggregator the national view, taking no uploads (docs/SCALE.md)")
	fs.DurationVar(&cfg.NationalPullEvery, "national-pull-every", app.DefaultNationalPullEvery, "how often the national view pulls the provinces' rollup cells")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *nationalSources != "" {
		f, err := os.Open(*nationalSources)
		if err != nil {
			return fmt.Errorf("-national-sources: %w", err)
		}
		cfg.NationalSources, err = national.ReadSources(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("-national-sources: %w", err)
		}
	}
	if *smtpPasswordFile != "" {
		b, err := os.ReadFile(*smtpPasswordFile)
		if err != nil {
			return fmt.Errorf("-smtp-password-file: %w", err)
		}
		cfg.Mail.Password = strings.TrimSpace(string(b))
	}
	if err := cfg.Mail.Validate(); err != nil {
		return fmt.Errorf("-smtp-*: %w", err)
	}
	var err error
	if cfg.AlertHours, err = alerts.ParseHours(*hours); err != nil {
		return err
	}
	switch {
	case *queueAfter < 0:
		return fmt.Errorf("-webhook-queue-after: %v is negative; 0 writes every batch at once", *queueAfter)
	case *queueAfter == 0:
		cfg.WebhookQueueAfter = -1 // webhooks.Config: negative is at once
	default:
		cfg.WebhookQueueAfter = *queueAfter
	}
	for _, r := range strings.Split(*retries, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		d, err := time.ParseDuration(r)
		if err != nil || d <= 0 {
			return fmt.Errorf("-webhook-retries: %q is not a positive duration", r)
		}
		cfg.WebhookRetries = append(cfg.WebhookRetries, d)
	}
	if *secretFile != "" {
		b, err := os.ReadFile(*secretFile)
		if err != nil {
			return fmt.Errorf("-oidc-client-secret-file: %w", err)
		}
		cfg.OIDC.ClientSecret = strings.TrimSpace(string(b))
	}
	for _, s := range strings.Split(*scopes, ",") {
		if s = strings.TrimSpace(s); s != "" && s != "openid" {
			cfg.OIDC.Scopes = append(cfg.OIDC.Scopes, s)
		}
	}
	for _, p := range strings.Split(*trusted, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.TrustedProxies = append(cfg.TrustedProxies, p)
		}
	}
	for _, p := range strings.Split(*provinces, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.Provinces = append(cfg.Provinces, p)
		}
	}
	if cfg.Lease && cfg.MongoURI == "" {
		return errors.New("-lease needs -mongo-uri: the embedded database admits one process at a time")
	}
	if cfg.ProxyHeader != "" && len(cfg.TrustedProxies) == 0 {
		return errors.New("-proxy-header needs -trusted-proxies: the header is believed only from them")
	}
	m := &app.Main{Config: cfg, Logger: log}
	if err := m.Run(ctx); err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			log.Info("stopped before serving (a standby waiting for the lease, or a start)")
			return nil
		}
		return err
	}
	log.Info("aggregator ready", "url", m.URL())
	fmt.Printf("Aggregator dashboard: %s/\n", m.URL())
	select {
	case <-ctx.Done():
		return m.Close()
	case err := <-m.Done():
		// Close persists the rollups, then exit non-zero, so that the
		// supervisor (systemd's Restart=) starts the aggregator again.
		log.Error("serving ended unexpectedly; stopping so that the supervisor restarts the aggregator", "err", err)
		return errors.Join(fmt.Errorf("serving ended unexpectedly: %w", err), m.Close())
	case <-m.LeaseLost():
		// Self-fencing: exit at once, writing nothing more (no rollups:
		// the new owner rebuilds them from what was acknowledged). The
		// supervisor restarts the process, which waits as a standby.
		log.Error("lease lost: another aggregator owns these provinces now; exiting without writing", "err", m.LeaseErr())
		return fmt.Errorf("lease lost: %w", m.LeaseErr())
	}
}

// parseFlags parses a maintenance command's flags: the common ones and
// extra.
func parseFlags(name string, args []string, extra func(*flag.FlagSet)) (*app.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var cfg app.Config
	commonFlags(fs, &cfg)
	if extra != nil {
		extra(fs)
	}
	if err := parse(fs, args); err != nil {
		return nil, nil, err
	}
	return &cfg, fs, nil
}

// whileRunning says how to do what a command does while the aggregator
// runs, without stopping it.
func whileRunning(what string) string {
	switch what {
	case "kiosk":
		return "Enrol, revoke or give a new credential to a kiosk while it runs on the page /admin/kiosks, or through the API " +
			"(POST /api/v1/kiosks, /api/v1/kiosks/ID/revoke, /api/v1/kiosks/ID/rotate with an admin's API token), " +
			"or run this command with -url http://ADDRESS -token TOKEN"
	case "client":
		return "Enrol or revoke a one-stop client while it runs on the page /admin/clients, or through the API " +
			"(POST /api/v1/clients, /api/v1/clients/ID/revoke with an admin's API token), or run this command with -url and -token"
	case "units", "procedures":
		return "Import " + what + " while it runs on the page /admin/imports, or through the API " +
			"(POST /api/v1/" + what + "/import with the CSV as text/csv and a province admin's API token); export needs the service stopped"
	}
	return ""
}

// openDBWith opens the database of parsed flags; when the running
// aggregator holds the embedded database, the error says what to do
// instead: hint, or stop the service.
func openDBWith(ctx context.Context, cfg *app.Config, log *slog.Logger, hint string) (*app.DB, error) {
	db, err := app.OpenDB(ctx, *cfg, log)
	if errors.Is(err, ferret.ErrInUse) && hint != "" {
		err = fmt.Errorf("%w.\nThe aggregator is running on %s. %s. "+
			"Otherwise stop the service (systemctl stop hailong-aggregator), run this command again, then start it", ferret.ErrInUse, cfg.DataDir, hint)
	}
	return db, err
}

func openDB(ctx context.Context, name string, args []string, log *slog.Logger, extra func(*flag.FlagSet)) (*app.DB, *app.Config, *flag.FlagSet, error) {
	cfg, fs, err := parseFlags(name, args, extra)
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := openParsed(ctx, cfg, log)
	return db, cfg, fs, err
}

// openParsed opens the database of parsed flags, for a command that needs
// the service stopped.
func openParsed(ctx context.Context, cfg *app.Config, log *slog.Logger) (*app.DB, error) {
	db, err := app.OpenDB(ctx, *cfg, log)
	if errors.Is(err, ferret.ErrInUse) {
		err = fmt.Errorf("%w.\nThe aggregator is running on %s. Stop the service (systemctl stop hailong-aggregator), "+
			"run this command again, then start it (systemctl start hailong-aggregator). "+
			"See the README, \"Accounts and access\"", err, cfg.DataDir)
	}
	return db, err
}

func generate(ctx context.Context, args []string, log *slog.Logger) error {
	var n, workers, years int
	var seed uint64
	cfg, _, err := parseFlags("generate", args, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "ratings", 5_000_000, "how many ratings")
		fs.IntVar(&years, "years", 2, "years of ratings, ending on "+synth.End.String()+" (the merger of 1 July 2025 a year before)")
		fs.Uint64Var(&seed, "seed", 1, "seed of the generator")
		fs.IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "batches checked and stored at once")
	})
	if err != nil {
		return err
	}
	if years < 1 || years > 7 { // before the database is made
		return fmt.Errorf("-years %d: give from 1 to 7 years: the synthetic centres open on 1 January 2019", years)
	}
	db, err := openParsed(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	end := synth.End.Start().In(hailong.Location)
	from := hailong.DateFromYMD(end.Year()-years, end.Month(), end.Day()) + 1
	tree, err := hierarchy.New(synth.Units())
	if err != nil {
		return err
	}
	if err := db.ReplaceUnits(ctx, tree); err != nil {
		return err
	}
	if err := db.ReplaceProcedures(ctx, procedure.New(synth.Procedures())); err != nil {
		return err
	}
	catalog, err := app.Catalog(*cfg)
	if err != nil {
		return err
	}
	icfg := ingest.Config{Store: db, Catalog: catalog, Logger: log}
	idx, err := app.OpenRatingsIndex(ctx, *cfg, db, log)
	if err != nil {
		return err
	}
	if idx != nil {
		defer idx.Close()
		icfg.Index = idx
	}
	in := ingest.New(icfg)
	if err := in.Start(ctx); err != nil {
		return err
	}
	book, err := outcomes.Load(ctx, db)
	if err != nil {
		return err
	}
	in.SetOnUnhappy(book.MarkUnhappy)
	t0 := time.Now()
	sink := synth.NewParallel(ctx, synth.Ingest{In: in, Book: book}, workers)
	err = synth.Generate(ctx, synth.Config{Ratings: n, Seed: seed, From: from, Progress: func(done int) {
		left := time.Duration(float64(time.Since(t0)) * float64(n-done) / float64(done)).Round(time.Second)
		fmt.Fprintf(os.Stderr, "%d of %d ratings, %.0f/s, about %s left\n", done, n, float64(done)/time.Since(t0).Seconds(), left)
	}}, sink)
	if werr := sink.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	if err := in.Close(ctx); err != nil {
		return err
	}
	if err := book.Save(ctx); err != nil {
		return err
	}
	fmt.Printf("Generated %d ratings, %d dossier outcomes, %d units and %d procedures in %s.\n",
		n, book.Dossiers(), len(tree.Records()), len(synth.Procedures()), time.Since(t0).Round(time.Second))
	return nil
}

func rebuild(ctx context.Context, args []string, log *slog.Logger) error {
	db, cfg, _, err := openDB(ctx, "rebuild", args, log, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	catalog, err := app.Catalog(*cfg)
	if err != nil {
		return err
	}
	// The database may have been restored from a backup: the rating index
	// may name ratings it no longer holds. The next start fills a new one.
	if err := bolt.Remove(app.RatingsIndexPath(*cfg)); err != nil {
		return err
	}
	in := ingest.New(ingest.Config{Store: db, Catalog: catalog, Logger: log})
	t0 := time.Now()
	n, err := in.Rebuild(ctx)
	if err != nil {
		return err
	}
	if err := in.Close(ctx); err != nil {
		return err
	}
	fmt.Printf("Rebuilt the rollups of %d ratings in %s.\n", n, time.Since(t0).Round(time.Millisecond))
	return nil
}

// enrolCmd enrols, lists and revokes kiosks, or clients: the programs
// (one-stop software) that report dossier outcomes for a unit's subtree.
// With -url and -token, add and revoke go through the running
// aggregator's API instead of the database.
func enrolCmd(ctx context.Context, what string, args []string, log *slog.Logger) error {
	if len(args) == 0 {
		return fmt.Errorf("%s: add, list or revoke", what)
	}
	sub, args := args[0], args[1:]
	var id, unit, base, token string
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "id: lower-case letters, digits and '-'")
		fs.StringVar(&unit, "unit", "", "the kiosk's service centre, or the unit whose subtree a client reports for")
		fs.StringVar(&base, "url", "", "base URL of a running aggregator: add and revoke go through its API (with -token)")
		fs.StringVar(&token, "token", "", "an API token of an admin, for -url")
	}
	cfg, _, err := parseFlags(what+" "+sub, args, extra)
	if err != nil {
		return err
	}
	if base != "" {
		return enrolAPI(ctx, what, sub, base, token, id, unit)
	}
	db, err := openDBWith(ctx, cfg, log, whileRunning(what))
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "add":
		records, _, err := db.Units(ctx)
		if err != nil {
			return err
		}
		if !unitKnown(records, unit) {
			return fmt.Errorf("unit %q is not among the imported units", unit)
		}
		k, cred, err := enrolment.Enrol(id, unit, time.Now())
		if err != nil {
			return err
		}
		add := db.AddKiosk
		if what == "client" {
			add = db.AddClient
		}
		if err := add(ctx, k); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s %s enrolled for unit %s. Its credential, shown only now:\n", what, id, unit)
		fmt.Println(cred.String())
		return nil
	case "list":
		list := db.Kiosks
		if what == "client" {
			list = db.Clients
		}
		all, err := list(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tUNIT\tENROLLED\tREVOKED")
		for _, k := range all {
			fmt.Fprintf(w, "%s\t%s\t%s\t%v\n", k.ID, k.Unit, k.Created.Format(time.DateOnly), k.Revoked)
		}
		return w.Flush()
	case "revoke":
		revoke := db.RevokeKiosk
		if what == "client" {
			revoke = db.RevokeClient
		}
		if err := revoke(ctx, id); err != nil {
			return err
		}
		fmt.Printf("%s %s revoked.\n", what, id)
		return nil
	default:
		return fmt.Errorf("%s: unknown command %q (add, list, revoke)", what, sub)
	}
}

func proceduresCmd(ctx context.Context, args []string, log *slog.Logger) error {
	return dataCmd(ctx, "procedures", args, log,
		func(ctx context.Context, db *app.DB, r io.Reader) error {
			c, err := procedure.ReadCSV(r)
			if err != nil {
				return err
			}
			if err := db.ReplaceProcedures(ctx, c); err != nil {
				return err
			}
			fmt.Printf("Imported %d procedures; the aggregator uses them when it starts.\n", len(c.All()))
			return nil
		},
		func(ctx context.Context, db *app.DB) error {
			records, _, err := db.Procedures(ctx)
			if err != nil {
				return err
			}
			w := csv.NewWriter(os.Stdout)
			w.Write(procedure.CSVHeader)
			for _, p := range records {
				w.Write([]string{p.Code, p.Name, p.Field, strconv.Itoa(p.LegalDays)})
			}
			w.Flush()
			return w.Error()
		})
}

// dataCmd runs "import FILE.csv" or "export" of a kind of reference data.
func dataCmd(ctx context.Context, what string, args []string, log *slog.Logger,
	importFn func(context.Context, *app.DB, io.Reader) error, exportFn func(context.Context, *app.DB) error) error {
	if len(args) == 0 {
		return fmt.Errorf("%s: import FILE.csv or export", what)
	}
	sub, args := args[0], args[1:]
	cfg, fs, err := parseFlags(what+" "+sub, args, nil)
	if err != nil {
		return err
	}
	db, err := openDBWith(ctx, cfg, log, whileRunning(what))
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "import":
		if fs.NArg() != 1 {
			return fmt.Errorf("%s import: give one CSV file", what)
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		return importFn(ctx, db, f)
	case "export":
		return exportFn(ctx, db)
	default:
		return fmt.Errorf("%s: unknown command %q (import, export)", what, sub)
	}
}

func unitKnown(records []hierarchy.Unit, code string) bool {
	for _, u := range records {
		if u.Code == code {
			return true
		}
	}
	return false
}

func unitsCmd(ctx context.Context, args []string, log *slog.Logger) error {
	return dataCmd(ctx, "units", args, log,
		func(ctx context.Context, db *app.DB, r io.Reader) error {
			t, err := hierarchy.ReadCSV(r)
			if err != nil {
				return err
			}
			if err := db.ReplaceUnits(ctx, t); err != nil {
				return err
			}
			fmt.Printf("Imported %d unit records; the aggregator uses them when it starts.\n", len(t.Records()))
			return nil
		},
		func(ctx context.Context, db *app.DB) error {
			records, _, err := db.Units(ctx)
			if err != nil {
				return err
			}
			t, err := hierarchy.New(records)
			if err != nil {
				return err
			}
			return t.WriteCSV(os.Stdout)
		})
}
