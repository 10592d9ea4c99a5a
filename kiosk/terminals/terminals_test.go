package terminals_test

import (
	"fmt"
	"testing"

	"hailong/kiosk/terminals"
)

// TestRequestsForCodesCannotKeepScreensFromPairing: anyone on the LAN may
// ask for pairing codes. A flood of asks from one address, or from many,
// once filled the node's room for waiting codes, and every new screen was
// refused until they expired, for good under a loop. Now one address
// holds at most a few waiting codes, past the room the oldest waiting code
// gives way, and a screen that asks after the flood gets a code the
// administrator can pair.
func TestRequestsForCodesCannotKeepScreensFromPairing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		addrs func(i int) string
	}{
		{"from one address", func(int) string { return "192.168.1.66" }},
		{"from many addresses", func(i int) string { return fmt.Sprintf("10.0.%d.%d", i/250, i%250) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := terminals.Open(terminals.Config{Store: memStore{}})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 1000 {
				if _, err := r.Code(terminals.NewKey(), tc.addrs(i), ""); err != nil {
					t.Fatalf("ask %d: %v", i, err)
				}
			}
			screen := terminals.NewKey()
			code, err := r.Code(screen, "192.168.1.20", "Q1")
			if err != nil {
				t.Fatalf("the screen after the flood: %v", err)
			}
			if _, err := r.Pair(code, "quay-1", "Q1"); err != nil {
				t.Fatalf("pair the screen's code: %v", err)
			}
			if _, ok := r.Collect(screen); !ok {
				t.Error("the screen does not collect its token")
			}
		})
	}
}
