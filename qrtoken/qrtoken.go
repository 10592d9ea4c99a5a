// Package qrtoken makes and checks the one-time rating links printed as QR
// codes on receipts. A token is bound to a dossier, its procedure, official,
// counter, unit and issuing kiosk, carries an expiry, and is signed with the
// kiosk's own Ed25519 key: the kiosk issues tokens offline, and the
// aggregator checks them with the kiosk's public key without asking it.
//
// Format: base64url(payload) "." base64url(signature). The payload is a
// compact binary record (version, kind, expiry, nonce, then length-prefixed
// strings), so the link and its QR code stay small enough to scan easily
// from a printed receipt.
package qrtoken

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"hailong"
)

const version = 1

// Kinds of token.
const (
	// Dossier tokens are printed on a receipt for one dossier; they rate once.
	Dossier byte = 1
	// WalkIn tokens are shown on a lobby screen for citizens without a
	// dossier; each scan rates once, a token a limited number of times.
	WalkIn byte = 2
)

// Errors of Parse and Verify.
var (
	ErrMalformed = errors.New("token is malformed or truncated")
	ErrSignature = errors.New("token signature does not verify")
	ErrExpired   = errors.New("token has expired")
)

// Claims is what a token binds.
type Claims struct {
	Kind      byte
	Kiosk     string
	Unit      string
	Dossier   string
	Procedure string
	Official  string
	Counter   string
	Expires   time.Time // whole seconds
	Nonce     [8]byte
}

// KeyFromSecret derives a kiosk's signing key from its credential secret
// (base64url of 32 bytes), so that one credential serves both uploads and
// links. The aggregator derives the public key once, at enrolment.
func KeyFromSecret(secret string) (ed25519.PrivateKey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(raw) != 32 {
		return nil, errors.New("kiosk secret must be base64url of 32 bytes")
	}
	seed, err := hkdf.Key(sha256.New, raw, nil, "hailong qr-token ed25519 v1", ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// Sign makes a token; a zero nonce is filled with random bytes.
func Sign(key ed25519.PrivateKey, c Claims) (string, error) {
	if c.Nonce == [8]byte{} {
		if _, err := rand.Read(c.Nonce[:]); err != nil {
			return "", err
		}
	}
	var b bytes.Buffer
	b.WriteByte(version)
	b.WriteByte(c.Kind)
	_ = binary.Write(&b, binary.BigEndian, uint32(c.Expires.Unix()))
	b.Write(c.Nonce[:])
	for _, s := range []string{c.Kiosk, c.Unit, c.Dossier, c.Procedure, c.Official, c.Counter} {
		if len(s) > 255 {
			return "", fmt.Errorf("token field %q is too long", s)
		}
		b.WriteByte(byte(len(s)))
		b.WriteString(s)
	}
	payload := b.Bytes()
	sig := ed25519.Sign(key, payload)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Parse reads a token's claims without checking the signature, so the
// caller can find the issuing kiosk's key. Use Verify before trusting them.
func Parse(token string) (Claims, error) {
	c, _, _, err := parse(token)
	return c, err
}

func parse(token string) (c Claims, payload, sig []byte, err error) {
	p, s, ok := strings.Cut(token, ".")
	if !ok || len(token) > 1024 {
		return c, nil, nil, ErrMalformed
	}
	if payload, err = base64.RawURLEncoding.DecodeString(p); err != nil {
		return c, nil, nil, ErrMalformed
	}
	if sig, err = base64.RawURLEncoding.DecodeString(s); err != nil || len(sig) != ed25519.SignatureSize {
		return c, nil, nil, ErrMalformed
	}
	r := bytes.NewReader(payload)
	var head struct {
		Version, Kind byte
		Expires       uint32
		Nonce         [8]byte
	}
	if err := binary.Read(r, binary.BigEndian, &head); err != nil || head.Version != version || (head.Kind != Dossier && head.Kind != WalkIn) {
		return c, nil, nil, ErrMalformed
	}
	c.Kind, c.Expires, c.Nonce = head.Kind, time.Unix(int64(head.Expires), 0).UTC(), head.Nonce
	for _, dst := range []*string{&c.Kiosk, &c.Unit, &c.Dossier, &c.Procedure, &c.Official, &c.Counter} {
		n, err := r.ReadByte()
		if err != nil {
			return c, nil, nil, ErrMalformed
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return c, nil, nil, ErrMalformed
		}
		*dst = string(buf)
	}
	if r.Len() != 0 || c.Kiosk == "" || c.Unit == "" {
		return c, nil, nil, ErrMalformed
	}
	return c, payload, sig, nil
}

// Verify checks the token's signature with the issuing kiosk's public key
// and its expiry at now.
func Verify(pub ed25519.PublicKey, token string, now time.Time) (Claims, error) {
	c, payload, sig, err := parse(token)
	if err != nil {
		return c, err
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, payload, sig) {
		return c, ErrSignature
	}
	if !now.Before(c.Expires) {
		return c, ErrExpired
	}
	return c, nil
}

// RatingID is the id of the one rating a dossier token allows: the
// dossier's (DossierRatingID), so that every link printed for a dossier, and
// a rating of it at the counter's tablet, is the same one rating. Deriving
// it makes single use a matter of the database's unique _id: two
// simultaneous submissions cannot both be stored.
func (c Claims) RatingID() string {
	return DossierRatingID(c.Unit, c.Dossier)
}

// DossierRatingID is the id of the one rating a dossier of a unit may
// have, whatever the channel: a QR link's, or a kiosk rating bound to the
// dossier at its counter. A second rating of the dossier, by another link
// or at the counter, has the same id and other content: the node or the
// aggregator refuses it as a conflict ("already rated"), so none is counted
// twice.
//
// The id is made from the code as hailong.NormalizeDossierCode writes it,
// under which two spellings of one code are the same dossier: made from
// the code as typed, "h15.50.05.13-261008-0975", or the same code with an
// en dash, was a second rating of the dossier, counted as well.
func DossierRatingID(unit, dossier string) string {
	return dossierRatingID(unit, hailong.NormalizeDossierCode(dossier))
}

// LegacyDossierRatingID is the id versions before DossierRatingID
// normalised the code gave a dossier's rating: the same for a code already
// in normal form, another for one typed in lower case or with another
// dash. Ratings made by such a version (in a kiosk's queue, or by a node
// not upgraded yet) carry it, and are still the dossier's own rating; a
// later rating of the dossier under the same spelling is refused as
// rated already (the aggregator asks for both ids). One under another
// spelling is not recognised: nothing indexes ratings by dossier.
func LegacyDossierRatingID(unit, dossier string) string {
	return dossierRatingID(unit, dossier)
}

// IsDossierRatingID reports whether id is the id of the one rating of the
// dossier named by that code in unit, as this version or an earlier one
// made it.
func IsDossierRatingID(id, unit, dossier string) bool {
	return dossier != "" && (id == DossierRatingID(unit, dossier) || id == LegacyDossierRatingID(unit, dossier))
}

func dossierRatingID(unit, dossier string) string {
	h := sha256.New()
	h.Write([]byte("hailong dossier rating v1\x00" + unit + "\x00" + dossier))
	var u uuid.UUID
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x80 // version 8: custom
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 9562 variant
	return u.String()
}

// IsRatingID reports whether id has the form of a rating id derived from a
// link (a UUID of version 8). Ratings of any other way have ids of another
// version, so that nobody can take a citizen's link by posting a rating
// under its id.
func IsRatingID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.Version() == 8
}
