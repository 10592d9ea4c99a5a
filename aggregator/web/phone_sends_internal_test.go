package web

import (
	"testing"
	"time"

	"hailong"
)

// TestPhoneSends: a second send of a form waits for the first and takes
// what it made, or its lasting refusal; a refusal that does not last is
// forgotten, so that the citizen's next send tries again.
func TestPhoneSends(t *testing.T) {
	var p phoneSends
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	first, ok := p.claim("k", now)
	if !ok {
		t.Fatal("the first send is not the first")
	}
	second, ok := p.claim("k", now.Add(30*time.Millisecond))
	if ok || second != first {
		t.Fatal("the second send is not the first's")
	}
	waited := make(chan struct{})
	go func() { <-second.ready; close(waited) }()
	select {
	case <-waited:
		t.Fatal("the second send did not wait for the first")
	case <-time.After(20 * time.Millisecond):
	}
	first.id = "r1"
	p.finish("k", first)
	if <-waited; second.refused != nil || second.id != "r1" {
		t.Fatalf("the second send: %v, id %q", second.refused, second.id)
	}
	if _, ok := p.claim("k", now.Add(phoneSendsKept)); !ok {
		t.Error("a send remembered past phoneSendsKept")
	}

	for _, c := range []struct {
		name     string
		refused  error
		remember bool
	}{
		{"a walk-in code used up", problem(hailong.ERATELIMITED, "walkin_full", "used up"), true},
		{"the count unavailable for a moment", hailong.Errorf(hailong.EUNAVAILABLE, "not now"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := p.claim(c.name, now)
			s.refused = c.refused
			p.finish(c.name, s)
			again, first := p.claim(c.name, now.Add(time.Second))
			if first == c.remember || (c.remember && again.refused == nil) {
				t.Errorf("after %v: a first send again %v, want %v", c.refused, first, !c.remember)
			}
		})
	}
}
