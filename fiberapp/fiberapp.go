// Package fiberapp builds the Fiber applications of the kiosk node and the
// aggregator the same way: timeouts, body limits, panic recovery, security
// headers, and the one place where application errors become HTTP answers.
package fiberapp

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"hailong"
)

// Config sets the limits of an application.
type Config struct {
	Name         string
	BodyLimit    int // bytes; larger requests are refused with 413
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	IdleTimeout  time.Duration
	// ProxyHeader, when set, is the header that carries the client address,
	// trusted only from TrustedProxies.
	ProxyHeader    string
	TrustedProxies []string
	Logger         *slog.Logger
	// MaxConns caps concurrent connections; more are answered 503 and
	// closed. Zero derives it from the open-file limit (ConnLimits), so
	// that a flood is refused instead of exhausting descriptors. The cap
	// per client address is Serve's.
	MaxConns int
}

// HeaderLimit bounds a request's header, request line and cookies
// included: fasthttp reads it whole into a buffer of this size (Fiber's
// default, said here so the documents can quote it). A larger one is
// answered 431 and the connection closed.
const HeaderLimit = 4 << 10

// CSP is the Content-Security-Policy of every page: nothing but our own
// embedded assets, no inline script, no framing.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// New returns an application with recover first in the chain and security
// headers on every answer.
func New(cfg Config) *fiber.App {
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 64 << 10
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 10 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 30 * time.Second
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 120 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns, _ = ConnLimits(openFileLimit())
	}
	app := fiber.New(fiber.Config{
		AppName:                 cfg.Name,
		BodyLimit:               cfg.BodyLimit,
		ReadBufferSize:          HeaderLimit,
		ReadTimeout:             cfg.ReadTimeout,
		WriteTimeout:            cfg.WriteTimeout,
		IdleTimeout:             cfg.IdleTimeout,
		DisableStartupMessage:   true,
		Immutable:               true, // values from the context may outlive the handler
		ErrorHandler:            ErrorHandler(log),
		ProxyHeader:             cfg.ProxyHeader,
		EnableTrustedProxyCheck: cfg.ProxyHeader != "",
		TrustedProxies:          cfg.TrustedProxies,
		Concurrency:             cfg.MaxConns,
	})
	app.Use(routeLabel)
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		log.Error("panic in handler", "path", c.Path(), "panic", e)
	}}))
	app.Use(func(c *fiber.Ctx) error {
		c.Set("X-Content-Type-Options", "nosniff")
		c.Set("Referrer-Policy", "no-referrer")
		c.Set("Content-Security-Policy", CSP)
		c.Set("X-Frame-Options", "DENY")
		return c.Next()
	})
	return app
}

// status maps error codes to HTTP statuses: the only such table.
var status = map[string]int{
	hailong.EINVALID:      http.StatusBadRequest,
	hailong.ECONFLICT:     http.StatusConflict,
	hailong.ENOTFOUND:     http.StatusNotFound,
	hailong.EUNAUTHORIZED: http.StatusUnauthorized,
	hailong.EFORBIDDEN:    http.StatusForbidden,
	hailong.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	hailong.EUNAVAILABLE:  http.StatusServiceUnavailable,
	hailong.ERATELIMITED:  http.StatusTooManyRequests,
	hailong.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	hailong.EGONE:         http.StatusGone,
	hailong.EMETHOD:       http.StatusMethodNotAllowed,
	hailong.EINTERNAL:     http.StatusInternalServerError,

	hailong.EHEADERTOOLARGE: http.StatusRequestHeaderFieldsTooLarge,
}

// Status returns the HTTP status of an error code.
func Status(code string) int {
	if st, ok := status[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// fiberCodes maps Fiber's own errors (routing, body limit, and what its
// serverErrorHandler makes of fasthttp's: a header over the read buffer
// is a 431) to ours; any other is EINVALID, a 400.
var fiberCodes = map[int]string{
	http.StatusNotFound:                    hailong.ENOTFOUND,
	http.StatusMethodNotAllowed:            hailong.EMETHOD,
	http.StatusRequestEntityTooLarge:       hailong.ETOOLARGE,
	http.StatusRequestHeaderFieldsTooLarge: hailong.EHEADERTOOLARGE,
	http.StatusBadRequest:                  hailong.EINVALID,
	http.StatusUnsupportedMediaType:        hailong.EUNSUPPORTED,
	http.StatusTooManyRequests:             hailong.ERATELIMITED,
	http.StatusRequestTimeout:              hailong.EUNAVAILABLE,
	http.StatusServiceUnavailable:          hailong.EUNAVAILABLE,
}

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type   string               `json:"type"`
	Title  string               `json:"title"`
	Status int                  `json:"status"`
	Detail string               `json:"detail"`
	Errors []hailong.FieldError `json:"errors,omitempty"`
}

// ProblemOf converts err into what a caller may see, logging internal
// errors with a reference that the answer quotes.
func ProblemOf(log *slog.Logger, err error) Problem {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code, ok := fiberCodes[fe.Code]
		if !ok {
			code = hailong.EINVALID
		}
		msg := fe.Message
		switch fe.Code {
		case http.StatusRequestEntityTooLarge:
			msg = "The request body is over its size limit."
		case http.StatusRequestHeaderFieldsTooLarge:
			msg = "The request header is over its size limit."
		}
		err = &hailong.Error{Code: code, Message: msg}
	}
	code := hailong.ErrorCode(err)
	st := Status(code)
	p := Problem{
		Type:   "urn:hailong:problem:" + code,
		Title:  http.StatusText(st),
		Status: st,
		Detail: hailong.ErrorMessage(err),
		Errors: hailong.ErrorFields(err),
	}
	switch code {
	case hailong.EINTERNAL:
		ref := newRef()
		log.Error("internal error", "ref", ref, "err", err)
		p.Detail = "Internal error. Reference: " + ref
	case hailong.EUNAVAILABLE:
		log.Warn("unavailable", "err", err)
	}
	return p
}

func newRef() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ErrorHandler answers with problem+json, or with a readable page to a
// browser asking for a page.
func ErrorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		p := ProblemOf(log, err)
		c.Status(p.Status)
		if WantsHTML(c) {
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return errorPage.Execute(c.Response().BodyWriter(), p)
		}
		c.Set(fiber.HeaderContentType, "application/problem+json")
		return c.JSON(p, "application/problem+json")
	}
}

// WantsHTML reports whether the client is a browser asking for a page
// rather than a program: not under /api/, not sending JSON, and preferring
// HTML to JSON.
func WantsHTML(c *fiber.Ctx) bool {
	if strings.HasPrefix(c.Path(), "/api/") || c.Is("json") {
		return false
	}
	return c.Accepts(fiber.MIMEApplicationJSON, fiber.MIMETextHTML) == fiber.MIMETextHTML &&
		!strings.Contains(c.Get(fiber.HeaderAccept), "json")
}

// errorPage says a refusal a page of its own did not: in the API's words,
// English, and so labelled.
var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Status}} {{.Title}}</title></head>
<body>
<h1>{{.Title}}</h1><p>{{.Detail}}</p>
{{if .Errors}}<ul>{{range .Errors}}<li><strong>{{.Field}}</strong>: {{.Message}}</li>{{end}}</ul>{{end}}
</body></html>`))

// BaseURL returns the http URL of a listener, with 127.0.0.1 for a
// wildcard address, for printing where to open a server.
func BaseURL(ln net.Listener) string {
	addr := ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}
