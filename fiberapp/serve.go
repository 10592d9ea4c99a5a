package fiberapp

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Serving is an application serving on a listener in the background.
//
// fasthttp gives up serving at the first accept error that is not a
// timeout, EMFILE included: before Serving, a flood of idle connections
// past the open-file limit left a process holding its port and answering
// nothing, forever. So the caps of New keep connections below the limit,
// the listener waits out an exhausted resource instead of failing, and an
// end of serving that nobody asked for is reported on Done, for main to
// exit non-zero and let its supervisor restart it.
type Serving struct {
	app      *fiber.App
	done     chan error    // the unexpected end, then closed
	ended    chan struct{} // closed when the serving loop has returned
	stopping atomic.Bool
}

// ErrStopped is the end of serving that nobody asked for and no error
// explains: the listener closed under the server.
var ErrStopped = errors.New("the server stopped accepting connections without being asked to")

// ServeConfig is what Serve needs besides the application and listener.
type ServeConfig struct {
	Logger *slog.Logger
	// Metrics, when set, measures every request.
	Metrics *Metrics
	// MaxConnsPerIP caps concurrent connections from one client address;
	// more are answered 429 and closed, so that one client cannot take
	// every connection. Zero derives it from the open-file limit
	// (ConnLimits), or sets none behind a proxy (the application's
	// ProxyHeader), whose address every connection has; negative sets
	// none.
	MaxConnsPerIP int
}

// Serve serves app on ln until Shutdown.
func Serve(app *fiber.App, ln net.Listener, cfg ServeConfig) *Serving {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.Metrics != nil {
		cfg.Metrics.instrument(app)
	}
	perAddr := cfg.MaxConnsPerIP
	switch {
	case perAddr < 0, perAddr == 0 && app.Config().ProxyHeader != "":
		perAddr = 0
	case perAddr == 0:
		_, perAddr = ConnLimits(openFileLimit())
		perAddr = min(perAddr, app.Config().Concurrency)
	}
	s := &Serving{app: app, done: make(chan error, 1), ended: make(chan struct{})}
	// Not fasthttp's MaxConnsPerIP: v1.51 closes its per-address wrapper
	// twice when Shutdown closes an idle connection (a data race, and a
	// nil dereference; fasthttp#1987).
	gl := &guardedListener{Listener: ln, log: log, perAddr: perAddr, conns: map[netip.Addr]int{}, closed: make(chan struct{})}
	go func() {
		defer close(s.ended)
		defer close(s.done)
		err := app.Listener(gl)
		if s.stopping.Load() {
			return
		}
		if err == nil {
			err = ErrStopped
		}
		s.done <- fmt.Errorf("serving %s: %w", ln.Addr(), err)
	}()
	return s
}

// Done receives the error that ended serving when it ended without
// Shutdown, and is then closed. After Shutdown it is closed without a
// value.
func (s *Serving) Done() <-chan error { return s.done }

// Shutdown stops serving, waits up to timeout for the requests in flight,
// and returns once the serving loop has ended.
func (s *Serving) Shutdown(timeout time.Duration) error {
	s.stopping.Store(true)
	err := s.app.ShutdownWithTimeout(timeout)
	<-s.ended
	return err
}

// guardedListener retries accepting while the process is out of a
// resource (open files, kernel buffers), as net/http's server does: the
// pending connections wait in the kernel's backlog until connections close
// and free descriptors, where fasthttp would stop serving. And it refuses
// connections from an address over its cap.
type guardedListener struct {
	net.Listener
	log     *slog.Logger
	perAddr int // 0: no cap

	mu          sync.Mutex
	conns       map[netip.Addr]int
	lastRefusal time.Time

	once   sync.Once
	closed chan struct{}
}

// Accept waits out resource exhaustion, from 5 ms doubling to 1 s, and
// answers 429 to connections over the cap of their address.
func (l *guardedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.accept()
		if err != nil || l.perAddr == 0 {
			return c, err
		}
		if c, ok := l.admit(c); ok {
			return c, nil
		}
	}
}

func (l *guardedListener) accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			if delay > 0 {
				l.log.Info("accepting connections again", "addr", l.Addr().String())
			}
			return c, nil
		}
		if !exhausted(err) {
			return nil, err
		}
		if delay == 0 {
			delay = 5 * time.Millisecond
			l.log.Warn("cannot accept connections: the process is out of a resource; retrying", "addr", l.Addr().String(), "err", err)
		} else if delay = 2 * delay; delay > time.Second {
			delay = time.Second
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-l.closed:
			t.Stop()
			return nil, net.ErrClosed
		}
	}
}

// tooMany answers a connection over its address's cap.
var tooMany = func() string {
	body := "Too many connections from your address at once.\n"
	return "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}()

// admit counts c against its address's cap, or answers 429 and closes it.
func (l *guardedListener) admit(c net.Conn) (net.Conn, bool) {
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return c, true // not TCP/IP: nothing to count by
	}
	addr := ap.Addr().Unmap()
	l.mu.Lock()
	if l.conns[addr] >= l.perAddr {
		logIt := time.Since(l.lastRefusal) > time.Minute
		if logIt {
			l.lastRefusal = time.Now()
		}
		l.mu.Unlock()
		if logIt {
			l.log.Warn("refusing connections over the cap of one address", "client", addr.String(), "max_conns_per_address", l.perAddr)
		}
		// A new socket's send buffer is empty: the write does not wait.
		c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		io.WriteString(c, tooMany)
		c.Close()
		return nil, false
	}
	l.conns[addr]++
	l.mu.Unlock()
	return &countedConn{Conn: c, release: func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.conns[addr]--; l.conns[addr] <= 0 {
			delete(l.conns, addr)
		}
	}}, true
}

// Close closes the listener and ends a wait in Accept.
func (l *guardedListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// countedConn is a connection counted against its address's cap until it
// is closed, however often.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and uncounts it once.
func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// exhausted reports whether an accept error is a shortage that passes,
// rather than a broken listener.
func exhausted(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
