package bolt_test

import (
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"hailong"
	"hailong/kiosk/bolt"
	"hailong/syncapi"
)

// smallDisk mounts a tmpfs of the given size for the test, or skips it
// where mounting is not permitted (CI runs as root and may).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small file system: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			// Still busy: detach it now, it goes once let go of.
			t.Errorf("umount %s: %v %s", dir, err, out)
			exec.Command("umount", "-l", dir).Run()
		}
	})
	return dir
}

func TestFullDisk(t *testing.T) {
	dir := smallDisk(t, "1m")
	o := open(t, filepath.Join(dir, "o.db"))
	defer o.Close()
	if err := o.Writable(); err != nil {
		t.Fatalf("writable on an empty disk: %v", err)
	}
	var rs []hailong.Rating
	for {
		r := rating(hailong.NewID(), 1+len(rs)%3)
		if _, _, err := o.Record(&r); err != nil {
			break
		}
		rs = append(rs, r)
		if len(rs) > 100000 {
			t.Fatal("the disk never filled")
		}
	}
	t.Logf("%d ratings filled the disk", len(rs))
	if err := o.Writable(); !errors.Is(err, bolt.ErrDiskFull) {
		t.Errorf("writable on a full disk: %v, want ErrDiskFull", err)
	}
	if st := stats(t, o); st.LastError == "" || st.Queued != int64(len(rs)) {
		t.Errorf("stats on a full disk: queued %d (recorded %d), last error %q", st.Queued, len(rs), st.LastError)
	}
	// Pruning with nothing synced writes nothing, and the disk stays full
	// (pruning runs every few seconds: its empty commit released pages an
	// upload's read had held, and the node said it had room for a moment).
	if n, err := o.Prune(time.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("prune with nothing synced: %d, %v", n, err)
	}
	if err := o.Writable(); !errors.Is(err, bolt.ErrDiskFull) {
		t.Errorf("writable on a full disk after pruning nothing: %v, want ErrDiskFull", err)
	}
	if st := stats(t, o); st.LastError == "" {
		t.Error("stats on a full disk after pruning nothing: no error")
	}
	// A terminal re-sending a rating it was thanked for is still answered.
	if _, created, err := o.Record(&rs[0]); err != nil || created {
		t.Errorf("re-send on a full disk: created %v, err %v", created, err)
	}
	// Nothing acknowledged is lost: all are still queued, in order.
	if got := pendingIDs(t, o); len(got) != len(rs) || got[0] != rs[0].ID || got[len(got)-1] != rs[len(rs)-1].ID {
		t.Fatalf("pending on a full disk: %d of %d", len(got), len(rs))
	}
	// The aggregator takes them; after the retention they are pruned and
	// the space is the node's again.
	for start := 0; start < len(rs); start += 100 {
		var res []syncapi.Result
		for _, r := range rs[start:min(start+100, len(rs))] {
			res = append(res, syncapi.Result{ID: r.ID, Status: syncapi.Accepted})
		}
		if err := o.Settle(res, time.Now()); err != nil {
			t.Fatalf("settle on a full disk: %v", err)
		}
	}
	if n, err := o.Prune(time.Now().Add(time.Hour)); err != nil || n != len(rs) {
		t.Fatalf("prune on a full disk: %d, %v", n, err)
	}
	if err := o.Compact(); err != nil {
		t.Logf("compaction on a full disk: %v", err)
	}
	if err := o.Writable(); err != nil {
		t.Errorf("not writable after pruning: %v", err)
	}
	var again int
	for ; again < len(rs)/2; again++ {
		r := rating(hailong.NewID(), 2)
		if _, _, err := o.Record(&r); err != nil {
			break
		}
	}
	if again < len(rs)/2 {
		t.Errorf("after pruning only %d new ratings fit, want at least %d", again, len(rs)/2)
	}
	if st := stats(t, o); st.LastError != "" {
		t.Errorf("last error after pruning: %q", st.LastError)
	}
}
