package fiberapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// DecodeJSON decodes the request body into v strictly: the body must be
// JSON, every field must be known and of the right type, and nothing may
// follow the value. Every string, member names included, must be text by
// [hailong.CheckText], and no object may name a member twice. Requiring
// the JSON content type also keeps other sites from posting here with a
// plain HTML form.
func DecodeJSON(c *fiber.Ctx, v any, opts ...DecodeOption) error {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
	if ct != fiber.MIMEApplicationJSON {
		return hailong.Errorf(hailong.EUNSUPPORTED, "The request body must be application/json.")
	}
	return Unmarshal(c.Body(), v, opts...)
}

// DecodeOption adjusts the rules of DecodeJSON for one kind of body.
type DecodeOption func(*decodeOptions)

type decodeOptions struct {
	controls []string // JSON pointer prefixes under which control characters pass
}

// ControlsCheckedLater passes control characters in strings and member
// names in and under the named top-level members, for what must not fail its
// whole body:
//   - a list of items the caller validates one by one (a sync upload's
//     "ratings"), so that one bad item is refused alone rather than the
//     upload, which a kiosk would send again for ever;
//   - diagnostics a program reports of itself (a kiosk's "health", whose
//     failure reasons quote errors), which no one should lose for a byte.
//
// Invalid UTF-8 and repeated names are still refused for the whole body:
// encoding/json would hide them, and json.Marshal never writes them.
func ControlsCheckedLater(members ...string) DecodeOption {
	return func(o *decodeOptions) {
		for _, m := range members {
			o.controls = append(o.controls, "/"+m+"/")
		}
	}
}

func (o decodeOptions) controlsPass(ptr jsontext.Pointer) bool {
	for _, p := range o.controls {
		if strings.HasPrefix(string(ptr), p) || string(ptr) == p[:len(p)-1] {
			return true
		}
	}
	return false
}

// Unmarshal decodes b into v with the rules of DecodeJSON.
func Unmarshal(b []byte, v any, opts ...DecodeOption) error {
	var o decodeOptions
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkText(b, o); err != nil {
		return err
	}
	// unknownMember decodes again into a zero value: its answer is the
	// one encoding/json gave only if v was zero too (an interface field
	// already holding a struct is decoded by that struct's fields).
	rv := reflect.ValueOf(v)
	zero := rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().IsZero()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Offset > 0 {
			// encoding/json names the field without its indices
			// (outcomes.complaints): the path of the value it stopped
			// after is outcomes[0].complaints.
			if path := pathAt(b, typ.Offset); path != "" {
				typ.Field = path
			}
		}
		if quoted, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			// encoding/json names the member alone (phone), quoted, with
			// no offset: unknownMember finds the member it refused,
			// items[1].phone.
			name, err := strconv.Unquote(quoted)
			if err != nil {
				name = strings.Trim(quoted, `"`)
			}
			field := name
			if zero {
				if path := unknownMember(b, v, name); path != "" {
					field = path
				}
			}
			return hailong.Invalid("The request body has an unknown field.", hailong.FieldError{Field: field, Message: "is not a known field"})
		}
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return hailong.Invalid("The request body must hold exactly one JSON value.")
	}
	return nil
}

// checkText is a pass over the raw body before encoding/json decodes it,
// because encoding/json replaces invalid UTF-8 and lone surrogates with
// U+FFFD and lets the last of two equal names win, so neither can be seen
// after decoding. jsontext refuses both by itself and knows where it is in
// the document. Other syntax errors are left to the decode that follows,
// which reports them as it always has.
func checkText(b []byte, o decodeOptions) error {
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	// names holds, per open object, its member names folded as
	// encoding/json matches them to fields: without case (Unicode simple
	// folding), so "Questionnaire" and "queſtionnaire" would fill the same
	// field as "questionnaire", and the last would silently win.
	var names []map[string]string
	for {
		start := dec.InputOffset()
		tok, err := dec.ReadToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return textError(b, dec, err)
		}
		switch tok.Kind() {
		case '{':
			names = append(names, nil)
			continue
		case '}':
			names = names[:len(names)-1]
			continue
		case '"':
		default:
			continue
		}
		if kind, n := dec.StackIndex(dec.StackDepth()); kind == '{' && n%2 == 1 {
			name, top := tok.String(), len(names)-1
			key := foldName(name)
			if prev, ok := names[top][key]; ok {
				ptr := dec.StackPointer()
				return hailong.Invalid("The request body names a member twice.",
					hailong.FieldError{Field: fieldPath(dec, ptr), Message: fmt.Sprintf("appears more than once (as %q and %q: names are matched without regard to case)", prev, name)})
			}
			if names[top] == nil {
				names[top] = map[string]string{}
			}
			names[top][key] = name
		}
		if plain(b[start:dec.InputOffset()]) {
			continue
		}
		err = hailong.CheckText(tok.String())
		if err == nil {
			continue
		}
		ptr := dec.StackPointer()
		if o.controlsPass(ptr) {
			continue // valid UTF-8 here: jsontext refuses anything else
		}
		depth := dec.StackDepth()
		kind, n := dec.StackIndex(depth)
		if kind == '{' && n%2 == 1 { // a member name, not a value
			return hailong.Invalid("The request body has a member name that is not acceptable text.",
				hailong.FieldError{Field: fieldPath(dec, ptr.Parent()), Message: "has a member name that " + err.Error()})
		}
		return hailong.Invalid("The request body has text that is not acceptable.",
			hailong.FieldError{Field: fieldPath(dec, ptr), Message: err.Error()})
	}
}

// foldName maps a member name to the same key as every name that
// encoding/json would take for it: each rune to the least of its Unicode
// simple case folding orbit, the equivalence bytes.EqualFold uses.
func foldName(name string) string {
	var sb strings.Builder
	sb.Grow(len(name))
	for _, r := range name {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		sb.WriteRune(least)
	}
	return sb.String()
}

// plain reports whether raw JSON text, which jsontext has accepted (so it
// is UTF-8 with no raw C0 control), can hold nothing hailong.CheckText
// refuses: it has no escape, no DEL, no lead byte of U+0080–U+00BF, and no
// E2 80 or E2 81 that starts U+2000–U+207F (where the bidirectional
// controls are). Most strings are so, and need not be unquoted into a new
// string to be checked.
func plain(raw []byte) bool {
	for i, c := range raw {
		if c == '\\' || c == 0x7f || c == 0xc2 || c == 0xe2 && i+1 < len(raw) && (raw[i+1] == 0x80 || raw[i+1] == 0x81) {
			return false
		}
	}
	return true
}

// textError turns what jsontext refuses into a field error where it is a
// matter of text: a repeated name, invalid UTF-8, a lone surrogate or a
// raw control character. Anything else is a syntax error for the decode.
func textError(b []byte, dec *jsontext.Decoder, err error) error {
	var syn *jsontext.SyntacticError
	if !errors.As(err, &syn) {
		return nil
	}
	field := fieldPath(dec, syn.JSONPointer)
	if syn.Err == jsontext.ErrDuplicateName {
		return hailong.Invalid("The request body names a member twice.",
			hailong.FieldError{Field: field, Message: "appears more than once"})
	}
	off := int(syn.ByteOffset)
	if off < 0 || off >= len(b) {
		return nil
	}
	r, size := utf8.DecodeRune(b[off:])
	var msg string
	switch c := b[off]; {
	case r == utf8.RuneError && size <= 1:
		msg = fmt.Sprintf("must be valid UTF-8 (byte %d is not)", off)
	case c == '\\' && json.Valid(b):
		// encoding/json accepts a lone surrogate such as \ud800 as U+FFFD.
		msg = "must be valid UTF-8 (it holds half of a UTF-16 surrogate pair)"
	case c == '\n' || c == '\t':
		// Whitespace between tokens is valid, so here it is inside a string.
		msg = "must write line breaks and tabs as \\n and \\t"
	case c < 0x20:
		msg = hailong.CheckText(string(c)).Error()
	default:
		return nil
	}
	return hailong.Invalid("The request body has text that is not acceptable.", hailong.FieldError{Field: field, Message: msg})
}

// pathAt returns the path, as fieldPath writes it, of the value that ends
// at byte offset of b, or "" if none does.
func pathAt(b []byte, offset int64) string {
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return ""
		}
		if dec.InputOffset() < offset {
			continue
		}
		if tok.Kind() == '"' && dec.StackDepth() > 0 {
			if kind, n := dec.StackIndex(dec.StackDepth()); kind == '{' && n%2 == 1 {
				continue // a member's name, not its value
			}
		}
		return fieldPath(dec, dec.StackPointer())
	}
}

// fieldPath writes a JSON pointer the way field errors name fields:
// ratings[3].answers.comment. Whether a level is an array comes from the
// decoder's stack, as a pointer alone cannot tell an index from a name.
func fieldPath(dec *jsontext.Decoder, ptr jsontext.Pointer) string {
	var sb strings.Builder
	depth := dec.StackDepth()
	i := 0
	for tok := range ptr.Tokens() {
		i++
		if i <= depth {
			if kind, _ := dec.StackIndex(i); kind == '[' {
				sb.WriteString("[" + tok + "]")
				continue
			}
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(tok)
	}
	if sb.Len() == 0 {
		return "body"
	}
	return sb.String()
}

func jsonError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		at     *time.ParseError
	)
	switch {
	case errors.As(err, &syntax):
		return hailong.Invalid(fmt.Sprintf("The request body is not valid JSON (at byte %d).", syntax.Offset))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return hailong.Invalid("The request body is empty or cut short.")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return hailong.Invalid("The request body has a field of the wrong type.",
			hailong.FieldError{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonType(typ.Type.Kind().String()), typ.Value)})
	case errors.As(err, &at):
		// time.Time's own decoding: its error quotes Go's layout.
		v := at.Value
		if utf8.RuneCountInString(v) > 40 {
			v = string([]rune(v)[:40]) + "…"
		}
		return hailong.Invalid(fmt.Sprintf("The request body has a time that is not in RFC 3339 form with its offset, "+
			"like 2026-12-01T10:00:00+07:00 or 2026-12-01T03:00:00Z: %q.", v))
	default:
		// Answers and dates report their own problems through UnmarshalJSON.
		return hailong.Invalid("The request body could not be read: " + err.Error())
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	default:
		return "another type"
	}
}

// unknownMemberLimit is the largest body whose unknown member is looked
// for (unknownMember): a second decode of a body of thousands of ratings
// costs seconds (about 2 s a megabyte of empty ratings), on a path an
// attacker chooses. Past it the member is named alone. Real uploads are
// tens of kilobytes.
const unknownMemberLimit = 256 << 10

// unknownMember returns the path, as fieldPath writes it, of the member
// named name that encoding/json refused when decoding b into the value v
// points to, or "" if it cannot be told. encoding/json says neither where
// the member is nor its object; json v2, given v1's options (the same
// fields, matched the same way: case folded, embedded structs, arrays
// cut at their length), reports the member's JSON pointer, and a pass
// over b tells which of its tokens are indices. This runs only on the
// error path, at the cost of a second decode of a body within its limit.
func unknownMember(b []byte, v any, name string) string {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer || len(b) > unknownMemberLimit {
		return ""
	}
	err := jsonv2.Unmarshal(b, reflect.New(t.Elem()).Interface(), jsonv1.DefaultOptionsV1(),
		jsonv1.ReportErrorsWithLegacySemantics(false), jsonv2.RejectUnknownMembers(true))
	var se *jsonv2.SemanticError
	if !errors.As(err, &se) || !errors.Is(se.Err, jsonv2.ErrUnknownName) || se.JSONPointer.LastToken() != name {
		return ""
	}
	return pointerPath(b, se.JSONPointer)
}

// pointerPath returns the path, as fieldPath writes it, of the member or
// element of b that ptr points to, or "" if b has none there. It goes
// down ptr's tokens, skipping whole every value beside them, so it costs
// one pass over b at most, however deep b is nested.
func pointerPath(b []byte, ptr jsontext.Pointer) string {
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	var sb strings.Builder
	for tok := range ptr.Tokens() {
		open, err := dec.ReadToken()
		if err != nil {
			return ""
		}
		switch open.Kind() {
		case '{':
			for {
				if dec.PeekKind() == '}' {
					return ""
				}
				name, err := dec.ReadToken()
				if err != nil {
					return ""
				}
				if name.String() == tok {
					break
				}
				if dec.SkipValue() != nil {
					return ""
				}
			}
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(tok)
		case '[':
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 {
				return ""
			}
			for range n {
				if dec.PeekKind() == ']' || dec.SkipValue() != nil {
					return ""
				}
			}
			sb.WriteString("[" + tok + "]")
		default:
			return ""
		}
	}
	return sb.String()
}
