package report

import (
	"strings"
	"testing"
)

func TestAlongside(t *testing.T) {
	t.Run("returns the result", func(t *testing.T) {
		if got := alongside(func() int { return 42 })(); got != 42 {
			t.Fatalf("got %d, want 42", got)
		}
	})
	t.Run("a panic is raised again by the wait", func(t *testing.T) {
		wait := alongside(func() int { panic("the book is torn") })
		defer func() {
			if p, ok := recover().(string); !ok || !strings.Contains(p, "the book is torn") {
				t.Fatalf("recovered %v, want the panic of f", p)
			}
		}()
		wait()
		t.Fatal("the wait returned after f panicked")
	})
}
