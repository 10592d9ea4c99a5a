package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// enrolAPI runs "kiosk|client add|revoke" through a running aggregator's
// administration API, with an admin's API token: no downtime.
func enrolAPI(ctx context.Context, what, sub, base, token, id, unit string) error {
	if token == "" {
		return fmt.Errorf("%s %s: -url needs -token (an admin's API token)", what, sub)
	}
	if id == "" {
		return fmt.Errorf("%s %s: -id is required", what, sub)
	}
	coll := "/api/v1/" + what + "s"
	var path string
	var body []byte
	switch sub {
	case "add":
		path = coll
		body, _ = json.Marshal(map[string]string{"id": id, "unit": unit})
	case "revoke":
		path = coll + "/" + url.PathEscape(id) + "/revoke"
		body = []byte("{}")
	default:
		return fmt.Errorf("%s %s: only add and revoke go through -url", what, sub)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+strings.TrimPrefix(token, "Bearer "))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, sub, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		var p struct{ Detail string }
		json.Unmarshal(out, &p)
		if p.Detail == "" {
			p.Detail = strings.TrimSpace(string(out))
		}
		return fmt.Errorf("%s %s: the aggregator answered %s: %s", what, sub, resp.Status, p.Detail)
	}
	if sub == "revoke" {
		fmt.Fprintf(stdout, "%s %s revoked.\n", what, id)
		return nil
	}
	var got struct{ Credential string }
	if err := json.Unmarshal(out, &got); err != nil {
		return fmt.Errorf("%s %s: %w", what, sub, err)
	}
	fmt.Fprintf(stderr, "%s %s enrolled for unit %s. Its credential, shown only now:\n", what, id, unit)
	fmt.Fprintln(stdout, got.Credential)
	return nil
}
