// Package commentstest provides a comments.Store in memory, for tests of
// what reads months of comments: its reads can be made to fail, or held.
package commentstest

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"hailong/aggregator/comments"
	"hailong/aggregator/rollup"
)

// Store holds comments by month, as a database would.
type Store struct {
	mu     sync.Mutex
	held   map[rollup.Month][]comments.Comment
	reads  int
	fail   error
	hold   *hold
	onRead func()
}

// hold is a read held back: began is told when the read has taken what
// the store holds, and the read waits for release.
type hold struct {
	began   chan struct{}
	release chan struct{}
}

// New returns a store holding cs.
func New(cs ...comments.Comment) *Store {
	s := &Store{held: map[rollup.Month][]comments.Comment{}}
	s.Put(cs...)
	return s
}

// Put stores comments, with their times to the millisecond as a database
// keeps them.
func (s *Store) Put(cs ...comments.Comment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		c.At = c.At.UTC().Truncate(time.Millisecond)
		m := comments.MonthOf(c.At)
		s.held[m] = append(s.held[m], c)
	}
}

// Months returns the months holding comments, as comments.Open takes them.
func (s *Store) Months() []rollup.Month {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.held))
}

// Reads returns how many months were read.
func (s *Store) Reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// Fail makes every read fail with err from now on; nil mends the store.
func (s *Store) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

// OnRead has fn called as each read begins.
func (s *Store) OnRead(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRead = fn
}

// Hold holds back the next read, once it has taken what the store holds
// (as a database's read takes its snapshot): began is closed then, and
// the read goes on once release is called.
func (s *Store) Hold() (began <-chan struct{}, release func()) {
	h := &hold{began: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.hold = h
	s.mu.Unlock()
	return h.began, sync.OnceFunc(func() { close(h.release) })
}

// LoadCommentMonth calls fn with the comments of month m (comments.Store).
func (s *Store) LoadCommentMonth(_ context.Context, m rollup.Month, fn func(comments.Comment)) error {
	s.mu.Lock()
	s.reads++
	cs, fail, h, onRead := slices.Clone(s.held[m]), s.fail, s.hold, s.onRead
	s.hold = nil // once
	s.mu.Unlock()
	if onRead != nil {
		onRead()
	}
	if h != nil {
		close(h.began)
		<-h.release
	}
	if fail != nil {
		return fail
	}
	for _, c := range cs {
		fn(c)
	}
	return nil
}
