package syncapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hailong"
)

// Errors a Client's calls wrap, to be checked with errors.Is.
var (
	// ErrTooLarge: the aggregator or the network could not take the upload
	// whole (413, 408 or a timeout); a smaller one may pass.
	ErrTooLarge = errors.New("upload too large or too slow")
	// ErrUnauthorized: the aggregator refused the credential (401, 403).
	ErrUnauthorized = errors.New("credential refused")
	// ErrNotFound: the aggregator does not serve the call (404), as an
	// aggregator older than the call does not.
	ErrNotFound = errors.New("not served by this aggregator")
)

// Client calls the aggregator on a kiosk's behalf: uploads, heartbeats and
// the published configuration, each authenticated with the kiosk's
// credential. The kiosk's uploader and the end-to-end tests both use it.
type Client struct {
	// BaseURL is the aggregator's, e.g. https://hailong.example.gov.vn.
	BaseURL string
	// Credential authenticates every call but Health; the zero Credential
	// sends none, which the aggregator refuses (tests use it so).
	Credential Credential
	// HTTP is the client used; one with a 60 s timeout when nil.
	HTTP *http.Client
}

// HTTPError is an answer other than 200, with the problem+json detail the
// aggregator gave.
type HTTPError struct {
	Status int
	Title  string
	Detail string
	// Errors are the fields the aggregator found wrong (a 400's).
	Errors []hailong.FieldError
	// RetryAfter is how long the aggregator asked the caller to wait
	// before trying again (its Retry-After header, in seconds or as an
	// HTTP date: a standby's or an overloaded aggregator's 503, a 429),
	// as of the answer; 0 when it asked nothing.
	RetryAfter time.Duration
}

// RetryAfter returns the wait the aggregator asked for in the answer err
// wraps, and false when err is no such answer.
func RetryAfter(err error) (time.Duration, bool) {
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		return he.RetryAfter, true
	}
	return 0, false
}

// parseRetryAfter reads a Retry-After header at now: delay-seconds or an
// HTTP date (RFC 9110, section 10.2.3). Anything else, or a time past, is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(math.MaxInt64/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("aggregator answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Detail != "" {
		msg += ": " + e.Detail
	} else if e.Title != "" {
		msg += ": " + e.Title
	}
	return msg
}

// Is lets errors.Is match an HTTPError to ErrTooLarge, ErrUnauthorized and
// ErrNotFound by its status.
func (e *HTTPError) Is(target error) bool {
	switch target {
	case ErrTooLarge:
		return e.Status == http.StatusRequestEntityTooLarge || e.Status == http.StatusRequestTimeout
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	}
	return false
}

// Sync uploads one batch of ratings.
func (c *Client) Sync(ctx context.Context, req Request) (Response, error) {
	var out Response
	err := c.Do(ctx, http.MethodPost, Path, req, &out)
	if err != nil {
		return Response{}, fmt.Errorf("upload of %d ratings: %w", len(req.Ratings), err)
	}
	return out, nil
}

// Heartbeat reports the kiosk's health while it has nothing to upload.
func (c *Client) Heartbeat(ctx context.Context, h Health) (HeartbeatResponse, error) {
	var out HeartbeatResponse
	if err := c.Do(ctx, http.MethodPost, HeartbeatPath, h, &out); err != nil {
		return HeartbeatResponse{}, fmt.Errorf("heartbeat: %w", err)
	}
	return out, nil
}

// Config reads the kiosk's enrolment and the published questionnaires.
func (c *Client) Config(ctx context.Context) (Config, error) {
	var out Config
	if err := c.Do(ctx, http.MethodGet, ConfigPath, nil, &out); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return out, nil
}

// Health asks the aggregator's /healthz, which any aggregator serves, with
// no credential.
func (c *Client) Health(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url("/healthz"), nil)
	if err != nil {
		return err
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return fmt.Errorf("aggregator health: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("aggregator health: %w", &HTTPError{Status: resp.StatusCode})
	}
	return nil
}

// maxAnswer bounds what is read of an answer: a configuration with every
// questionnaire version is the largest.
const maxAnswer = 8 << 20

// Do is the call under Sync, Heartbeat and Config: it sends in (when not
// nil) as JSON to the aggregator's path, authenticated with the
// credential, and decodes a 200 answer into out (when not nil); any other
// answer is an *HTTPError. It serves calls those do not make, such as a
// test's report that Health cannot hold.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path), body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Credential != (Credential{}) {
		req.Header.Set("Authorization", "Bearer "+c.Credential.String())
	}
	resp, err := c.client().Do(req)
	if err != nil {
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() && ctx.Err() == nil {
			return fmt.Errorf("%w: %v", ErrTooLarge, err)
		}
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() && ctx.Err() == nil {
			return fmt.Errorf("read answer: %w: %v", ErrTooLarge, err)
		}
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		e := problem(resp.StatusCode, data)
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// problem reads an error answer: the problem+json detail when there is one,
// else the start of the body.
func problem(status int, data []byte) *HTTPError {
	e := &HTTPError{Status: status}
	var p struct {
		Title  string               `json:"title"`
		Detail string               `json:"detail"`
		Errors []hailong.FieldError `json:"errors"`
	}
	if json.Unmarshal(data, &p) == nil && (p.Title != "" || p.Detail != "") {
		e.Title, e.Detail, e.Errors = p.Title, p.Detail, p.Errors
		return e
	}
	e.Detail = strings.TrimSpace(string(data[:min(len(data), 300)]))
	return e
}

func (c *Client) url(path string) string { return strings.TrimRight(c.BaseURL, "/") + path }

func (c *Client) client() *http.Client {
	if c.HTTP == nil {
		return defaultHTTP
	}
	return c.HTTP
}

var defaultHTTP = &http.Client{Timeout: 60 * time.Second}
