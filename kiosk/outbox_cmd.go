package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/peterbourgon/ff/v3"

	"hailong/kiosk/app"
	"hailong/kiosk/bolt"
)

// openOutbox opens the outbox of a stopped node. A running node holds the
// file; the error then says to stop it.
func openOutbox(dataDir string) (*bolt.Outbox, error) {
	path := filepath.Join(dataDir, "outbox.db")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no outbox here (is -data right?): %w", err)
	}
	o, err := bolt.Open(path)
	if errors.Is(err, bolt.ErrInUse) {
		return nil, fmt.Errorf("%w\nThe kiosk node is running: stop it (systemctl stop hailong-kiosk), run this command, then start it again", err)
	}
	return o, err
}

// runRequeue moves failed ratings back to the queue: the aggregator
// refused them for a reason that has since been fixed (a questionnaire it
// did not know, a unit set wrong). The node sends them at its next start.
func runRequeue(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kiosk requeue", flag.ContinueOnError)
	dataDir := fs.String("data", "./data/kiosk", "directory of the durable outbox")
	all := fs.Bool("all", false, "requeue every failed rating")
	ids := fs.String("id", "", "requeue these failed ratings (comma-separated ids)")
	reason := fs.String("reason", "", "requeue the failed ratings whose reason contains this text, e.g. a group as listed: 'rejected [at]'")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: kiosk requeue [-data DIR] -all | -id ID,... | -reason TEXT\n\n"+
			"Moves ratings the aggregator refused back to the queue, on a stopped node.\n"+
			"Without a selection it lists the failed ratings by reason.")
		fs.PrintDefaults()
	}
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix("HAILONG_KIOSK")); err != nil {
		return err
	}
	chosen := app.SplitList(*ids)
	var match func(id, why string) bool
	switch {
	case *all && len(chosen) == 0 && *reason == "":
		match = func(string, string) bool { return true }
	case !*all && len(chosen) > 0 && *reason == "":
		match = func(id, _ string) bool { return slices.Contains(chosen, id) }
	case !*all && len(chosen) == 0 && *reason != "":
		match = func(_, why string) bool { return strings.Contains(why, *reason) }
	case !*all && len(chosen) == 0 && *reason == "":
	default:
		return errors.New("choose one of -all, -id and -reason")
	}
	o, err := openOutbox(*dataDir)
	if err != nil {
		return err
	}
	defer o.Close()
	if match == nil {
		failed, err := o.Failed()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d failed ratings in %s\n", len(failed), o.Path())
		printGroups(out, failed)
		return errors.New("nothing requeued: choose -all, -id or -reason")
	}
	if len(chosen) > 0 {
		failed, err := o.Failed()
		if err != nil {
			return err
		}
		for _, id := range chosen {
			if _, ok := failed[id]; !ok {
				return fmt.Errorf("rating %s is not in the failed list; nothing requeued", id)
			}
		}
	}
	moved, err := o.Requeue(match)
	if err != nil {
		return err
	}
	st, err := o.Stats()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "requeued %d failed ratings; %d queued, %d still failed\n", moved, st.Queued, st.Failed)
	printReasons(out, st.FailedReasons)
	return nil
}

// printGroups lists failed ratings by group (status and fields at fault,
// as fleet health counts them), each with one rating's full reason.
func printGroups(out io.Writer, failed map[string]string) {
	counts, example := map[string]int64{}, map[string]string{}
	ids := slices.Sorted(maps.Keys(failed)) // the oldest rating's text, ids being UUIDv7
	for _, id := range ids {
		g := bolt.FailedGroup(failed[id])
		if counts[g]++; counts[g] == 1 {
			example[g] = failed[id]
		}
	}
	for _, g := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(out, "%8d  %s\n", counts[g], g)
		if example[g] != g+": " {
			fmt.Fprintf(out, "          e.g. %s\n", example[g])
		}
	}
}

func printReasons(out io.Writer, reasons map[string]int64) {
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(out, "%8d  %s\n", reasons[k], k)
	}
}

// runQuarantine lists the outbox entries that could not be read, one JSON
// object a line with the raw bytes in base64, for an operator to look at or
// to recover by hand.
func runQuarantine(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kiosk quarantine", flag.ContinueOnError)
	dataDir := fs.String("data", "./data/kiosk", "directory of the durable outbox")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: kiosk quarantine [-data DIR]\n\n"+
			"Lists the outbox entries that could not be read, on a stopped node, one JSON object a line.")
		fs.PrintDefaults()
	}
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix("HAILONG_KIOSK")); err != nil {
		return err
	}
	o, err := openOutbox(*dataDir)
	if err != nil {
		return err
	}
	defer o.Close()
	entries, err := o.Quarantine()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

// runReassign re-stamps the unit of queued ratings recorded under another
// unit, on a stopped node: a node started with a wrong -unit records
// ratings the aggregator defers for ever (unit ≠ enrolment). The rating is
// the citizen's, given at this kiosk; the unit was the node's
// misconfiguration. Each rating keeps its original unit in its entry.
func runReassign(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kiosk reassign", flag.ContinueOnError)
	dataDir := fs.String("data", "./data/kiosk", "directory of the durable outbox")
	unit := fs.String("unit", "", "the unit the ratings were given at: the node's corrected -unit, its enrolment at the aggregator")
	from := fs.String("from", "", "re-stamp the queued ratings recorded under these units (comma-separated)")
	all := fs.Bool("all", false, "re-stamp every queued rating recorded under another unit than -unit")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: kiosk reassign [-data DIR] -unit CODE -from CODE,... | -all\n\n"+
			"Gives queued ratings recorded under a wrong -unit the unit they were given at, on a\n"+
			"stopped node; each keeps its original unit in its entry. Without -from or -all it lists\n"+
			"the queued ratings by unit.")
		fs.PrintDefaults()
	}
	// ff reads HAILONG_KIOSK_UNIT too: the node's own (corrected) unit.
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix("HAILONG_KIOSK")); err != nil {
		return err
	}
	froms := app.SplitList(*from)
	var match func(string) bool
	switch {
	case *all && len(froms) > 0:
		return errors.New("choose one of -from and -all")
	case *all:
		match = func(string) bool { return true }
	case len(froms) > 0:
		match = func(u string) bool { return slices.Contains(froms, u) }
	}
	if match != nil && strings.TrimSpace(*unit) == "" {
		return errors.New("-unit is required: the unit the ratings were given at")
	}
	o, err := openOutbox(*dataDir)
	if err != nil {
		return err
	}
	defer o.Close()
	if match == nil {
		units, err := o.QueuedUnits()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "queued ratings by unit in %s\n", o.Path())
		printReasons(out, units)
		return errors.New("nothing reassigned: choose -from or -all, with -unit")
	}
	n, err := o.Reassign(*unit, match)
	if err != nil {
		return err
	}
	units, err := o.QueuedUnits()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "reassigned %d queued ratings to unit %s; queued ratings by unit now:\n", n, *unit)
	printReasons(out, units)
	return nil
}
