package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/aggregator/webhooks"
)

// receiversEnv, set to a number, makes the test binary a receivers process
// (receiversProcess) instead of running tests.
const receiversEnv = "HAILONG_E2E_RECEIVERS"

// receivers are webhook receivers on loopback, each subscribed to
// rating.stored over the province, counting the events they are sent. They
// run in a child process, as receivers run on other machines: the
// benchmarks charge the aggregator for its own work, not for reading the
// bodies it sends (which, in one process, also made its garbage).
type receivers struct {
	agg    *aggapp.Main
	b      *testing.B
	ctl    string // the child's count of events received
	subs   []string
	expect int64
}

func newReceivers(b *testing.B, agg *aggapp.Main, n int) *receivers {
	b.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), receiversEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe() // the child ends when it closes
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	urls := strings.Fields(line)
	if err != nil || len(urls) != n+1 {
		b.Fatalf("receivers process: %q, %v", line, err)
	}
	rs := &receivers{agg: agg, b: b, ctl: urls[0]}
	for _, u := range urls[1:] {
		s, err := agg.Webhooks().Subscribe(context.Background(), webhooks.Subscription{URL: u, Unit: "24", Events: []hailong.EventType{hailong.EventRatingStored}})
		if err != nil {
			b.Fatal(err)
		}
		rs.subs = append(rs.subs, s.ID)
	}
	return rs
}

// got returns how many events the receivers have been sent.
func (rs *receivers) got() int64 {
	resp, err := http.Get(rs.ctl)
	if err != nil {
		rs.b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	n, err := strconv.ParseInt(string(body), 10, 64)
	if err != nil {
		rs.b.Fatalf("receivers' count %q: %v", body, err)
	}
	return n
}

// enable switches every subscription on or off.
func (rs *receivers) enable(on bool) {
	for _, id := range rs.subs {
		if _, err := rs.agg.Webhooks().Update(context.Background(), id, webhooks.Change{Enabled: &on}, nil); err != nil {
			rs.b.Fatal(err)
		}
	}
	rs.expect = rs.got()
}

// await waits until every receiver has the round's events, when they were
// on, and returns how long that took in seconds.
func (rs *receivers) await(on bool, ratings int) float64 {
	if !on {
		return 0
	}
	t0, want := time.Now(), rs.expect+int64(ratings*len(rs.subs))
	for rs.got() < want {
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(t0).Seconds()
}

// check fails the benchmark if the dispatcher dropped an event.
func (rs *receivers) check(b *testing.B) {
	if d := rs.agg.Webhooks().Dropped(); d != 0 {
		b.Fatalf("%d events dropped", d)
	}
}

// receiversProcess serves n receivers on loopback, each counting the
// rating.stored events in the bodies it is sent, and a count of them all;
// it prints the count's URL and the receivers', on one line, and ends
// when its standard input does.
func receiversProcess(n int) {
	var got atomic.Int64
	serve := func(h http.HandlerFunc) string {
		srv := &http.Server{Handler: h}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		go srv.Serve(l)
		return "http://" + l.Addr().String()
	}
	urls := []string{serve(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, got.Load()) })}
	for range n {
		urls = append(urls, serve(func(w http.ResponseWriter, r *http.Request) {
			var body bytes.Buffer
			body.Grow(int(r.ContentLength) + bytes.MinRead) // read whole at once
			body.ReadFrom(r.Body)
			got.Add(int64(bytes.Count(body.Bytes(), []byte(`"type":"rating.stored","at"`))))
		}))
	}
	fmt.Println(strings.Join(urls, " "))
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}
