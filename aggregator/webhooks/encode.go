package webhooks

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"hailong"
)

// The events of a batch are encoded once, straight into one buffer that
// the queue stores and every subscription's body sends a slice of:
// thousands of ratings a second, each sent to several subscriptions, made
// the encoding, the copies and their garbage most of what webhooks cost
// ingest. The bytes are exactly what json.Marshal writes of the event
// (TestEncodingIsJSONMarshal).

// event is a published event waiting in the loop's buffer: a hailong.Event
// as published, or a rating stored, encoded from the rating itself.
type event struct {
	hailong.Event
	rating *hailong.StoredRating
}

// appendEvent appends the JSON of e to dst, as json.Marshal(e) would
// write it, without validating Data again (the publisher marshalled it).
func appendEvent(dst []byte, e event) []byte {
	if e.rating != nil {
		return appendRating(dst, e.rating, e.At)
	}
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, e.ID)
	dst = append(dst, `,"type":`...)
	dst = appendString(dst, string(e.Type))
	dst = append(dst, `,"at":`...)
	dst = appendTime(dst, e.At)
	dst = append(dst, `,"unit":`...)
	dst = appendString(dst, e.Unit)
	dst = append(dst, `,"data":`...)
	if len(e.Data) == 0 {
		return append(dst, `null}`...)
	}
	dst = append(dst, e.Data...)
	return append(dst, '}')
}

// appendRating appends the rating.stored event of r, stored at at: the
// JSON of a hailong.Event whose Data is r.
func appendRating(dst []byte, r *hailong.StoredRating, at time.Time) []byte {
	dst = append(dst, `{"id":"`+string(hailong.EventRatingStored)+`:`...)
	dst = appendStringBody(dst, r.ID)
	dst = append(dst, `","type":"`+string(hailong.EventRatingStored)+`","at":`...)
	dst = appendTime(dst, at)
	dst = append(dst, `,"unit":`...)
	dst = appendString(dst, r.Unit)
	dst = append(dst, `,"data":{"id":`...)
	dst = appendString(dst, r.ID)
	dst = append(dst, `,"unit":`...)
	dst = appendString(dst, r.Unit)
	if r.Kiosk != "" {
		dst = append(dst, `,"kiosk":`...)
		dst = appendString(dst, r.Kiosk)
	}
	dst = append(dst, `,"questionnaire":`...)
	dst = appendString(dst, r.Questionnaire)
	dst = append(dst, `,"channel":`...)
	dst = appendString(dst, string(r.Channel))
	dst = append(dst, `,"at":`...)
	dst = appendTime(dst, r.At)
	for _, f := range [...]struct{ name, v string }{{`,"procedure":`, r.Procedure}, {`,"official":`, r.Official}, {`,"counter":`, r.Counter}} {
		if f.v != "" {
			dst = append(dst, f.name...)
			dst = appendString(dst, f.v)
		}
	}
	dst = append(dst, `,"level":`...)
	dst = strconv.AppendInt(dst, int64(r.Level), 10)
	dst = append(dst, `,"satisfied":`...)
	dst = strconv.AppendBool(dst, r.Satisfied)
	if r.Flagged {
		dst = append(dst, `,"flagged":true`...)
	}
	return append(dst, "}}"...)
}

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendStringBody(dst, s)
	return append(dst, '"')
}

// appendStringBody appends s as the inside of a JSON string. Plain text
// (printable ASCII that encoding/json does not escape: every id and code)
// is copied as it is; anything else is left to encoding/json, so the bytes
// stay its own.
func appendStringBody(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string: cannot fail
			return append(dst, b[1:len(b)-1]...)
		}
	}
	return append(dst, s...)
}

// appendTime appends t as json.Marshal writes a time.Time (RFC 3339 with
// nanoseconds, trailing zeros cut).
func appendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}
