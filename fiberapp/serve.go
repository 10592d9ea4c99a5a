package fiberapp

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
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
	s := &Serving{app: app, done: make(chan error, 1), ended: make(chan struct{})}
	go func() {
		defer close(s.ended)
		defer close(s.done)
		err := app.Listener(&patientListener{Listener: ln, log: log, closed: make(chan struct{})})
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

// patientListener retries accepting while the process is out of a
// resource (open files, kernel buffers), as net/http's server does: the
// pending connections wait in the kernel's backlog until connections
// close and free descriptors, where fasthttp would stop serving.
type patientListener struct {
	net.Listener
	log    *slog.Logger
	once   sync.Once
	closed chan struct{}
}

// Accept waits out resource exhaustion, from 5 ms doubling to 1 s.
func (l *patientListener) Accept() (net.Conn, error) {
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

// Close closes the listener and ends a wait in Accept.
func (l *patientListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
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
