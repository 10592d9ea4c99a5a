package hailong

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckText is the one rule for text a person or a program may give the
// system, in any field: valid UTF-8, and no control characters but the line
// break (\n) and the tab, nor bidirectional controls. Control characters
// (C0, DEL and C1) have no place in a comment or a code, and they make
// stored text print, export and compare differently from what was shown.
// A carriage return is a control character too: one stored form of a line
// break keeps the digest of the same comment the same whichever way it
// came, so the HTML form path turns the CRLF that browsers send back into
// \n (see NormalizeFormText) and JSON clients, whose textareas already give
// \n, must send \n.
func CheckText(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return &TextError{Offset: i, Invalid: true}
		case control(r):
			return &TextError{Offset: i, Rune: r}
		case bidi(r):
			return &TextError{Offset: i, Rune: r, Bidi: true}
		}
	}
	return nil
}

// ScrubText returns s with what CheckText refuses (invalid UTF-8, control
// characters, bidirectional controls) each made U+FFFD: for text a program
// reports of itself, shown to people but not refused for a character (a
// kiosk's health).
func ScrubText(s string) string {
	if CheckText(s) == nil {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") || control(r) || bidi(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}

// control reports whether r is a control character CheckText refuses:
// C0 but the line break and the tab, DEL and C1.
func control(r rune) bool {
	return r != '\n' && r != '\t' && (r < 0x20 || r >= 0x7f && r <= 0x9f)
}

// bidi reports whether r is a bidirectional embedding, override or
// isolate: they turn the text that follows around where it is shown, so
// that a comment could read, on the analysts' pages, other than what it
// says.
func bidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// TextError is what CheckText refuses, for a page to say it in its own
// language: invalid UTF-8 at Offset, or the control character Rune, a
// bidirectional one when Bidi is set.
type TextError struct {
	Offset  int
	Invalid bool
	Rune    rune
	Bidi    bool
}

// Said says what is wrong with the text in lang ("vi", or English), as
// the predicate of a sentence about it: "contains the control character
// U+0007", "chứa ký tự điều khiển U+0007".
func (e *TextError) Said(lang string) string {
	vi := lang == "vi"
	switch {
	case e.Invalid && vi:
		return "không phải văn bản UTF-8 hợp lệ"
	case e.Invalid:
		return "is not valid UTF-8"
	case e.Bidi && vi:
		return fmt.Sprintf("chứa ký tự điều khiển hướng chữ U+%04X", e.Rune)
	case e.Bidi:
		return fmt.Sprintf("contains the bidirectional control U+%04X", e.Rune)
	case vi:
		return fmt.Sprintf("chứa ký tự điều khiển U+%04X", e.Rune)
	}
	return fmt.Sprintf("contains the control character U+%04X", e.Rune)
}

func (e *TextError) Error() string {
	switch {
	case e.Invalid:
		return fmt.Sprintf("must be valid UTF-8 (byte %d is not)", e.Offset)
	case e.Bidi:
		return fmt.Sprintf("must not contain the bidirectional control U+%04X", e.Rune)
	}
	return fmt.Sprintf("must not contain the control character U+%04X (only line breaks and tabs are allowed)", e.Rune)
}

// NormalizeFormText undoes the line-break encoding of HTML forms: browsers
// send every line break of a textarea as CRLF, which stored as such would
// make the same comment differ from one typed on the kiosk screen.
func NormalizeFormText(s string) string {
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// Shown is a value a caller sent, as a message quotes it back: at most 40
// characters, Visible.
func Shown(v string) string {
	if r := []rune(v); len(r) > 40 {
		return Visible(string(r[:40])) + "…"
	}
	return Visible(v)
}

// Visible is text with any character it could not show as it is
// (controls, and the bidirectional ones that would turn a message around)
// written as its code point, "[U+202E]".
func Visible(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD") // bytes that are no text, shown as such
	if !strings.ContainsFunc(v, func(r rune) bool { return !unicode.IsGraphic(r) }) {
		return v
	}
	var sb strings.Builder
	for _, r := range v {
		if unicode.IsGraphic(r) {
			sb.WriteRune(r)
		} else {
			fmt.Fprintf(&sb, "[U+%04X]", r)
		}
	}
	return sb.String()
}
