package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3"

	"hailong/kiosk/app"
	"hailong/kiosk/terminals"
)

const pairingsUsage = `Usage: kiosk pairings [-url URL] [-data DIR | -admin-secret-file F] COMMAND

Pairs the centre's terminals with the running node, through its API and the
node's admin secret (the file admin-secret in its data directory):

  list                                  every pairing, revoked ones included
  pair CODE -name NAME [-counter Q]     pair the screen showing CODE (a counter's tablet with -counter)
  issue -name NAME [-kind software]     the one-stop software's credential, printed once
  revoke ID                             end a pairing at once
`

// runPairings lists, pairs and revokes the node's terminals through the
// running node: the codes screens show live in its memory.
func runPairings(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kiosk pairings", flag.ContinueOnError)
	nodeURL := fs.String("url", "http://127.0.0.1:8080", "the running kiosk node")
	dataDir := fs.String("data", "./data/kiosk", "the node's data directory, which holds its admin secret")
	secretFile := fs.String("admin-secret-file", "", "file holding the node's admin secret (default: admin-secret in -data)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), pairingsUsage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix("HAILONG_KIOSK")); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errors.New("a command is required: list, pair, issue or revoke")
	}
	if *secretFile == "" {
		*secretFile = filepath.Join(*dataDir, app.AdminSecretFile)
	}
	b, err := os.ReadFile(*secretFile)
	if err != nil {
		return fmt.Errorf("the node's admin secret (is -data right? the node makes it at its first start): %w", err)
	}
	c := &adminClient{base: strings.TrimRight(*nodeURL, "/"), secret: strings.TrimSpace(string(b))}
	cmd, cmdArgs := rest[0], rest[1:]
	switch cmd {
	case "list":
		var list struct {
			Terminals []terminals.Terminal `json:"terminals"`
		}
		if err := c.call("GET", "/api/v1/terminals", nil, &list); err != nil {
			return err
		}
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tKIND\tNAME\tCOUNTER\tPAIRED\tREVOKED")
		for _, t := range list.Terminals {
			revoked := ""
			if t.Revoked != nil {
				revoked = t.Revoked.Local().Format(time.DateTime)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Kind, t.Name, t.Counter, t.Paired.Local().Format(time.DateTime), revoked)
		}
		return w.Flush()
	case "pair", "issue":
		sub := flag.NewFlagSet("kiosk pairings "+cmd, flag.ContinueOnError)
		name := sub.String("name", "", "the terminal's name, e.g. quay-3 or sanh (letters, digits, '.', '_', '-')")
		counter := sub.String("counter", "", "the counter a tablet stands at, e.g. Q3")
		kind := sub.String("kind", string(terminals.Software), "issue: software (the one-stop software) or screen")
		var code string
		if cmd == "pair" {
			if len(cmdArgs) == 0 || strings.HasPrefix(cmdArgs[0], "-") {
				return errors.New("kiosk pairings pair CODE -name NAME: the code the screen shows comes first")
			}
			code, cmdArgs = cmdArgs[0], cmdArgs[1:]
		}
		if err := sub.Parse(cmdArgs); err != nil {
			return err
		}
		req := map[string]string{"name": *name, "counter": *counter}
		if cmd == "pair" {
			req["code"] = code
		} else {
			req["kind"] = *kind
		}
		var got struct {
			terminals.Terminal
			Token string `json:"token"`
		}
		if err := c.call("POST", "/api/v1/terminals", req, &got); err != nil {
			return err
		}
		fmt.Fprintf(out, "paired %s %q (id %s)", got.Kind, got.Name, got.ID)
		if got.Counter != "" {
			fmt.Fprintf(out, " at counter %s", got.Counter)
		}
		fmt.Fprintln(out)
		if got.Token != "" {
			fmt.Fprintf(out, "token (shown once; the program sends it as Authorization: Bearer …):\n%s\n", got.Token)
		}
		return nil
	case "revoke":
		if len(cmdArgs) != 1 {
			return errors.New("kiosk pairings revoke ID")
		}
		var got terminals.Terminal
		if err := c.call("POST", "/api/v1/terminals/"+cmdArgs[0]+"/revoke", nil, &got); err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked %s %q (id %s)\n", got.Kind, got.Name, got.ID)
		return nil
	}
	return fmt.Errorf("unknown command %q: list, pair, issue or revoke", cmd)
}

// adminClient calls the node's administration API.
type adminClient struct {
	base, secret string
}

func (c *adminClient) call(method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.secret)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("the kiosk node at %s (is it running, is -url right?): %w", c.base, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		var p struct {
			Detail string `json:"detail"`
			Errors []struct {
				Field, Message string
			} `json:"errors"`
		}
		_ = json.Unmarshal(b, &p)
		msg := p.Detail
		for _, e := range p.Errors {
			msg += " " + e.Field + ": " + e.Message + "."
		}
		return fmt.Errorf("the node answered %s: %s", resp.Status, msg)
	}
	return json.Unmarshal(b, out)
}
