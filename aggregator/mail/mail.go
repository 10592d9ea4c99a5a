// Package mail sends email over SMTP (github.com/wneessen/go-mail) through
// a durable outbox: a message is stored before it is sent, sent again
// after an SMTP outage or a restart, and settled once the server took it.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS policies of the connection to the SMTP server.
const (
	// TLSRequired refuses to send unless the server offers STARTTLS.
	TLSRequired = "starttls"
	// TLSOpportunistic uses STARTTLS when offered, plain text otherwise.
	TLSOpportunistic = "opportunistic"
	// TLSNone never encrypts: for a relay on the same machine.
	TLSNone = "none"
)

// Config says how to reach the SMTP server.
type Config struct {
	// Addr is host:port of the SMTP server (submission, 587, usually);
	// empty turns email off.
	Addr string
	// TLS is TLSRequired (the default), TLSOpportunistic or TLSNone.
	TLS string
	// Auth is "plain" or "login" (or empty, for no authentication), with
	// Username and Password.
	Auth, Username, Password string
	// From is the sender's address, e.g. "Hài Lòng <hailong@example.gov.vn>".
	From string
	// TLSConfig verifies the server's certificate; nil uses the system's
	// roots and the host of Addr (tests give their own CA).
	TLSConfig *tls.Config
	// Timeout bounds one connection's dialogue; 0 is 30 seconds.
	Timeout time.Duration
}

// Enabled reports whether an SMTP server is configured.
func (c Config) Enabled() bool { return c.Addr != "" }

// Validate checks the configuration when email is enabled.
func (c Config) Validate() error {
	if !c.Enabled() {
		return nil
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return fmt.Errorf("SMTP address %q is not host:port", c.Addr)
	}
	switch c.TLS {
	case "", TLSRequired, TLSOpportunistic, TLSNone:
	default:
		return fmt.Errorf("SMTP TLS policy %q is not %s, %s or %s", c.TLS, TLSRequired, TLSOpportunistic, TLSNone)
	}
	switch c.Auth {
	case "", "plain", "login":
	default:
		return fmt.Errorf("SMTP authentication %q is not plain or login", c.Auth)
	}
	if c.Auth != "" && c.Username == "" {
		return errors.New("SMTP authentication needs a username")
	}
	if c.From == "" {
		return errors.New("a sender address (From) is needed to send email")
	}
	if err := gomail.NewMsg().From(c.From); err != nil {
		return fmt.Errorf("sender address %q: %w", c.From, err)
	}
	return nil
}

// Message is one email to send: plain text with a simple HTML
// alternative, and attachments.
type Message struct {
	// ID is unique per email and the same on every attempt: the outbox's
	// key (a message enqueued twice is sent once) and the Message-ID's
	// local part.
	ID      string
	To      []string
	Subject string
	Text    string
	HTML    string
	// Attachments are sent as files of the email.
	Attachments []Attachment
}

// Attachment is a file sent with an email.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Sender sends messages to an SMTP server.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTP sends through the configured SMTP server, one connection per
// message (the volume is a few emails an hour).
type SMTP struct {
	cfg  Config
	host string
	port int
}

// NewSMTP returns a sender for a valid, enabled configuration.
func NewSMTP(cfg Config) (*SMTP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Enabled() {
		return nil, errors.New("no SMTP address configured")
	}
	host, p, _ := net.SplitHostPort(cfg.Addr)
	port, err := strconv.Atoi(p)
	if err != nil {
		return nil, fmt.Errorf("SMTP port %q: %w", p, err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg, host: host, port: port}, nil
}

// Send implements Sender.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	policy := gomail.TLSMandatory
	switch s.cfg.TLS {
	case TLSOpportunistic:
		policy = gomail.TLSOpportunistic
	case TLSNone:
		policy = gomail.NoTLS
	}
	tlsConfig := s.cfg.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	}
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTLSPolicy(policy), gomail.WithTLSConfig(tlsConfig),
		gomail.WithTimeout(s.cfg.Timeout)}
	switch s.cfg.Auth {
	case "plain":
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain))
	case "login":
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthLogin))
	}
	if s.cfg.Auth != "" {
		opts = append(opts, gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("SMTP client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send email %s: %w", m.ID, err)
	}
	return nil
}

// message builds the MIME message: UTF-8 throughout, the subject encoded
// as RFC 2047 words, bodies quoted-printable.
func (s *SMTP) message(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(s.cfg.From); err != nil {
		return nil, fmt.Errorf("sender %q: %w", s.cfg.From, err)
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("recipients of %s: %w", m.ID, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(messageID(m.ID))
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	return msg, nil
}

// messageID makes a Message-ID of a message's ID: its characters outside
// a dot-atom become '-', and the domain names the system.
func messageID(id string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, id) + "@hailong"
}
