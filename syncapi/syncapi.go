// Package syncapi is the wire contract between kiosk nodes and the
// aggregator: the batch a kiosk uploads, the answer per rating, and the
// kiosk credential that authenticates the upload.
//
// Authentication: each kiosk is enrolled at the aggregator, which prints a
// credential "<kiosk id>.<secret>" once. The kiosk sends it on every upload as
// "Authorization: Bearer <credential>". The aggregator keeps only a SHA-256 of
// the secret (the secret is 256 random bits, so a slow KDF adds nothing) and
// refuses revoked kiosks. Run the aggregator behind TLS in production.
package syncapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"

	"hailong"
)

// Path is the aggregator endpoint kiosks upload to.
const Path = "/api/v1/sync"

// MaxBatch is the most ratings one upload may carry.
const MaxBatch = 500

// Request is one upload.
type Request struct {
	Ratings []hailong.Rating `json:"ratings"`
	// SentAt is the kiosk's clock when it sent the upload, so that the
	// aggregator can measure the kiosk's clock offset and judge the ratings'
	// times by it. Optional: kiosks before it send none.
	SentAt *time.Time `json:"sent_at,omitempty"`
	// Health is the kiosk's report of itself, kept as its latest (fleet
	// health). Optional.
	Health *Health `json:"health,omitempty"`
}

// Status is what became of one uploaded rating.
type Status string

// Statuses. Accepted and Duplicate mean the aggregator holds the rating;
// Conflict and Rejected mean it never will, and why is in Reason. Deferred
// means the aggregator cannot take the rating yet for a reason that is not
// the rating's fault (a questionnaire version it does not know yet, a kiosk
// configured for another unit than its enrolment): the kiosk keeps it
// queued and sends it again later. Kiosks older than Deferred keep any
// status they do not know queued, so they never drop such a rating.
const (
	Accepted  Status = "accepted"
	Duplicate Status = "duplicate"
	Conflict  Status = "conflict"
	Rejected  Status = "rejected"
	Deferred  Status = "deferred"
)

// Settled reports whether the aggregator now holds the rating.
func (s Status) Settled() bool { return s == Accepted || s == Duplicate }

// Final reports whether the aggregator will never hold the rating.
func (s Status) Final() bool { return s == Conflict || s == Rejected }

// Result answers one rating of an upload.
type Result struct {
	ID     string `json:"id"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Fields names the input fields at fault of a rejected, deferred or
	// conflicting rating (e.g. "at", "unit", "questionnaire"), sorted, once
	// each: the stable part of the answer, by which kiosks group refused
	// ratings, where Reason quotes the rating's own values. Optional:
	// aggregators before it send none, kiosks before it ignore it.
	Fields []string `json:"fields,omitempty"`
}

// Response answers an upload, one result per rating, in order.
type Response struct {
	Results []Result `json:"results"`
}

// Credential identifies and authenticates one kiosk.
type Credential struct {
	Kiosk  string
	Secret string // base64url, 32 random bytes
}

var kioskIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)

// CheckKioskID validates a kiosk id: lower-case letters, digits and '-'.
func CheckKioskID(id string) error {
	if !kioskIDPattern.MatchString(id) {
		return hailong.Invalid("The kiosk id is not valid.", hailong.FieldError{Field: "kiosk", Message: fmt.Sprintf("%q must be 1 to 48 lower-case letters, digits or '-'", id)})
	}
	return nil
}

// NewCredential makes a fresh credential for a kiosk.
func NewCredential(kiosk string) (Credential, error) {
	if err := CheckKioskID(kiosk); err != nil {
		return Credential{}, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Credential{}, fmt.Errorf("random secret: %w", err)
	}
	return Credential{Kiosk: kiosk, Secret: base64.RawURLEncoding.EncodeToString(b)}, nil
}

// String returns the credential as the kiosk is configured with it.
func (c Credential) String() string { return c.Kiosk + "." + c.Secret }

// ParseCredential reads "<kiosk id>.<secret>".
func ParseCredential(s string) (Credential, error) {
	id, secret, ok := strings.Cut(strings.TrimSpace(s), ".")
	b, err := base64.RawURLEncoding.DecodeString(secret)
	if !ok || CheckKioskID(id) != nil || err != nil || len(b) != 32 {
		return Credential{}, hailong.Errorf(hailong.EUNAUTHORIZED, "The kiosk credential is malformed.")
	}
	return Credential{Kiosk: id, Secret: secret}, nil
}

// SecretHash is what the aggregator stores of a credential.
func (c Credential) SecretHash() []byte {
	h := sha256.Sum256([]byte(c.Secret))
	return h[:]
}
