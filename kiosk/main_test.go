package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/kiosk/bolt"
	"hailong/syncapi"
)

// failedOutbox writes a stopped node's outbox holding three refused
// ratings and returns its directory and the ratings' ids.
func failedOutbox(t *testing.T) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	o, err := bolt.Open(filepath.Join(dir, "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	var ids []string
	var res []syncapi.Result
	for i, field := range []string{"questionnaire", "unit", "questionnaire"} {
		r := hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
			Answers: hailong.Answers{"overall": hailong.Int(1 + i)}}, Channel: hailong.ChannelKiosk, Unit: "TT-1", Kiosk: "k1", At: time.Now().UTC()}
		if _, _, err := o.Record(&r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
		res = append(res, syncapi.Result{ID: r.ID, Status: syncapi.Rejected, Fields: []string{field},
			Reason: fmt.Sprintf("The rating is not valid. %s: unknown %s of rating %d.", field, field, i)})
	}
	if err := o.Settle(res, time.Now()); err != nil {
		t.Fatal(err)
	}
	return dir, ids
}

func TestRequeueCommand(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    func(ids []string) []string
		wantErr string
		want    string
	}{
		{"lists reasons without a selection", func([]string) []string { return nil }, "nothing requeued",
			"       2  rejected [questionnaire]\n          e.g. rejected [questionnaire]: The rating is not valid. questionnaire: unknown questionnaire of rating 0.\n" +
				"       1  rejected [unit]\n"},
		{"by group", func([]string) []string { return []string{"-reason", "rejected [questionnaire]"} }, "", "requeued 2 failed ratings; 2 queued, 1 still failed"},
		{"all", func([]string) []string { return []string{"-all"} }, "", "requeued 3 failed ratings; 3 queued, 0 still failed"},
		{"by reason", func([]string) []string { return []string{"-reason", "questionnaire"} }, "", "requeued 2 failed ratings; 2 queued, 1 still failed"},
		{"by id", func(ids []string) []string { return []string{"-id", ids[1]} }, "", "requeued 1 failed ratings; 1 queued, 2 still failed"},
		{"an id not failed", func([]string) []string { return []string{"-id", hailong.NewID()} }, "not in the failed list", ""},
		{"two selections", func([]string) []string { return []string{"-all", "-reason", "x"} }, "choose one", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, ids := failedOutbox(t)
			var out bytes.Buffer
			err := run(append([]string{"requeue", "-data", dir}, tc.args(ids)...), &out)
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
			if tc.wantErr == "" && err != nil {
				t.Errorf("err = %v", err)
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("output %q lacks %q", out.String(), tc.want)
			}
		})
	}
}

func TestRequeueCommandOnARunningNode(t *testing.T) {
	dir, _ := failedOutbox(t)
	o, err := bolt.Open(filepath.Join(dir, "outbox.db")) // the running node
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	err = run([]string{"requeue", "-data", dir, "-all"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "stop it") {
		t.Errorf("err = %v, want to be told to stop the node", err)
	}
	if st, _ := o.Stats(); st.Failed != 3 {
		t.Errorf("failed = %d, want 3 untouched", st.Failed)
	}
}

func TestQuarantineCommand(t *testing.T) {
	dir, ids := failedOutbox(t)
	var out bytes.Buffer
	if err := run([]string{"quarantine", "-data", dir}, &out); err != nil || out.Len() != 0 {
		t.Errorf("empty quarantine: %v, %q", err, out.String())
	}
	// Damage one stored rating; the node quarantines it when it meets it.
	path := filepath.Join(dir, "outbox.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte(`{"rating":{"id":"`+ids[1]), []byte(`#"rating":{"id":"`+ids[1]))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"requeue", "-data", dir, "-all"}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run([]string{"quarantine", "-data", dir}, &out); err != nil {
		t.Fatal(err)
	}
	var e bolt.QuarantineEntry
	if err := json.Unmarshal(out.Bytes(), &e); err != nil || e.ID != ids[1] || !bytes.Contains(e.Raw, []byte(`#"rating"`)) {
		t.Errorf("quarantine listed %q (%v), want %s with its raw bytes", out.String(), err, ids[1])
	}
	if err := run([]string{"quarantine", "-data", t.TempDir()}, &out); err == nil || !strings.Contains(err.Error(), "no outbox") {
		t.Errorf("no outbox: %v", err)
	}
}

// TestReassignCommand: ratings recorded under a wrong -unit get the unit
// they were given at, on a stopped node, only as selected, each keeping
// its original unit; the listing shows queued ratings by unit.
func TestReassignCommand(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
		want    string
		units   map[string]int64 // queued ratings by unit afterwards
	}{
		{"lists units without a selection", nil, "nothing reassigned", "       2  TT-WRONG", map[string]int64{"TT-1": 1, "TT-WRONG": 2, "TT-OLD": 1}},
		{"from one unit", []string{"-unit", "TT-1", "-from", "TT-WRONG"}, "", "reassigned 2 queued ratings to unit TT-1", map[string]int64{"TT-1": 3, "TT-OLD": 1}},
		{"all", []string{"-unit", "TT-1", "-all"}, "", "reassigned 3 queued ratings to unit TT-1", map[string]int64{"TT-1": 4}},
		{"without -unit", []string{"-all"}, "-unit is required", "", map[string]int64{"TT-1": 1, "TT-WRONG": 2, "TT-OLD": 1}},
		{"two selections", []string{"-unit", "TT-1", "-all", "-from", "TT-OLD"}, "choose one", "", map[string]int64{"TT-1": 1, "TT-WRONG": 2, "TT-OLD": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "outbox.db")
			o, err := bolt.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, unit := range []string{"TT-WRONG", "TT-1", "TT-WRONG", "TT-OLD"} {
				r := hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
					Answers: hailong.Answers{"overall": hailong.Int(2)}}, Channel: hailong.ChannelKiosk, Unit: unit, Kiosk: "k1", At: time.Now().UTC()}
				if _, _, err := o.Record(&r); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, r.ID)
			}
			o.Close()
			var out bytes.Buffer
			err = run(append([]string{"reassign", "-data", dir}, tc.args...), &out)
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
			if tc.wantErr == "" && err != nil {
				t.Errorf("err = %v", err)
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("output %q lacks %q", out.String(), tc.want)
			}
			o, err = bolt.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			units, err := o.QueuedUnits()
			if err != nil || !maps.Equal(units, tc.units) {
				t.Errorf("queued by unit %v (%v), want %v", units, err, tc.units)
			}
			// The order and the idempotency of re-sent ids stay.
			pending, err := o.Pending(10)
			if err != nil || len(pending) != 4 || pending[0].ID != ids[0] {
				t.Fatalf("pending %v, %v", pending, err)
			}
			if tc.wantErr == "" && tc.args != nil {
				audit, err := o.Reassignments(ids[0])
				if err != nil || len(audit) != 1 || audit[0].From != "TT-WRONG" || audit[0].To != "TT-1" {
					t.Errorf("audit of a reassigned rating: %+v, %v", audit, err)
				}
				if audit, _ := o.Reassignments(ids[1]); len(audit) != 0 {
					t.Errorf("a rating already of the unit was reassigned: %+v", audit)
				}
				again := pending[0]
				again.Unit = "TT-WRONG" // the terminal re-sends the same tap
				if _, created, err := o.Record(&again); err != nil || created {
					t.Errorf("a re-sent id after reassignment: created %v, %v; want the stored rating", created, err)
				}
			}
		})
	}
}

func TestReassignCommandOnARunningNode(t *testing.T) {
	dir, _ := failedOutbox(t)
	o, err := bolt.Open(filepath.Join(dir, "outbox.db")) // the running node
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	err = run([]string{"reassign", "-data", dir, "-unit", "TT-2", "-all"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "stop it") {
		t.Errorf("err = %v, want to be told to stop the node", err)
	}
}
