package hailong_test

import (
	"errors"
	"strings"
	"testing"

	"hailong"
)

func TestCheckText(t *testing.T) {
	tests := []struct {
		name, text, want string // want: part of the error, "" for none
	}{
		{"plain", "Nhanh gọn", ""},
		{"line breaks and tabs", "a\n\tb", ""},
		{"a real replacement character", "a\uFFFDb", ""},
		{"empty", "", ""},
		{"invalid UTF-8", "a\xffb", "valid UTF-8"},
		{"a cut sequence", "Nhanh g\xe1\xbb", "valid UTF-8"},
		{"NUL", "a\x00", "U+0000"},
		{"escape", "\x1b[2J", "U+001B"},
		{"carriage return", "a\r\nb", "U+000D"},
		{"DEL", "a\x7f", "U+007F"},
		{"C1", "a\u0085", "U+0085"},
		{"last C1", "a\u009f", "U+009F"},
		{"just after C1", "a\u00a0", ""},
		{"a right-to-left override", "Tốt \u202eệt ấr", "U+202E"},
		{"a left-to-right embedding", "a\u202ab", "U+202A"},
		{"an isolate", "a\u2066b\u2069", "U+2066"},
		{"a zero-width joiner in an emoji", "👨\u200d👩", ""},
		{"a left-to-right mark", "a\u200eb", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := hailong.CheckText(tt.text)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one about %s", err, tt.want)
			}
		})
	}
}

func TestNormalizeFormText(t *testing.T) {
	if got := hailong.NormalizeFormText("a\r\nb\rc\n"); got != "a\nb\rc\n" {
		t.Errorf("got %q", got)
	}
}

// TestTextErrorSaid: what CheckText refuses, said in each language as the
// pages say it.
func TestTextErrorSaid(t *testing.T) {
	for _, tc := range []struct{ text, vi, en string }{
		{"a\x07", "chứa ký tự điều khiển U+0007", "contains the control character U+0007"},
		{"a\u202eb", "chứa ký tự điều khiển hướng chữ U+202E", "contains the bidirectional control U+202E"},
		{"a\xffb", "không phải văn bản UTF-8 hợp lệ", "is not valid UTF-8"},
	} {
		var te *hailong.TextError
		if !errors.As(hailong.CheckText(tc.text), &te) {
			t.Fatalf("%q: no TextError", tc.text)
		}
		if got := te.Said("vi"); got != tc.vi {
			t.Errorf("%q in Vietnamese: %q, want %q", tc.text, got, tc.vi)
		}
		if got := te.Said("en"); got != tc.en {
			t.Errorf("%q in English: %q, want %q", tc.text, got, tc.en)
		}
	}
}

// TestScrubText: what CheckText refuses is made U+FFFD, one for each, and
// nothing else changes.
func TestScrubText(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"plain", "1.4.2 – bản mới", "1.4.2 – bản mới"},
		{"a line break and a tab stay", "a\nb\tc", "a\nb\tc"},
		{"a bidirectional override", "x\u202ey", "x\uFFFDy"},
		{"an isolate", "x\u2066y", "x\uFFFDy"},
		{"a control character", "x\x01y", "x\uFFFDy"},
		{"a C1 control", "x\u0085y", "x\uFFFDy"},
		{"invalid UTF-8", "x\xffy", "x\uFFFDy"},
		{"a replacement character given", "x\uFFFDy", "x\uFFFDy"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := hailong.ScrubText(tt.in)
			if got != tt.want || hailong.CheckText(got) != nil {
				t.Errorf("ScrubText(%q) = %q, want %q and text CheckText takes", tt.in, got, tt.want)
			}
		})
	}
}
