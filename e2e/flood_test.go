package e2e

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// openFiles is the open-file limit the flooded programs run under, far
// below the connections of the flood.
const (
	openFiles = 256
	floodSize = 400
)

// TestFloodOfConnections opens more idle connections to each program than
// it may open files, from many loopback addresses, closes them, and
// requires the program to serve again, or to have exited non-zero for its
// supervisor to restart it. fasthttp stops serving at the first EMFILE;
// before the connection caps and the patient listener the process lived on
// holding its port and answering nothing.
func TestFloodOfConnections(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("prlimit (util-linux) is needed to limit a child's open files")
		}
		t.Skip("prlimit (util-linux) not found")
	}
	for _, tc := range []struct {
		name string
		args func(dir, addr string) []string
	}{
		{"kiosk", func(dir, addr string) []string {
			return []string{"-listen", addr, "-data", dir, "-kiosk", "flood-1", "-unit", centre}
		}},
		{"aggregator", func(dir, addr string) []string {
			return []string{"serve", "-listen", addr, "-data", dir, "-demo-data"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := build(t, tc.name)
			addr := freeAddr(t)
			c := startLimited(t, prlimit, bin, addr, tc.args(t.TempDir(), addr)...)
			answered := flood(t, addr, floodSize)
			t.Logf("%d of %d connections of the flood were answered and closed", answered, floodSize)

			deadline := time.Now().Add(30 * time.Second)
			client := &http.Client{Timeout: 2 * time.Second}
			for {
				select {
				case <-c.exited:
					if code := c.cmd.ProcessState.ExitCode(); code == 0 {
						t.Fatalf("%s exited with status 0 after the flood:\n%s", tc.name, c.stderr)
					}
					if !strings.Contains(c.stderr.String(), "serving ended unexpectedly") {
						t.Fatalf("%s exited without saying why:\n%s", tc.name, c.stderr)
					}
					return // its supervisor restarts it
				default:
				}
				if resp, err := client.Get(c.url + "/healthz"); err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						return
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s neither serves nor exited after the flood:\n%s", tc.name, c.stderr)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// limitedChild is a program running under a low open-file limit, watched
// for its exit.
type limitedChild struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	exited chan struct{}
	url    string
}

// startLimited runs bin under prlimit with the open-file limit openFiles
// and waits for its health check.
func startLimited(t *testing.T, prlimit, bin, addr string, args ...string) *limitedChild {
	t.Helper()
	argv := append([]string{fmt.Sprintf("--nofile=%d:%d", openFiles, openFiles), bin}, args...)
	c := &limitedChild{cmd: exec.Command(prlimit, argv...), stderr: &lockedBuffer{}, exited: make(chan struct{}), url: "http://" + addr}
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.exited
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-c.exited:
			t.Fatalf("%s exited at start:\n%s", filepath.Base(bin), c.stderr)
		default:
		}
		if resp, err := http.Get(c.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not become healthy:\n%s", filepath.Base(bin), c.stderr)
	return nil
}

// flood opens n idle connections to addr from 20 loopback addresses, waits
// until the server has dealt with them, then closes them. It returns how
// many the server answered (refused) and closed. It waits until more than
// the open-file limit could hold were answered, or at most 15 s: a server
// that stopped accepting answers none.
func flood(t *testing.T, addr string, n int) (answered int) {
	t.Helper()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range n {
		d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%20))}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) {
				break // the server exited: the caller looks at how
			}
			t.Fatalf("connection %d of the flood: %v", i, err)
		}
		conns = append(conns, c)
	}
	var got atomic.Int32
	for _, c := range conns {
		go func() {
			c.SetReadDeadline(time.Now().Add(15 * time.Second))
			b := make([]byte, 64)
			if _, err := c.Read(b); err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				return
			}
			got.Add(1) // an answer (503, 429) or the server closed it
		}()
	}
	limit := len(conns) - openFiles
	deadline := time.Now().Add(15 * time.Second)
	for int(got.Load()) < limit && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	return int(got.Load())
}
