package access_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"hailong"
)

// parallel runs n calls at once (released together) and counts their
// error codes ("" for a success).
func parallel(n int, call func(i int) error) map[string]int {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[string]int{}
		start  = make(chan struct{})
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := call(i)
			mu.Lock()
			counts[hailong.ErrorCode(err)]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return counts
}

func checked(counts map[string]int) int {
	n := 0
	for code, c := range counts {
		if code != hailong.ERATELIMITED {
			n += c
		}
	}
	return n
}

// Guesses made at once are throttled as if made one after another: an
// attempt counts as a possible failure from the moment it is allowed, not
// only once its password has been checked (some 70 ms later).
func TestParallelGuessesAreThrottledLikeSuccessiveOnes(t *testing.T) {
	ctx := context.Background()
	t.Run("per account", func(t *testing.T) {
		e := newEnv(t)
		e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
		counts := parallel(50, func(i int) error {
			password := fmt.Sprintf("wrong guess %02d", i)
			if i == 49 {
				password = pw
			}
			// From different addresses: only the account's limit applies.
			_, _, err := e.svc.Login(ctx, "lan", password, fmt.Sprintf("192.0.2.%d", i+1))
			return err
		})
		if n := checked(counts); n == 0 || n > 5 {
			t.Fatalf("50 sign-ins at once to one account: %v (\"\" = signed in); %d checked, want 1 to 5", counts, n)
		}
		var failures int
		for _, ev := range e.audit(t) {
			if ev.Detail == "wrong username or password" {
				failures++
			}
		}
		if failures > 5 {
			t.Fatalf("%d failures recorded, want at most 5", failures)
		}
		// Nothing is left reserved: once the lock-out is over the right
		// password signs in.
		e.clock.Advance(15 * time.Minute)
		if _, _, err := e.svc.Login(ctx, "lan", pw, "198.51.100.1"); err != nil {
			t.Fatalf("after the lock-out: %v", err)
		}
	})
	t.Run("per address", func(t *testing.T) {
		e := newEnv(t)
		e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
		counts := parallel(50, func(i int) error {
			// 50 accounts, one guess each: only the address's limit applies.
			_, _, err := e.svc.Login(ctx, fmt.Sprintf("user%02d", i), "wrong guess 1", "203.0.113.9")
			return err
		})
		if n := checked(counts); n == 0 || n > 30 {
			t.Fatalf("50 sign-ins at once from one address: %v; %d checked, want 1 to 30", counts, n)
		}
		e.clock.Advance(15*time.Minute + time.Second)
		if _, _, err := e.svc.Login(ctx, "lan", pw, "203.0.113.9"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
	t.Run("password change", func(t *testing.T) {
		e := newEnv(t)
		e.addUser(t, "lan", hailong.RoleAnalyst, "09190")
		_, p := e.login(t, "lan")
		counts := parallel(20, func(i int) error {
			_, err := e.svc.ChangePassword(ctx, p, fmt.Sprintf("wrong guess %02d", i), "another pass 99", fmt.Sprintf("192.0.2.%d", i+1))
			return err
		})
		if n := checked(counts); n == 0 || n > 5 {
			t.Fatalf("20 password changes at once: %v; %d checked, want 1 to 5", counts, n)
		}
	})
}
