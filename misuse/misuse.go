// Package misuse spots ratings that come from one terminal (a kiosk's
// screen, or one address with a walk-in code) faster than
// citizens give them (HappyOrNot's "response interval"): one within an
// interval of the one before, or one too many within a window. Such a
// rating is still recorded, with a flag: the aggregator keeps it and leaves
// it out of the measures unless asked, and a rapid series of negatives
// stays visible as a signal instead of vanishing.
package misuse

import (
	"sync"
	"time"

	"hailong"
)

// Config sets what counts as too fast; zero values take the defaults.
type Config struct {
	// Interval: a rating within it of the previous one from the same
	// terminal is flagged hailong.FlagInterval. Default 5 s: no citizen
	// finishes the next rating faster at one screen.
	Interval time.Duration
	// Burst ratings within Window from one terminal: the next is flagged
	// hailong.FlagBurst. Default 10 within a minute.
	Burst  int
	Window time.Duration
}

// Defaults.
const (
	DefaultInterval = 5 * time.Second
	DefaultBurst    = 10
	DefaultWindow   = time.Minute
)

// maxTerminals bounds the memory: terminals at a centre are few, so past
// it the history is simply started again.
const maxTerminals = 10000

// Watch remembers each terminal's recent ratings. It is safe for
// concurrent use.
type Watch struct {
	cfg Config
	mu  sync.Mutex
	// recent holds, per terminal, the times of its ratings within the
	// window, oldest first.
	recent map[string][]time.Time
}

// New returns a Watch.
func New(cfg Config) *Watch {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	return &Watch{cfg: cfg, recent: map[string][]time.Time{}}
}

// Flags returns the flags a rating from terminal at time at would get,
// without remembering it: a rating that turns out to be a re-sent one must
// not count.
func (w *Watch) Flags(terminal string, at time.Time) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flags(w.within(terminal, at), at)
}

// flags are those of a rating at time at after the terminal's times;
// w.mu is held.
func (w *Watch) flags(times []time.Time, at time.Time) []string {
	var flags []string
	if n := len(times); n > 0 && at.Sub(times[n-1]) < w.cfg.Interval {
		flags = append(flags, hailong.FlagInterval)
	}
	if len(times) >= w.cfg.Burst {
		flags = append(flags, hailong.FlagBurst)
	}
	return flags
}

// Judge returns the flags of a rating from terminal at time at and
// remembers it, at once: for ratings that are never a re-sent one (a
// walk-in code's each get a new id), so that many sent together are judged
// one after the other rather than all against the same past.
func (w *Watch) Judge(terminal string, at time.Time) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	times := w.within(terminal, at)
	flags := w.flags(times, at)
	w.note(terminal, times, at)
	return flags
}

// Note remembers a rating recorded from terminal at time at.
func (w *Watch) Note(terminal string, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.note(terminal, w.within(terminal, at), at)
}

// note adds at to the terminal's times; w.mu is held.
func (w *Watch) note(terminal string, times []time.Time, at time.Time) {
	if len(w.recent) >= maxTerminals && times == nil {
		clear(w.recent)
	}
	times = append(times, at)
	if len(times) > w.cfg.Burst { // the newest Burst decide; a flood grows nothing
		times = append(times[:0], times[len(times)-w.cfg.Burst:]...)
	}
	w.recent[terminal] = times
}

// within drops the terminal's times older than the window before at; w.mu
// is held.
func (w *Watch) within(terminal string, at time.Time) []time.Time {
	times := w.recent[terminal]
	i := 0
	for i < len(times) && at.Sub(times[i]) >= w.cfg.Window {
		i++
	}
	if i > 0 {
		times = append(times[:0], times[i:]...)
		if len(times) == 0 {
			delete(w.recent, terminal)
			return nil
		}
		w.recent[terminal] = times
	}
	return times
}
