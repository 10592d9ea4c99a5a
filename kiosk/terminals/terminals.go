// Package terminals is who may record ratings and issue rating links at a
// kiosk node: the centre's screens (lobby touchscreens, counter tablets),
// each paired by an administrator through a short code it shows, and the
// one-stop software, given a credential. Each holds a device token; the
// node stores only the token's SHA-256, answers a check from memory
// (a rating's path stays within its few milliseconds) and keeps every
// pairing, revoked ones included, for the list.
package terminals

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"hailong"
)

// Kind is what a paired terminal is.
type Kind string

// Kinds of terminal.
const (
	// Screen is a browser on a lobby touchscreen or a counter tablet,
	// paired by the code it shows.
	Screen Kind = "screen"
	// Software is the centre's one-stop software (phần mềm một cửa),
	// given a credential by an administrator: it issues rating links and
	// opens ratings at counters.
	Software Kind = "software"
)

// Terminal is one pairing.
type Terminal struct {
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Name is what the administrator called it ("Quầy 3", "Sảnh").
	Name string `json:"name"`
	// Counter is the counter a screen stands at, empty for a lobby
	// screen: a counter's tablet shows the ratings opened at its counter
	// and may issue links.
	Counter string     `json:"counter,omitempty"`
	Paired  time.Time  `json:"paired"`
	Revoked *time.Time `json:"revoked,omitempty"`
	// Hash is the hex SHA-256 of the token's secret.
	Hash string `json:"hash,omitempty"`
}

// Active reports whether the pairing holds.
func (t *Terminal) Active() bool { return t.Revoked == nil }

// Store keeps pairing records durably (the node's bolt file).
type Store interface {
	PutTerminal(id string, record []byte) error
	Terminals(fn func(id string, record []byte) error) error
}

// CodeTTL is how long a code shown on an unpaired screen may be paired.
const CodeTTL = 15 * time.Minute

// maxPending bounds the codes waiting at once: screens are few. Past it,
// or past maxPendingPerAddr from one address, the oldest code not paired
// yet gives way to the new one, rather than the node refusing every new
// screen: anyone on the LAN may ask for codes, and a loop of requests
// without cookies kept every screen from pairing for good.
const (
	maxPending        = 256
	maxPendingPerAddr = 4
)

// codeAlphabet has no letters or digits easily taken for one another
// (0/O, 1/I/L).
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// CodeLength is how many characters a pairing code has: about 2^30 codes,
// and only an administrator holding the node's admin secret can try one.
const CodeLength = 6

// tokenPrefix starts every device token, so that logs and scanners can
// tell one.
const tokenPrefix = "hlt_"

// Registry holds the pairings and the codes waiting to be paired.
type Registry struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
	// AutoPair pairs every screen that asks at once: only for the demo,
	// where nobody is there to type codes.
	autoPair bool

	mu      sync.RWMutex
	byID    map[string]*Terminal
	pending map[string]*pending // by code
	byAsker map[string]string   // SHA-256 of the asking browser's key → code
}

type pending struct {
	code    string
	asker   string // hex SHA-256 of the asking browser's key
	addr    string // the asking browser's address
	expires time.Time
	token   string // set once paired, until the screen collects it
}

// Config configures a Registry.
type Config struct {
	Store  Store
	Logger *slog.Logger
	Now    func() time.Time
	// AutoPair pairs every screen that asks without an administrator:
	// for the demo only, never at a centre.
	AutoPair bool
}

// Open loads the pairings from the store.
func Open(cfg Config) (*Registry, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Registry{store: cfg.Store, log: cfg.Logger, now: cfg.Now, autoPair: cfg.AutoPair,
		byID: map[string]*Terminal{}, pending: map[string]*pending{}, byAsker: map[string]string{}}
	err := cfg.Store.Terminals(func(id string, record []byte) error {
		var t Terminal
		if err := json.Unmarshal(record, &t); err != nil {
			return fmt.Errorf("terminal %s: %w", id, err)
		}
		r.byID[id] = &t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load paired terminals: %w", err)
	}
	if cfg.AutoPair {
		r.log.Warn("EVERY SCREEN THAT ASKS IS PAIRED WITHOUT AN ADMINISTRATOR (demo): anyone on the network can record ratings")
	}
	return r, nil
}

// Check returns the active terminal a device token belongs to.
func (r *Registry) Check(token string) (*Terminal, bool) {
	id, secret, ok := splitToken(token)
	if !ok {
		return nil, false
	}
	r.mu.RLock()
	t := r.byID[id]
	r.mu.RUnlock()
	if t == nil || !t.Active() {
		return nil, false
	}
	sum := sha256.Sum256([]byte(secret))
	want, err := hex.DecodeString(t.Hash)
	if err != nil || subtle.ConstantTimeCompare(sum[:], want) != 1 {
		return nil, false
	}
	return t, true
}

func splitToken(token string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	return id, secret, ok && id != "" && secret != ""
}

// Code returns the pairing code for the browser holding key (a random
// secret it keeps in a cookie): the same code while it waits, a new one
// after it expires. addr is the browser's address. counter is the counter
// the screen asks to show: only AutoPair (the demo) pairs it there.
func (r *Registry) Code(key, addr, counter string) (string, error) {
	asker := hashHex(key)
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	if code, ok := r.byAsker[asker]; ok {
		return code, nil
	}
	fromAddr := 0
	for _, p := range r.pending {
		if p.addr == addr && p.token == "" {
			fromAddr++
		}
	}
	if fromAddr >= maxPendingPerAddr {
		r.dropOldest(func(p *pending) bool { return p.addr == addr })
	}
	if len(r.pending) >= maxPending && !r.dropOldest(func(*pending) bool { return true }) {
		return "", hailong.Errorf(hailong.ERATELIMITED, "Too many screens are waiting to be paired; try again in a few minutes.")
	}
	code := newCode()
	for r.pending[code] != nil {
		code = newCode()
	}
	p := &pending{code: code, asker: asker, addr: addr, expires: now.Add(CodeTTL)}
	r.pending[code], r.byAsker[asker] = p, code
	if r.autoPair {
		if hailong.CheckRef(counter) != nil {
			counter = ""
		}
		t, token, err := r.add(Screen, "auto-"+code, counter)
		if err != nil {
			return "", err
		}
		p.token = token
		r.log.Warn("demo: screen paired without an administrator", "terminal", t.ID, "code", code)
	}
	return code, nil
}

// dropOldest forgets the oldest code not paired yet among those of which
// is true, and tells whether there was one; r.mu is held. A paired code
// stays until its screen collects its token.
func (r *Registry) dropOldest(which func(*pending) bool) bool {
	var oldest *pending
	for _, p := range r.pending {
		if p.token == "" && which(p) && (oldest == nil || p.expires.Before(oldest.expires)) {
			oldest = p
		}
	}
	if oldest == nil {
		return false
	}
	delete(r.pending, oldest.code)
	delete(r.byAsker, oldest.asker)
	return true
}

// Collect returns the device token of the browser holding key once an
// administrator has paired its code, and forgets the code: a token is
// handed out once.
func (r *Registry) Collect(key string) (token string, ok bool) {
	asker := hashHex(key)
	r.mu.Lock()
	defer r.mu.Unlock()
	code, ok := r.byAsker[asker]
	if !ok {
		return "", false
	}
	p := r.pending[code]
	if p.token == "" {
		return "", false
	}
	delete(r.pending, code)
	delete(r.byAsker, asker)
	return p.token, true
}

// Pair pairs the screen showing code, under name, at counter (empty for a
// lobby screen).
func (r *Registry) Pair(code, name, counter string) (Terminal, error) {
	if err := checkNames(name, counter); err != nil {
		return Terminal{}, err
	}
	code = strings.ToUpper(strings.TrimSpace(strings.ReplaceAll(code, "-", "")))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(r.now())
	p := r.pending[code]
	if p == nil || p.token != "" {
		return Terminal{}, hailong.Invalid("No screen shows this code.", hailong.FieldError{Field: "code", Message: "no screen waiting to be paired shows this code; it may have expired (a code lasts 15 minutes): reload the screen to see a new one"})
	}
	t, token, err := r.add(Screen, name, counter)
	if err != nil {
		return Terminal{}, err
	}
	p.token = token
	p.expires = r.now().Add(CodeTTL) // time for the screen to collect it
	return t, nil
}

// Issue gives the one-stop software (or a screen set up by hand) a device
// token, returned once.
func (r *Registry) Issue(kind Kind, name, counter string) (Terminal, string, error) {
	if kind != Screen && kind != Software {
		return Terminal{}, "", hailong.Invalid("Unknown kind of terminal.", hailong.FieldError{Field: "kind", Message: "must be screen or software"})
	}
	if err := checkNames(name, counter); err != nil {
		return Terminal{}, "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.add(kind, name, counter)
}

// add makes and stores a terminal; r.mu is held.
func (r *Registry) add(kind Kind, name, counter string) (Terminal, string, error) {
	id := randomHex(6)
	secret := randomToken()
	t := &Terminal{ID: id, Kind: kind, Name: name, Counter: counter, Paired: r.now().UTC().Truncate(time.Second), Hash: hashHex(secret)}
	if err := r.put(t); err != nil {
		return Terminal{}, "", err
	}
	r.byID[id] = t
	return *t, tokenPrefix + id + "_" + secret, nil
}

// Revoke ends a pairing at once; its record stays in the list.
func (r *Registry) Revoke(id string) (Terminal, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.byID[id]
	if t == nil {
		return Terminal{}, hailong.Errorf(hailong.ENOTFOUND, "No terminal %q is paired with this node.", id)
	}
	if !t.Active() {
		return *t, nil
	}
	c := *t
	at := r.now().UTC().Truncate(time.Second)
	c.Revoked = &at
	if err := r.put(&c); err != nil {
		return Terminal{}, err
	}
	r.byID[id] = &c
	return c, nil
}

// List returns every pairing, active first, then by name.
func (r *Registry) List() []Terminal {
	r.mu.RLock()
	out := make([]Terminal, 0, len(r.byID))
	for _, t := range r.byID {
		out = append(out, *t)
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b Terminal) int {
		if a.Active() != b.Active() {
			if a.Active() {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name+"\x00"+a.ID, b.Name+"\x00"+b.ID)
	})
	return out
}

func (r *Registry) put(t *Terminal) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return r.store.PutTerminal(t.ID, b)
}

// expire forgets codes past their time; r.mu is held.
func (r *Registry) expire(now time.Time) {
	for code, p := range r.pending {
		if now.After(p.expires) {
			delete(r.pending, code)
			delete(r.byAsker, p.asker)
		}
	}
}

func checkNames(name, counter string) error {
	var fields []hailong.FieldError
	if err := hailong.CheckRef(name); err != nil {
		fields = append(fields, hailong.FieldError{Field: "name", Message: err.Error()})
	}
	if counter != "" {
		if err := hailong.CheckRef(counter); err != nil {
			fields = append(fields, hailong.FieldError{Field: "counter", Message: err.Error()})
		}
	}
	if len(fields) > 0 {
		return hailong.Invalid("The terminal cannot be paired.", fields...)
	}
	return nil
}

func newCode() string {
	b := make([]byte, CodeLength)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewKey returns a random key for a browser asking to be paired.
func NewKey() string { return randomToken() }

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
