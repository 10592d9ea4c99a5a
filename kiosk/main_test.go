package main

import (
	"bytes"
	"encoding/json"
	"fmt"
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
