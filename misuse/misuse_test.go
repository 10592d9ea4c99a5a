package misuse_test

import (
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"hailong"
	"hailong/misuse"
)

// TestFlags walks one terminal's ratings through fake time: one within the
// interval of the previous is flagged, and so is one past the burst within
// the window; another terminal is judged on its own; a re-sent rating that
// is not noted does not count.
func TestFlags(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := misuse.New(misuse.Config{Interval: 5 * time.Second, Burst: 3, Window: time.Minute})
		steps := []struct {
			name     string
			wait     time.Duration
			terminal string
			note     bool
			want     []string
		}{
			{"a first rating", 0, "t1", true, nil},
			{"another after 10 s", 10 * time.Second, "t1", true, nil},
			{"one within 5 s", 2 * time.Second, "t1", true, []string{hailong.FlagInterval}},
			{"another terminal at once", 0, "t2", true, nil},
			{"a fourth within the minute", 10 * time.Second, "t1", true, []string{hailong.FlagBurst}},
			{"a re-send, not noted", 0, "t1", false, []string{hailong.FlagInterval, hailong.FlagBurst}},
			{"after the window", 2 * time.Minute, "t1", true, nil},
			{"then within the interval again", time.Second, "t1", true, []string{hailong.FlagInterval}},
		}
		for _, st := range steps {
			time.Sleep(st.wait)
			got := w.Flags(st.terminal, time.Now())
			if !slices.Equal(got, st.want) {
				t.Errorf("%s: flags %v, want %v", st.name, got, st.want)
			}
			if st.note {
				w.Note(st.terminal, time.Now())
			}
		}
	})
}

// TestJudgeSeesRatingsSentTogether: ratings judged at once from many
// goroutines are judged one after the other: one goes unflagged, not every
// one that looked before any was noted.
func TestJudgeSeesRatingsSentTogether(t *testing.T) {
	w := misuse.New(misuse.Config{Interval: time.Second, Burst: 3, Window: time.Minute})
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var mu sync.Mutex
	clean := 0
	for range 20 {
		wg.Go(func() {
			if len(w.Judge("code 1.2.3.4", at)) == 0 {
				mu.Lock()
				clean++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if clean != 1 {
		t.Errorf("%d of 20 ratings sent together unflagged, want 1", clean)
	}
	if flags := w.Judge("code 5.6.7.8", at); len(flags) != 0 {
		t.Errorf("another address's first rating flagged %v", flags)
	}
}
