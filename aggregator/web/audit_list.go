package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// auditJSON is an event of the audit log as the API shows it.
type auditJSON struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail"`
	Addr   string    `json:"addr"`
	OK     bool      `json:"ok"`
}

// auditQuery is what the audit log is asked for.
type auditQuery struct {
	Since         time.Time
	Actor, Action string
	Limit         int
}

// Bounds of an audit query.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
	// auditScan is how many of the newest events a filtered query looks
	// through: the access service's own bound.
	auditScan = 10000
)

// parseAuditQuery reads since (RFC 3339 or a date, in Vietnam), actor,
// action and limit from the query string.
func parseAuditQuery(c *fiber.Ctx) (auditQuery, error) {
	q := auditQuery{Actor: strings.TrimSpace(c.Query("actor")), Action: strings.TrimSpace(c.Query("action")), Limit: defaultAuditLimit}
	var fields []hailong.FieldError
	if v := c.Query("since"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			q.Since = t
		} else if d, err := hailong.ParseDate(v); err == nil {
			q.Since = d.Start()
		} else {
			fields = append(fields, hailong.FieldError{Field: "since", Message: "Use a date (2026-03-01) or a time (2026-03-01T08:00:00+07:00)."})
		}
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditLimit {
			fields = append(fields, hailong.FieldError{Field: "limit", Message: "Use a whole number from 1 to 1000."})
		}
		q.Limit = n
	}
	for _, f := range []struct{ name, v string }{{"actor", q.Actor}, {"action", q.Action}} {
		if len(f.v) > 100 || hailong.CheckText(f.v) != nil {
			fields = append(fields, hailong.FieldError{Field: f.name, Message: "Use at most 100 characters of text."})
		}
	}
	if len(fields) > 0 {
		return q, hailong.Invalid("The audit query is not valid.", fields...)
	}
	return q, nil
}

// auditEvents returns the events the caller may read that match q, newest
// first. The access service decides which events the caller may read.
func (s *Server) auditEvents(c *fiber.Ctx, q auditQuery) ([]Event, error) {
	pp, err := s.people()
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if q.Actor != "" || q.Action != "" {
		limit = auditScan
	}
	evs, err := pp.AuditLog(c.UserContext(), principalOf(c), q.Since, limit)
	if err != nil {
		return nil, err
	}
	out := evs[:0]
	for _, e := range evs {
		if len(out) == q.Limit {
			break
		}
		if q.Actor != "" && e.Actor != q.Actor && !strings.HasPrefix(e.Actor, q.Actor+" (token ") {
			continue
		}
		if q.Action != "" && e.Action != q.Action {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// auditList answers GET /api/v1/audit: the newest events of the audit
// log, filtered by since, actor and action.
func (s *Server) auditList(c *fiber.Ctx) error {
	q, err := parseAuditQuery(c)
	if err != nil {
		return err
	}
	evs, err := s.auditEvents(c, q)
	if err != nil {
		return err
	}
	out := make([]auditJSON, 0, len(evs))
	for _, e := range evs {
		out = append(out, auditJSON{At: e.At.UTC(), Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail, Addr: e.Addr, OK: e.OK})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}
