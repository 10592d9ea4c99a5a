// Command kiosk runs a Hài Lòng kiosk node for one service centre: the
// touchscreen survey for the centre's terminals, a durable local outbox, and
// an uploader that forwards ratings to the aggregator whenever it can.
//
// Every flag can also be set from the environment as HAILONG_KIOSK_<FLAG>,
// e.g. HAILONG_KIOSK_CREDENTIAL.
//
// Three commands work on a stopped node's outbox file (bbolt lets one process
// open it): "kiosk requeue" moves ratings the aggregator refused back to the
// queue, "kiosk quarantine" lists the entries that could not be read,
// "kiosk reassign" gives queued ratings recorded under a wrong -unit the
// unit they were given at. "kiosk pairings" lists, pairs and revokes the
// centre's terminals through the running node.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/peterbourgon/ff/v3"

	"hailong/kiosk/app"
	"hailong/kiosk/bolt"
	"hailong/kiosk/counter"
	"hailong/misuse"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "requeue":
			return runRequeue(args[1:], out)
		case "quarantine":
			return runQuarantine(args[1:], out)
		case "reassign":
			return runReassign(args[1:], out)
		case "pairings":
			return runPairings(args[1:], out)
		}
	}
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	var cfg app.Config
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8080", "address to serve terminals on")
	fs.StringVar(&cfg.DataDir, "data", "./data/kiosk", "directory of the durable outbox")
	fs.StringVar(&cfg.Aggregator, "aggregator", "", "base URL of the aggregator, e.g. https://hailong.example.gov.vn")
	fs.StringVar(&cfg.Credential, "credential", "", "kiosk credential printed by 'aggregator kiosk add'")
	credFile := fs.String("credential-file", "", "file holding the kiosk credential (preferred over -credential)")
	fs.StringVar(&cfg.Kiosk, "kiosk", "", "kiosk id, when running without a credential")
	fs.StringVar(&cfg.Unit, "unit", "", "code of this service centre in the administrative hierarchy")
	fs.StringVar(&cfg.UnitName, "unit-name", "", "name of this service centre, shown on the screen")
	questionnaires := fs.String("questionnaires", "counter-quick,sipas", "questionnaires offered, the default first")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "the aggregator's address as citizens' phones reach it, for rating links (default: -aggregator)")
	fs.DurationVar(&cfg.TokenTTL, "token-ttl", 30*24*time.Hour, "how long a rating link stays valid")
	fs.StringVar(&cfg.AssetsDir, "dev", "", "serve templates and styles from this assets directory (development)")
	fs.DurationVar(&cfg.MaxBackoff, "max-backoff", 5*time.Minute, "longest wait between upload retries")
	fs.StringVar(&cfg.DebugListen, "debug-listen", "", "address to serve Go's profiler (/debug/pprof/) and Prometheus metrics (/metrics) on, e.g. 127.0.0.1:6061; empty serves none")
	fs.DurationVar(&cfg.OpenRatingTTL, "open-rating-ttl", counter.DefaultTTL, "how long a rating opened at a counter waits for the citizen")
	fs.DurationVar(&cfg.Misuse.Interval, "misuse-interval", misuse.DefaultInterval, "a rating within this of the previous one from the same terminal is flagged")
	fs.IntVar(&cfg.Misuse.Burst, "misuse-burst", misuse.DefaultBurst, "a rating after this many from the same terminal within -misuse-window is flagged")
	fs.DurationVar(&cfg.Misuse.Window, "misuse-window", misuse.DefaultWindow, "the window of -misuse-burst")
	fs.DurationVar(&cfg.KeepSynced, "keep-synced", 30*24*time.Hour, "how long a synced rating stays on the node before it is pruned (0: forever)")
	fs.BoolVar(&cfg.Speak, "speak", false, "read the screen's questions aloud by default (citizens can still turn it off; it is always offered)")
	fs.StringVar(&cfg.ShowOfficial, "show-official", "badge", "what a counter tablet shows of the official being rated: badge (the official= reference), name (official_name=) or none")
	fs.DurationVar(&cfg.IdleReset, "idle-reset", time.Minute, "how long a screen a citizen began stays without input before a countdown to start over")
	fs.DurationVar(&cfg.IdleWarning, "idle-warning", 20*time.Second, "how long that countdown lasts, with a button to continue (at least 20s, WCAG 2.2.1)")
	fs.DurationVar(&cfg.FollowUpWindow, "follow-up-window", 5*time.Minute, "how long a tapped rating waits at most for the citizen's follow-up answers before it is uploaded")
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix("HAILONG_KIOSK")); err != nil {
		return err
	}
	switch {
	case cfg.IdleWarning < 20*time.Second:
		return fmt.Errorf("-idle-warning %v: at least 20s, so that a citizen has time to say they continue (WCAG 2.2.1)", cfg.IdleWarning)
	case cfg.IdleReset <= 0 || cfg.FollowUpWindow <= 0:
		return errors.New("-idle-reset and -follow-up-window must be positive")
	case cfg.ShowOfficial != "badge" && cfg.ShowOfficial != "name" && cfg.ShowOfficial != "none":
		return fmt.Errorf("-show-official %q: badge, name or none", cfg.ShowOfficial)
	}
	cfg.Questionnaires = app.SplitList(*questionnaires)
	if *credFile != "" {
		b, err := os.ReadFile(*credFile)
		if err != nil {
			return fmt.Errorf("credential file: %w", err)
		}
		cfg.Credential = string(b)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &app.Main{Config: cfg, Logger: log}
	if err := m.Run(ctx); err != nil {
		return err
	}
	log.Info("kiosk node ready", "kiosk", m.Config.Kiosk, "unit", m.Config.Unit, "screen", m.URL()+"/")
	fmt.Printf("Kiosk screen: %s/\n", m.URL())
	select {
	case <-ctx.Done():
		return m.Close()
	case err := <-m.Done():
		// Exit non-zero, so that the supervisor (systemd's Restart=)
		// starts the node again: a node that serves nothing, or whose
		// outbox is closed, is no use.
		what := "serving ended unexpectedly"
		if errors.Is(err, bolt.ErrReopen) {
			what = "the outbox closed unexpectedly"
		}
		log.Error(what+"; stopping so that the supervisor restarts the node", "err", err)
		return errors.Join(fmt.Errorf("%s: %w", what, err), m.Close())
	}
}
