package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Headers of a delivery.
const (
	HeaderSignature = "Hailong-Signature"
	HeaderEvent     = "Hailong-Event"
	HeaderDelivery  = "Hailong-Delivery"
	HeaderAttempt   = "Hailong-Attempt"
)

// Sign returns the Hailong-Signature header of body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>". Signing
// the time with the body lets a receiver refuse a replayed delivery.
func Sign(secret string, t time.Time, body []byte) string {
	return sign(secret, t, body)
}

// sign is Sign of a body in pieces, one after another.
func sign(secret string, t time.Time, body ...[]byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	for _, p := range body {
		mac.Write(p)
	}
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}
