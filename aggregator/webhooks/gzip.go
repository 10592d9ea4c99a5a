package webhooks

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// A receiver that says it takes gzip-compressed requests (RFC 7694: an
// "Accept-Encoding: gzip" header in its answers) is sent its deliveries
// compressed: JSON events shrink about seven times, and signing and writing
// every subscription its own copy of each event, byte by byte, was most of
// what webhooks cost ingest (docs/BENCHMARKS.md). The signature covers the
// bytes sent, so a receiver verifies a delivery before inflating it.
//
// The events that a batch sends alike to several subscriptions are
// deflated once and shared: a body is one gzip member made of its own head
// (the delivery's and subscription's ids) in a stored block, the shared
// deflated events, its tail in a stored block and the trailer. Only the
// CRC-32 of the whole is computed for each body.

// gzipMin is the smallest body sent compressed: below it gzip's own bytes
// outweigh what it saves (an alert, a ping).
const gzipMin = 1 << 10

// gzipHeader opens a gzip member (RFC 1952): deflate, no name, no time,
// operating system unknown, as compress/gzip writes it.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// gzipEnd is the deflate stream's last block: stored and empty.
var gzipEnd = []byte{1, 0, 0, 0xff, 0xff}

// appendStored appends p to dst as stored deflate blocks (RFC 1951 3.2.4),
// none of them the last: each starts on a byte, as every block given to
// gzipMember ends on one.
func appendStored(dst, p []byte) []byte {
	for len(p) > 0 {
		n := min(len(p), 0xffff)
		dst = append(dst, 0, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		dst = append(dst, p[:n]...)
		p = p[n:]
	}
	return dst
}

// deflaters keeps deflate writers for reuse: each holds over half a
// megabyte of tables.
var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed) // a valid level: cannot fail
	return w
}}

// deflate returns pieces, one after another, as deflate blocks that are
// not the last and end on a byte (a sync flush), so that more blocks can
// follow. BestSpeed: seven times smaller for a tenth of what sending the
// bytes saved costs.
func deflate(pieces ...[]byte) []byte {
	n := 0
	for _, p := range pieces {
		n += len(p)
	}
	buf := bytes.NewBuffer(make([]byte, 0, n/4+64))
	w := deflaters.Get().(*flate.Writer)
	w.Reset(buf)
	for _, p := range pieces {
		w.Write(p) // to a bytes.Buffer: cannot fail
	}
	w.Flush()
	deflaters.Put(w)
	return buf.Bytes()
}

// gzipMember returns the gzip member of plain (a body in pieces) whose
// deflate blocks, one after another, inflate to plain.
func gzipMember(plain body, blocks ...[]byte) body {
	var crc uint32
	size := 0
	for _, p := range plain {
		crc = crc32.Update(crc, crc32.IEEETable, p)
		size += len(p)
	}
	out := make(body, 0, len(blocks)+2)
	out = append(out, gzipHeader)
	out = append(out, blocks...)
	end := append(make([]byte, 0, len(gzipEnd)+8), gzipEnd...)
	end = binary.LittleEndian.AppendUint32(end, crc)
	end = binary.LittleEndian.AppendUint32(end, uint32(size)) // modulo 2³², as RFC 1952 says
	return append(out, end)
}

// gzipped returns plain, the body of a delivery of b's events at idx made
// by bodyOf, as gzip. When the events follow one another in the batch
// (plain is then its head, the span of events and its tail), the span is
// deflated once for every subscription sent it.
func (b *Batch) gzipped(plain body, idx []int) body {
	if b.deflated != nil && len(plain) == 3 {
		if span, ok := b.span(idx); ok && len(span) == len(plain[1]) {
			shared := b.deflated.of(idx[0], idx[len(idx)-1], span)
			return gzipMember(plain, appendStored(nil, plain[0]), shared, appendStored(nil, plain[2]))
		}
	}
	return gzipMember(plain, deflate(plain...))
}

// deflatedSpans keeps a batch's spans of events deflated, by first and
// last event, for the subscriptions sent the same span; they are sent
// from several goroutines at once.
type deflatedSpans struct {
	mu    sync.Mutex
	spans map[[2]int]*deflatedSpan
}

type deflatedSpan struct {
	once  sync.Once
	bytes []byte
}

// of returns span, the batch's events first to last, deflated.
func (s *deflatedSpans) of(first, last int, span []byte) []byte {
	k := [2]int{first, last}
	s.mu.Lock()
	d, ok := s.spans[k]
	if !ok {
		if s.spans == nil {
			s.spans = map[[2]int]*deflatedSpan{}
		}
		d = &deflatedSpan{}
		s.spans[k] = d
	}
	s.mu.Unlock()
	d.once.Do(func() { d.bytes = deflate(span) })
	return d.bytes
}

// takesGzip reads what a receiver's answer says of compressed requests
// (RFC 7694 section 3): said is whether it has an Accept-Encoding header
// at all, ok whether that lists gzip (or x-gzip) with a weight above 0.
func takesGzip(h http.Header) (ok, said bool) {
	vals := h.Values("Accept-Encoding")
	for _, v := range vals {
		for c := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(c, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "x-gzip" {
				continue
			}
			if q, ok := weight(params); ok && q > 0 {
				return true, true
			}
		}
	}
	return false, len(vals) > 0
}

// weight returns the q parameter among params ("q=0.5"), 1 without one,
// and false when it is not a number.
func weight(params string) (float64, bool) {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return q, err == nil
		}
	}
	return 1, true
}
