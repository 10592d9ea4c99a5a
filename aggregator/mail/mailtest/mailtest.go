// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp)
// for tests: STARTTLS with a certificate made for the test, AUTH PLAIN and
// LOGIN with one account, and the messages it received, parsed.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"html"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"hailong/aggregator/mail"
)

// The account the server accepts.
const (
	Username = "hailong"
	Password = "mật-khẩu-thử"
	From     = "Hài Lòng <hailong@example.gov.vn>"
)

// Server is a running SMTP server.
type Server struct {
	t    testing.TB
	addr string
	tls  *tls.Config
	pool *x509.CertPool
	open bool // takes mail without authentication

	mu       sync.Mutex
	srv      *smtp.Server
	ln       net.Listener
	received []Received
	arrived  chan struct{}
}

// Received is a message as the server got it, parsed.
type Received struct {
	From string
	To   []string
	// Header is the message's header; Subject is its Subject decoded
	// (RawSubject as sent, RFC 2047-encoded).
	Header      netmail.Header
	Subject     string
	RawSubject  string
	Text, HTML  string
	Attachments []mail.Attachment
	// TLS and Authed say whether the session used STARTTLS and logged in.
	TLS, Authed bool
}

// Start starts a server on a free loopback port, stopped when the test
// ends.
func Start(t testing.TB) *Server {
	t.Helper()
	cert, pool := certificate(t)
	s := &Server{t: t, tls: &tls.Config{Certificates: []tls.Certificate{cert}}, pool: pool, arrived: make(chan struct{}, 1000)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// Config is a mail.Config reaching the server: STARTTLS required, trusting
// its certificate, PLAIN authentication.
func (s *Server) Config() mail.Config {
	return mail.Config{Addr: s.addr, TLS: mail.TLSRequired, Auth: "plain", Username: Username, Password: Password, From: From,
		TLSConfig: &tls.Config{RootCAs: s.pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}, Timeout: 10 * time.Second}
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, c: c}, nil }))
	srv.Domain = "localhost"
	if s.tls != nil {
		srv.TLSConfig = s.tls
	}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 10 << 20
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go srv.Serve(ln)
}

// Stop closes the server: connections are refused until Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// The listener is closed here too: Serve may not have taken it
		// yet, and Close only closes the listeners Serve took.
		ln.Close()
		srv.Close()
	}
}

// Restart listens again on the same address.
func (s *Server) Restart() {
	s.t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("listen again on %s: %v", s.addr, err)
	}
	s.serve(ln)
}

// Received returns the messages received so far.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Wait waits until n messages in all were received, or fails the test
// after a minute.
func (s *Server) Wait(n int) []Received {
	s.t.Helper()
	deadline := time.After(time.Minute)
	for {
		if got := s.Received(); len(got) >= n {
			return got
		}
		select {
		case <-s.arrived:
		case <-deadline:
			s.t.Fatalf("waited a minute for %d emails; received %d", n, len(s.Received()))
		}
	}
}

type session struct {
	s      *Server
	c      *smtp.Conn
	from   string
	to     []string
	authed bool
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	check := func(username, password string) error {
		if username != Username || password != Password {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, username, password string) error { return check(username, password) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed && !ss.s.open {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.c.TLSConnectionState()
	got, err := Parse(raw)
	if err != nil {
		ss.s.t.Errorf("parse the email received: %v", err)
		return err
	}
	got.From, got.To, got.TLS, got.Authed = ss.from, ss.to, isTLS, ss.authed
	ss.s.mu.Lock()
	ss.s.received = append(ss.s.received, got)
	ss.s.mu.Unlock()
	ss.s.arrived <- struct{}{}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// loginServer is the LOGIN mechanism, which go-sasl only has as a client.
type loginServer struct {
	check    func(username, password string) error
	step     int
	username string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if response != nil {
			l.username, l.step = string(response), 2
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.username, l.step = string(response), 2
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.username, string(response))
}

// Parse decodes a MIME message: the subject's encoded words, the text and
// HTML parts (quoted-printable or base64) and the attachments.
func Parse(raw []byte) (Received, error) {
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, err
	}
	var out Received
	out.Header = m.Header
	out.RawSubject = m.Header.Get("Subject")
	dec := new(mime.WordDecoder)
	if out.Subject, err = dec.DecodeHeader(out.RawSubject); err != nil {
		return out, err
	}
	return out, walk(&out, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), "", m.Body)
}

func walk(out *Received, contentType, encoding, disposition string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(out, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p); err != nil {
				return err
			}
		}
	}
	data, err := decode(encoding, body)
	if err != nil {
		return err
	}
	if d, dp, _ := mime.ParseMediaType(disposition); d == "attachment" {
		out.Attachments = append(out.Attachments, mail.Attachment{Name: dp["filename"], ContentType: mt, Data: data})
		return nil
	}
	// Text travels with CRLF line ends (MIME's canonical form).
	switch mt {
	case "text/plain":
		out.Text = strings.ReplaceAll(string(data), "\r\n", "\n")
	case "text/html":
		out.HTML = strings.ReplaceAll(string(data), "\r\n", "\n")
	}
	return nil
}

func decode(encoding string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		return io.ReadAll(quotedPrintable(r))
	case "base64":
		return io.ReadAll(base64Reader(r))
	}
	return io.ReadAll(r)
}

// certificate makes a self-signed certificate for localhost and 127.0.0.1
// and a pool that trusts it.
func certificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, pool
}

func quotedPrintable(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }

func base64Reader(r io.Reader) io.Reader { return base64.NewDecoder(base64.StdEncoding, r) }

// StartWithoutTLS starts a server that offers no STARTTLS and takes mail
// without authentication: a server a required-TLS sender must refuse.
func StartWithoutTLS(t testing.TB) *Server {
	t.Helper()
	s := Start(t)
	s.Stop()
	s.tls, s.open = nil, true
	s.Restart()
	return s
}

// Check fails the test unless the email has the subject and every one of
// lines in its text and in its HTML (escaped, a line break as <br>).
func (r Received) Check(t testing.TB, subject string, lines ...string) {
	t.Helper()
	if r.Subject != subject {
		t.Errorf("email to %v: subject %q, want %q", r.To, r.Subject, subject)
	}
	for _, s := range lines {
		if !strings.Contains(r.Text, s) {
			t.Errorf("email to %v: the text lacks %q:\n%s", r.To, s, r.Text)
		}
		if h := strings.ReplaceAll(html.EscapeString(s), "\n", "<br>\n"); !strings.Contains(r.HTML, h) {
			t.Errorf("email to %v: the HTML lacks %q:\n%s", r.To, h, r.HTML)
		}
	}
}
