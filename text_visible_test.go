package hailong_test

import (
	"strings"
	"testing"

	"hailong"
)

// TestVisible: what a message quotes back shows every character as it
// is, but controls, bidirectional ones and bytes that are no text.
func TestVisible(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"plain Vietnamese", "Quầy số 1", "Quầy số 1"},
		{"a bidirectional override", "\u202eabc", "[U+202E]abc"},
		{"a control character", "a\x01b", "a[U+0001]b"},
		{"a byte that is no text", "Q\xff1", "Q\uFFFD1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := hailong.Visible(c.in); got != c.want {
				t.Errorf("Visible(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
	if got := hailong.Shown(strings.Repeat("á", 50)); got != strings.Repeat("á", 40)+"…" {
		t.Errorf("Shown of 50 characters: %q", got)
	}
}
