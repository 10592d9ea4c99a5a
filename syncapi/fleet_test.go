package syncapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"hailong/syncapi"
)

func TestHealthClipKeepsWithinTheLimits(t *testing.T) {
	long := strings.Repeat("ữ", syncapi.MaxHealthText+10)
	many := map[string]int64{}
	for i := range syncapi.MaxHealthReasons + 5 {
		many[fmt.Sprintf("r%03d", i)] = int64(i + 1)
	}
	h := (syncapi.Health{Version: long, LastError: long, Queued: -3, FreeDisk: -9,
		FailedReasons: many, QuarantineReasons: map[string]int64{"": 2, long: -1}}).Clip()
	if err := h.Check(); err != nil && !strings.Contains(err.Error(), "clock") {
		t.Errorf("a clipped report breaks the limits: %v", err)
	}
	if utf8.RuneCountInString(h.Version) != syncapi.MaxHealthText || !strings.HasSuffix(h.LastError, "…") || h.Queued != 0 || h.FreeDisk != -1 {
		t.Errorf("clipped: version %d characters, queued %d, free disk %d", utf8.RuneCountInString(h.Version), h.Queued, h.FreeDisk)
	}
	var total int64
	for _, n := range h.FailedReasons {
		total += n
	}
	if want := int64((syncapi.MaxHealthReasons + 5) * (syncapi.MaxHealthReasons + 6) / 2); total != want || len(h.FailedReasons) != syncapi.MaxHealthReasons || h.FailedReasons["r068"] != 69 {
		t.Errorf("clipped reasons: %d of them, %d in all (want %d)", len(h.FailedReasons), total, want)
	}
	if h.QuarantineReasons["(no reason)"] != 2 {
		t.Errorf("quarantine reasons %v", h.QuarantineReasons)
	}
	small := syncapi.Health{Version: "1", Clock: time.Now(), FailedReasons: map[string]int64{"a": 1}}
	if got := small.Clip(); got.Version != "1" || len(got.FailedReasons) != 1 {
		t.Errorf("a report within the limits changed: %+v", got)
	}
}

// TestHealthClipScrubsText: a kiosk's health is shown on the fleet's page
// and in its files, so what no text of ours may hold (a bidirectional
// override, a control character) is made U+FFFD there, not shown raw.
func TestHealthClipScrubsText(t *testing.T) {
	h := syncapi.Health{Version: "x\u202e", LastError: "lỗi\x01", FailedReasons: map[string]int64{"bad\u2067": 1}}.Clip()
	if h.Version != "x\uFFFD" || h.LastError != "lỗi\uFFFD" || h.FailedReasons["bad\uFFFD"] != 1 {
		t.Errorf("clipped %+v", h)
	}
}
