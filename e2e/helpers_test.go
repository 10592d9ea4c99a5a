// Package e2e drives the real programs through their public HTTP APIs: an
// aggregator on its embedded database and kiosk nodes, on loopback ports
// with temporary data directories, in-process or as child processes.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/aggregator/enrolment"
	kioskapp "hailong/kiosk/app"
	"hailong/kiosk/terminals"
	"hailong/syncapi"
)

var quiet = slog.New(slog.DiscardHandler)

const centre = "TT-09190" // a centre among the demo units

func startAggregator(t *testing.T, dir, listen string) *aggapp.Main {
	t.Helper()
	return startAggregatorWith(t, aggapp.Config{Listen: listen, DataDir: dir, DemoData: true})
}

func startAggregatorWith(t *testing.T, cfg aggapp.Config) *aggapp.Main {
	t.Helper()
	m := &aggapp.Main{Config: cfg, Logger: quiet}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("start aggregator: %v", err)
	}
	withToken(t, m)
	return m
}

func enrol(t *testing.T, agg *aggapp.Main, id, unit string) syncapi.Credential {
	t.Helper()
	return enrolSince(t, agg, id, unit, time.Now())
}

// enrolSince enrols a kiosk as of since, for ratings older than today: the
// aggregator refuses ratings from before a kiosk's enrolment.
func enrolSince(t *testing.T, agg *aggapp.Main, id, unit string, since time.Time) syncapi.Credential {
	t.Helper()
	k, cred, err := enrolment.Enrol(id, unit, since)
	if err != nil {
		t.Fatal(err)
	}
	if err := agg.DB().AddKiosk(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return cred
}

func startKiosk(t *testing.T, dir, aggregator string, cred syncapi.Credential, unit string) *kioskapp.Main {
	t.Helper()
	m := &kioskapp.Main{Config: kioskapp.Config{Listen: "127.0.0.1:0", DataDir: dir, Aggregator: aggregator, Credential: cred.String(),
		Unit: unit, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}, Logger: quiet}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("start kiosk: %v", err)
	}
	pairSoftware(t, m)
	return m
}

// kioskTokens holds, by a kiosk node's base URL, the device token of the
// one-stop software paired with it: postJSON sends it to that node, as
// only paired terminals may record ratings and issue links.
var kioskTokens sync.Map

// pairSoftware pairs the one-stop software with a node the test started.
func pairSoftware(t testing.TB, m *kioskapp.Main) string {
	t.Helper()
	_, token, err := m.Terminals().Issue(terminals.Software, "motcua", "")
	if err != nil {
		t.Fatal(err)
	}
	kioskTokens.Store(m.URL(), token)
	return token
}

// pairSoftwareByAPI pairs the one-stop software with a node running as a
// child process, through its administration API and the admin secret in
// its data directory, as "kiosk pairings issue" does.
func pairSoftwareByAPI(t testing.TB, kioskURL, dataDir string) {
	t.Helper()
	secret, err := os.ReadFile(filepath.Join(dataDir, kioskapp.AdminSecretFile))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", kioskURL+"/api/v1/terminals", strings.NewReader(`{"name":"motcua"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(secret)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("pair the one-stop software: %d %v", resp.StatusCode, err)
	}
	kioskTokens.Store(kioskURL, out.Token)
}

// kioskToken returns the token paired with the node url belongs to.
func kioskToken(url string) (token string) {
	kioskTokens.Range(func(k, v any) bool {
		if strings.HasPrefix(url, k.(string)+"/") {
			token = v.(string)
			return false
		}
		return true
	})
	return token
}

// freeAddr returns a loopback address nothing listens on, for a server that
// will be started later.
func freeAddr(t *testing.T) string {
	t.Helper()
	// A test that stops a server and starts it again on the same address
	// needs the port to stay free meanwhile. A port the kernel hands out
	// for ":0" (the ephemeral range, 32768–60999 on Linux) can be handed
	// to any other listener of the test in between, so the port is taken
	// below that range, where ":0" never goes.
	for range 100 {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000)))
		if err != nil {
			continue // in use
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	t.Fatal("no free port below the ephemeral range")
	return ""
}

type rating struct {
	ID            string         `json:"id,omitempty"`
	Questionnaire string         `json:"questionnaire"`
	Answers       map[string]any `json:"answers"`
	Counter       string         `json:"counter,omitempty"`
	Official      string         `json:"official,omitempty"`
	Procedure     string         `json:"procedure,omitempty"`
	Dossier       string         `json:"dossier,omitempty"`
}

func postJSON(t *testing.T, url string, body any, header http.Header) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token := kioskToken(url); token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// getJSON gets url with the default credential of its aggregator (see
// withToken) and decodes a 200 answer into v.
func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := authGet(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, b)
		}
	}
	return resp.StatusCode
}

// rate records one rating at a kiosk and requires a 201.
func rate(t *testing.T, kioskURL string, r rating) string {
	t.Helper()
	if r.Questionnaire == "" {
		r.Questionnaire = "counter-quick"
	}
	status, body := postJSON(t, kioskURL+"/api/v1/ratings", r, nil)
	if status != http.StatusCreated {
		t.Fatalf("record rating: %d %s", status, body)
	}
	var out struct{ ID string }
	json.Unmarshal(body, &out)
	return out.ID
}

type kioskStatus struct {
	Kiosk, Unit, Aggregator string
	Queued, Synced, Failed  int64
	LastSync                *time.Time `json:"last_sync"`
	LastAttempt             *time.Time `json:"last_attempt"`
	LastError               string     `json:"last_error"`
}

// waitSynced waits until the kiosk has uploaded n ratings and holds none.
func waitSynced(t *testing.T, kioskURL string, n int64) kioskStatus {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var st kioskStatus
	for time.Now().Before(deadline) {
		getJSON(t, kioskURL+"/api/v1/status", &st)
		if st.Synced >= n && st.Queued == 0 {
			if st.Synced != n {
				t.Fatalf("kiosk synced %d ratings, want %d", st.Synced, n)
			}
			return st
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("kiosk did not sync %d ratings in time: %+v", n, st)
	return st
}

type satisfaction struct {
	Unit      string
	N         int64
	Satisfied int64
	Rate      *float64
	CI95      *[2]float64
	ByChannel map[string]struct{ N, Satisfied int64 } `json:"by_channel"`
}

func today() string { return hailong.DateOf(time.Now()).String() }

func satisfactionOf(t *testing.T, aggURL, query string) satisfaction {
	t.Helper()
	var s satisfaction
	if status := getJSON(t, aggURL+"/api/v1/satisfaction?"+query, &s); status != 200 {
		t.Fatalf("satisfaction %s: status %d", query, status)
	}
	return s
}

// build compiles a command of the module once per test run.
var (
	buildMu sync.Mutex
	built   = map[string]string{}
	binDir  string
)

func build(t *testing.T, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[pkg]; ok {
		return p
	}
	if binDir == "" {
		var err error
		if binDir, err = os.MkdirTemp("", "hailong-e2e-bin"); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(binDir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, "hailong/"+pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, b)
	}
	built[pkg] = out
	return out
}

func TestMain(m *testing.M) {
	if n, err := strconv.Atoi(os.Getenv(receiversEnv)); err == nil {
		receiversProcess(n) // the benchmarks' webhook receivers: no tests
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// child is a program running as a separate process.
type child struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	url    string
}

// lockedBuffer collects a child's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startChild runs a built program and waits for its health check.
func startChild(t *testing.T, bin, addr string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(bin, args...), stderr: &lockedBuffer{}, url: "http://" + addr}
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.kill() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(c.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				if filepath.Base(bin) == "kiosk" && slices.Contains(args, "-data") {
					pairSoftwareByAPI(t, c.url, args[slices.Index(args, "-data")+1])
				}
				return c
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.kill()
	t.Fatalf("%s did not become healthy:\n%s", filepath.Base(bin), c.stderr)
	return nil
}

// kill ends the process with SIGKILL: no clean-up of any kind runs.
func (c *child) kill() {
	if c.cmd.ProcessState == nil {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	}
}

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

func q(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		fmt.Fprintf(&b, "%s=%s", kv[i], kv[i+1])
	}
	return b.String()
}

func parseCred(t *testing.T, s string) syncapi.Credential {
	t.Helper()
	c, err := syncapi.ParseCredential(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// moduleRoot is the repository's top folder.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
