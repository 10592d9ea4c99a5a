package access

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"hailong"
)

// Argon2id parameters. RFC 9106's second recommendation (t=3, 64 MiB, p=4)
// took 203 ms a hash on the 2-core build machine, over our budget of 100 ms
// for a sign-in; these took 68 ms there (go test, 5 runs, 30 Nov 2026),
// well above OWASP's minimum (19 MiB, t=2, p=1). Stored hashes carry their
// own parameters (PHC string), so raising these later keeps old hashes
// valid; a sign-in with old parameters rehashes the password.
const (
	argonTime    = 3
	argonMemory  = 32 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashSlots bounds concurrent hashes: each takes argonMemory of RAM and both
// cores, so a burst of sign-ins queues instead of exhausting memory.
var hashSlots = make(chan struct{}, 2)

func acquireHash(ctx context.Context) error {
	select {
	case hashSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func releaseHash() { <-hashSlots }

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of password:
// $argon2id$v=19$m=32768,t=3,p=2$<salt>$<hash>.
func HashPassword(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	if err := acquireHash(ctx); err != nil {
		return "", err
	}
	defer releaseHash()
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parsePHC(s string) (phc, error) {
	var h phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, fmt.Errorf("not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return h, fmt.Errorf("argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &h.threads); err != nil {
		return h, fmt.Errorf("argon2 parameters %q: %w", parts[3], err)
	}
	// Bound what a stored hash may ask of us: a corrupted or planted
	// document must not make a sign-in allocate gigabytes.
	if h.memory == 0 || h.memory > 1<<20 || h.time == 0 || h.time > 16 || h.threads == 0 {
		return h, fmt.Errorf("argon2 parameters %q out of range", parts[3])
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil {
		return h, fmt.Errorf("argon2 salt: %w", err)
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 {
		return h, fmt.Errorf("argon2 hash: %v", err)
	}
	return h, nil
}

// verifyPassword reports whether password matches the PHC string encoded,
// comparing in constant time, and whether the hash should be redone with
// the current parameters.
func verifyPassword(ctx context.Context, encoded, password string) (ok, rehash bool, err error) {
	h, err := parsePHC(encoded)
	if err != nil {
		return false, false, err
	}
	if err := acquireHash(ctx); err != nil {
		return false, false, err
	}
	defer releaseHash()
	key := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	ok = subtle.ConstantTimeCompare(key, h.key) == 1
	rehash = h.memory != argonMemory || h.time != argonTime || h.threads != argonThreads || len(h.key) != argonKeyLen
	return ok, rehash, nil
}

// Password policy.
const (
	minPasswordLen = 12
	maxPasswordLen = 256
)

// checkPassword applies the password policy: 12 to 256 characters, not the
// username, and at least two kinds of character among letters, digits and
// others (so neither "aaaaaaaaaaaa" nor "123456789012" passes). Length is
// what matters most; the rest turns away the worst choices without rules
// people work around.
func checkPassword(username, password string) error {
	bad := func(format string, args ...any) error {
		return hailong.Invalid("The password does not meet the policy.", hailong.Fieldf("password", format, args...))
	}
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return bad("The password is not valid UTF-8.")
	case n < minPasswordLen:
		return bad("Use at least %d characters.", minPasswordLen)
	case n > maxPasswordLen:
		return bad("Use at most %d characters.", maxPasswordLen)
	case strings.EqualFold(password, username):
		return bad("The password must not be the username.")
	}
	var letters, digits, others bool
	distinct := map[rune]bool{}
	for _, r := range password {
		distinct[r] = true
		switch {
		case unicode.IsLetter(r):
			letters = true
		case unicode.IsDigit(r):
			digits = true
		default:
			others = true
		}
	}
	kinds := 0
	for _, k := range []bool{letters, digits, others} {
		if k {
			kinds++
		}
	}
	if kinds < 2 {
		return bad("Mix at least two kinds of character: letters, digits, other signs.")
	}
	if len(distinct) < 5 {
		return bad("Use at least 5 different characters.")
	}
	return nil
}

// GeneratePassword returns a random password that meets the policy: 26
// characters of base32 (128 bits), easy to read out and type.
func GeneratePassword() string {
	for {
		if p := rand.Text(); checkPassword("", p) == nil {
			return p
		}
	}
}
