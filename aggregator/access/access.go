// Package access decides who may do what: users and their roles and
// scopes, sign-in with throttling, server-side sessions, API tokens, the one
// scope check every query passes through, and the audit log. It has no HTTP:
// the web server calls it.
//
// One aggregator process owns the access state (DESIGN.md: one writer), so
// after Load memory is authoritative: a request pays no database read.
// Changes (users, sign-ins, revocations) are written through at once;
// what changes on every request (a session's last activity, a token's last
// use) is written behind by Flush.
package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"hailong"
	"hailong/hierarchy"
)

// Store keeps users, roles, sessions, tokens and the audit log. Lists are
// read whole at Load; writes replace one small document by its id.
type Store interface {
	Users(ctx context.Context) ([]hailong.User, error)
	// AddUser inserts a user; an existing username is an ECONFLICT.
	AddUser(ctx context.Context, u hailong.User) error
	// PutUser replaces a stored user.
	PutUser(ctx context.Context, u hailong.User) error

	Roles(ctx context.Context) ([]hailong.Role, error)
	PutRole(ctx context.Context, r hailong.Role) error

	Sessions(ctx context.Context) ([]Session, error)
	AddSession(ctx context.Context, s Session) error
	// PutSessions replaces sessions (their last activity).
	PutSessions(ctx context.Context, ss []Session) error
	DeleteSessions(ctx context.Context, ids []string) error

	StoredTokens(ctx context.Context) ([]StoredToken, error)
	AddToken(ctx context.Context, t StoredToken) error
	// PutTokens replaces tokens (revocation, last use).
	PutTokens(ctx context.Context, ts []StoredToken) error

	AddEvent(ctx context.Context, e Event) error
	// Events returns events at or after since, newest first, at most limit.
	Events(ctx context.Context, since time.Time, limit int) ([]Event, error)
}

// Session is a stored sign-in. Only the SHA-256 of the session token is
// kept: a copy of the database does not let anyone act as a user.
type Session struct {
	ID         string // hex SHA-256 of the token
	Username   string
	Generation int64 // the user's generation when signed in
	Created    time.Time
	Expires    time.Time // absolute end
	Seen       time.Time // last activity; idle expiry counts from it
	Addr       string

	written time.Time // Seen as last written to the store
}

// Token is an API token, without its secret.
type Token struct {
	ID, Owner, Name, Scope string
	Permissions            []hailong.Permission
	Created, Expires       time.Time
	LastUsed               *time.Time
	Revoked                bool
}

// StoredToken is a token as stored: with the SHA-256 of its secret.
type StoredToken struct {
	Token
	Hash []byte
}

// Event is one entry of the audit log: who (Actor), what (Action), on what
// (Target), when, from where, and whether it succeeded.
type Event struct {
	At                                  time.Time
	Actor, Action, Target, Detail, Addr string
	OK                                  bool
	// Scopes are the scopes the event's actor and target (when they are
	// users) had when it happened, a user's scope before and after when
	// the event moved them: an administrator of a narrower scope reads the
	// events with one of these in it (AuditLog). A user moved later does
	// not take their history to their new administrator, nor leave it
	// with none. Record fills them in.
	Scopes []string
	// Scoped tells that Scopes were recorded with the event: events of
	// versions before them are read by their users' current scopes.
	Scoped bool
}

// Audit actions.
const (
	ActionLogin          = "login"
	ActionLoginExternal  = "login.external"
	ActionLogout         = "logout"
	ActionPasswordChange = "password.change"
	ActionPasswordSet    = "password.set"
	ActionUserAdd        = "user.add"
	ActionUserUpdate     = "user.update"
	ActionTokenAdd       = "token.add"
	ActionTokenRevoke    = "token.revoke"
)

// Config configures a Service.
type Config struct {
	Store  Store
	Units  func() *hierarchy.Tree
	Now    func() time.Time
	Logger *slog.Logger
	// SessionTTL is a session's absolute lifetime, 12 hours by default.
	SessionTTL time.Duration
	// IdleTTL ends a session unused this long, 2 hours by default.
	IdleTTL time.Duration
}

// Defaults.
const (
	DefaultSessionTTL = 12 * time.Hour
	DefaultIdleTTL    = 2 * time.Hour
	// MaxTokenLife is the longest an API token may live.
	MaxTokenLife = 366 * 24 * time.Hour
)

// Service is the access control of one aggregator.
type Service struct {
	cfg      Config
	log      *slog.Logger
	throttle *throttle

	writeMu sync.Mutex // serialises changes of users and tokens, and Flush

	mu       sync.Mutex
	users    map[string]hailong.User
	roles    map[string]hailong.Role
	order    []string                // role names in stored order
	sessions map[string]*Session     // by ID
	tokens   map[string]*StoredToken // by ID
	dirtyS   map[string]bool         // sessions whose activity is not yet written
	dirtyT   map[string]bool         // tokens whose last use is not yet written
	expired  []string                // sessions ended in memory, not yet deleted in the store

	scopeMu   sync.RWMutex
	scopeTree *hierarchy.Tree
	scopes    map[scopeKey]map[string]struct{}

	dummyOnce sync.Once
	dummy     string
}

type scopeKey struct {
	scope       string
	asOf, today hailong.Date
}

// New returns a service; call Load before use.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.IdleTTL <= 0 {
		cfg.IdleTTL = DefaultIdleTTL
	}
	return &Service{
		cfg: cfg, log: cfg.Logger, throttle: newThrottle(),
		users: map[string]hailong.User{}, roles: map[string]hailong.Role{},
		sessions: map[string]*Session{}, tokens: map[string]*StoredToken{},
		dirtyS: map[string]bool{}, dirtyT: map[string]bool{},
		scopes: map[scopeKey]map[string]struct{}{},
	}
}

// Load reads users, roles, live sessions and tokens into memory, seeding
// the default roles if none are stored and deleting expired sessions.
func (s *Service) Load(ctx context.Context) error {
	users, err := s.cfg.Store.Users(ctx)
	if err != nil {
		return err
	}
	roles, err := s.cfg.Store.Roles(ctx)
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		roles = hailong.DefaultRoles()
		for _, r := range roles {
			if err := s.cfg.Store.PutRole(ctx, r); err != nil {
				return err
			}
		}
	}
	sessions, err := s.cfg.Store.Sessions(ctx)
	if err != nil {
		return err
	}
	tokens, err := s.cfg.Store.StoredTokens(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.users)
	for _, u := range users {
		s.users[u.Username] = u
	}
	clear(s.roles)
	s.order = s.order[:0]
	for _, r := range roles {
		s.roles[r.Name] = r
		s.order = append(s.order, r.Name)
	}
	clear(s.sessions)
	now := s.cfg.Now()
	for i := range sessions {
		ss := &sessions[i]
		ss.written = ss.Seen
		if s.liveLocked(ss, now) {
			s.sessions[ss.ID] = ss
		} else {
			s.expired = append(s.expired, ss.ID)
		}
	}
	clear(s.tokens)
	for i := range tokens {
		s.tokens[tokens[i].ID] = &tokens[i]
	}
	return nil
}

// Roles returns the roles, in stored order.
func (s *Service) Roles() []hailong.Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]hailong.Role, 0, len(s.order))
	for _, n := range s.order {
		r := s.roles[n]
		r.Permissions = append([]hailong.Permission(nil), r.Permissions...)
		out = append(out, r)
	}
	return out
}

// Record appends e to the audit log. It never fails the caller: an error
// is logged.
func (s *Service) Record(ctx context.Context, e Event) {
	if e.At.IsZero() {
		e.At = s.cfg.Now()
	}
	e.At = e.At.UTC()
	if e.Addr == "" {
		e.Addr = AddrOf(ctx)
	}
	e.Scopes, e.Scoped = s.scopesOf(e.Scopes, e.Actor, e.Target), true
	if err := s.cfg.Store.AddEvent(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("audit log write failed", "err", err, "actor", e.Actor, "action", e.Action, "target", e.Target, "ok", e.OK)
	}
}

type addrKey struct{}

// WithAddr returns a context carrying the network address a request came
// from: the events the service records while serving it (an administrator
// adding a user, a token made) say from where, without every method taking
// an address.
func WithAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, addrKey{}, addr)
}

// AddrOf returns the address WithAddr put in ctx, "" if none.
func AddrOf(ctx context.Context) string {
	a, _ := ctx.Value(addrKey{}).(string)
	return a
}

// scopesOf returns scopes with the current scope of each name that is a
// user's (an actor's name may carry its token: actorName), each once.
func (s *Service) scopesOf(scopes []string, names ...string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range names {
		name, _, _ = strings.Cut(name, " (token ")
		if u, ok := s.users[name]; ok && !slices.Contains(scopes, u.Scope) {
			scopes = append(scopes, u.Scope)
		}
	}
	return scopes
}

// AuditLog returns the events since a time, newest first, at most limit
// (1,000 when limit is not in 1..10,000). It needs PermAuditRead. An
// administrator whose scope is everything the aggregator serves (its one
// province) sees every event; one with a narrower scope (or a province's
// where the aggregator serves several) sees the events done by or to the
// users who were in that scope when it happened (Event.Scopes; not, say,
// the province admin's sign-ins, failed sign-ins for unknown names, or what
// a user did before being moved in), among the newest 10,000.
func (s *Service) AuditLog(ctx context.Context, actor *hailong.Principal, since time.Time, limit int) ([]Event, error) {
	if actor != nil && !actor.Can(hailong.PermAuditRead) {
		return nil, forbidden()
	}
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	if actor == nil || s.wholeScope(actor.Scope) {
		return s.cfg.Store.Events(ctx, since, limit)
	}
	evs, err := s.cfg.Store.Events(ctx, since, 10000)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	scopes := make(map[string]string, len(s.users))
	for n, u := range s.users {
		scopes[n] = u.Scope
	}
	s.mu.Unlock()
	// Events of versions that did not record scopes are read by their
	// users' scopes now.
	now := func(name string) bool {
		name, _, _ = strings.Cut(name, " (token ")
		sc, ok := scopes[name]
		return ok && s.within(actor, sc)
	}
	mine := func(e *Event) bool {
		if !e.Scoped {
			return now(e.Actor) || now(e.Target)
		}
		return slices.ContainsFunc(e.Scopes, func(sc string) bool { return s.within(actor, sc) })
	}
	out := evs[:0]
	for _, e := range evs {
		if len(out) == limit {
			break
		}
		if mine(&e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// wholeScope reports whether the scope is everything this aggregator
// serves: the one unit without a parent today. Where it serves several
// provinces, a province's administrator sees only the events of its own
// people, as any narrower scope does.
func (s *Service) wholeScope(scope string) bool {
	if s.cfg.Units == nil || s.cfg.Units() == nil {
		return false
	}
	tree, today := s.cfg.Units(), s.today()
	u, ok := tree.At(scope, today)
	return ok && u.Parent == "" && len(tree.Roots(today)) == 1
}

// actorName names an actor in the audit log: "cli" for the command line.
func actorName(p *hailong.Principal) string {
	if p == nil {
		return "cli"
	}
	if p.Via == "token" {
		return p.Username + " (token " + p.TokenID + ")"
	}
	return p.Username
}

func forbidden() error {
	return hailong.Errorf(hailong.EFORBIDDEN, "You may not do this.")
}

// newSecret returns 32 random bytes as base64url, and the hex SHA-256 of
// that text.
func newSecret() (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, hashHex(secret)
}

func hashHex(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
