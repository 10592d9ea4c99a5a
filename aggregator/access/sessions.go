package access

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"hailong"
)

// Messages of sign-in failures. One message for a wrong password and an
// unknown account, so that the answer does not tell which; pages translate
// by the error code.
const (
	msgBadLogin  = "Wrong username or password."
	msgThrottled = "Too many failed sign-in attempts. Wait a few minutes and try again."
	msgSignIn    = "Sign in again."
)

func badLogin() error  { return hailong.Errorf(hailong.EUNAUTHORIZED, msgBadLogin) }
func throttled() error { return hailong.Errorf(hailong.ERATELIMITED, msgThrottled) }
func signInAgain() error {
	return hailong.Errorf(hailong.EUNAUTHORIZED, msgSignIn)
}

// auditName bounds what an anonymous caller may write into the audit log
// as a username: valid UTF-8, no control characters, at most 64 bytes.
func auditName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if len(s) > 64 {
		s = strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}

// Login checks a username and password and starts a session. A wrong
// password and an unknown account get the same EUNAUTHORIZED and take the
// same time (a dummy hash is verified for unknown accounts); throttled
// attempts (see throttle.go) get ERATELIMITED without being checked.
func (s *Service) Login(ctx context.Context, username, password, addr string) (string, *hailong.Principal, error) {
	name := strings.ToLower(strings.TrimSpace(username))
	if len(name) > 128 { // no account has such a name; bound the throttle's keys
		name = strings.ToValidUTF8(name[:128], "")
	}
	now := s.cfg.Now()
	fail := func(detail string, err error) (string, *hailong.Principal, error) {
		s.Record(ctx, Event{At: now, Actor: auditName(name), Action: ActionLogin, Target: auditName(name), Detail: detail, Addr: addr})
		return "", nil, err
	}
	at, _ := s.throttle.allowed(name, addr, now)
	if at == nil {
		return fail("throttled", throttled())
	}
	defer at.release() // decided below; this only covers a panic
	s.mu.Lock()
	u, known := s.users[name]
	s.mu.Unlock()
	hash := u.PasswordHash
	if !known || hash == "" {
		hash = s.dummyHash(ctx)
	}
	if len(password) > 4*maxPasswordLen { // bound the work an attacker may ask for
		password = password[:4*maxPasswordLen]
	}
	ok, rehash, err := verifyPassword(ctx, hash, password)
	if err != nil && known && u.PasswordHash != "" {
		s.log.Error("stored password hash unreadable", "user", name, "err", err)
	}
	if err != nil || !ok || !known || u.PasswordHash == "" || u.Disabled {
		at.failed(now)
		detail := "wrong username or password"
		if ok && known && u.Disabled {
			detail = "account disabled"
		}
		return fail(detail, badLogin())
	}
	at.succeeded()
	if rehash {
		s.rehash(ctx, name, u.PasswordHash, password)
	}
	token, p, err := s.startSession(ctx, name, addr, u.Generation)
	if err != nil {
		return "", nil, err
	}
	s.Record(ctx, Event{At: now, Actor: name, Action: ActionLogin, Target: name, Addr: addr, OK: true})
	return token, p, nil
}

// rehash stores the password under the current parameters, unless it
// changed since it was verified; a failure is
// only logged, the old hash still works.
func (s *Service) rehash(ctx context.Context, name, verified, password string) {
	h, err := HashPassword(ctx, password)
	if err != nil {
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	u, ok := s.users[name]
	s.mu.Unlock()
	if !ok || u.PasswordHash != verified { // changed meanwhile
		return
	}
	u.PasswordHash = h // the same password: the generation stays
	if err := s.cfg.Store.PutUser(ctx, u); err != nil {
		s.log.Warn("rehash password", "user", name, "err", err)
		return
	}
	s.mu.Lock()
	s.users[name] = u
	s.mu.Unlock()
}

func (s *Service) dummyHash(ctx context.Context) string {
	s.dummyOnce.Do(func() {
		h, err := HashPassword(ctx, GeneratePassword())
		if err != nil {
			// Keep the same cost with a fixed salt: it must only take as
			// long as a real verification.
			h = fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$c2FsdHNhbHRzYWx0c2FsdA$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ", argonMemory, argonTime, argonThreads)
		}
		s.dummy = h
	})
	return s.dummy
}

// LoginExternal starts a session for an existing, enabled local account
// whose identity was proved elsewhere (single sign-on).
//
// The name is the provider's, exactly: it is neither trimmed nor folded to
// lower case, and must be a valid local username as it stands. Unicode case
// folding would let a name the provider holds distinct (it may be
// case-sensitive, or editable by its owner) reach another account: the
// Kelvin sign "\u212A" lowers to "k", "İ" to "i", and TrimSpace removes a
// no-break space.
func (s *Service) LoginExternal(ctx context.Context, username, addr string) (string, *hailong.Principal, error) {
	name := username
	now := s.cfg.Now()
	u, known := hailong.User{}, false
	if usernameRE.MatchString(name) {
		s.mu.Lock()
		u, known = s.users[name]
		s.mu.Unlock()
	}
	if !known || u.Disabled {
		s.Record(ctx, Event{At: now, Actor: auditName(name), Action: ActionLoginExternal, Target: auditName(name), Detail: "no such enabled account", Addr: addr})
		return "", nil, hailong.Errorf(hailong.EUNAUTHORIZED, "There is no enabled account for this identity.")
	}
	token, p, err := s.startSession(ctx, name, addr, u.Generation)
	if err != nil {
		return "", nil, err
	}
	s.Record(ctx, Event{At: now, Actor: name, Action: ActionLoginExternal, Target: name, Addr: addr, OK: true})
	return token, p, nil
}

// startSession stores a new session of a user as of generation gen (when
// the credentials were checked) and returns its token. If the user changed
// meanwhile (a password reset during the sign-in), the session is refused.
func (s *Service) startSession(ctx context.Context, name, addr string, gen int64) (string, *hailong.Principal, error) {
	token, id := newSecret()
	now := s.cfg.Now()
	s.mu.Lock()
	u := s.users[name]
	s.mu.Unlock()
	if u.Generation != gen || u.Disabled {
		return "", nil, signInAgain()
	}
	ss := Session{ID: id, Username: name, Generation: gen, Created: now.UTC(), Expires: now.Add(s.cfg.SessionTTL).UTC(), Seen: now.UTC(), Addr: addr, written: now.UTC()}
	if err := s.cfg.Store.AddSession(ctx, ss); err != nil {
		return "", nil, fmt.Errorf("start session: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[id] = &ss
	p := s.principalLocked(u, "session")
	return token, p, nil
}

// principalLocked builds the principal of a user from its role.
func (s *Service) principalLocked(u hailong.User, via string) *hailong.Principal {
	return &hailong.Principal{Username: u.Username, Role: u.Role, Scope: u.Scope,
		Permissions: slices.Clone(s.roles[u.Role].Permissions), Via: via}
}

// liveLocked reports whether a session may still be used at now: not past
// its absolute or idle expiry, of an enabled user of the same generation.
func (s *Service) liveLocked(ss *Session, now time.Time) bool {
	if !now.Before(ss.Expires) || !now.Before(ss.Seen.Add(s.cfg.IdleTTL)) {
		return false
	}
	u, ok := s.users[ss.Username]
	return ok && !u.Disabled && u.Generation == ss.Generation
}

// seenResolution is how stale a session's stored last activity may be: it
// is written behind at most this often per session (each write scans the
// small collection on FerretDB). After a crash a session may therefore end
// up to this much (plus the flush interval) earlier than its idle expiry.
const seenResolution = 5 * time.Minute

// Session returns the principal of a session token, from memory. It renews
// the idle expiry; the store learns it at the next Flush.
func (s *Service) Session(ctx context.Context, sessionToken string) (*hailong.Principal, error) {
	if sessionToken == "" || len(sessionToken) > 128 {
		return nil, signInAgain()
	}
	id := hashHex(sessionToken)
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[id]
	if !ok {
		return nil, signInAgain()
	}
	if !s.liveLocked(ss, now) {
		delete(s.sessions, id)
		delete(s.dirtyS, id)
		s.expired = append(s.expired, id)
		return nil, signInAgain()
	}
	ss.Seen = now.UTC()
	if ss.Seen.Sub(ss.written) >= seenResolution {
		s.dirtyS[id] = true
	}
	return s.principalLocked(s.users[ss.Username], "session"), nil
}

// Logout ends a session; an unknown token is not an error.
func (s *Service) Logout(ctx context.Context, sessionToken string) error {
	id := hashHex(sessionToken)
	s.mu.Lock()
	ss, ok := s.sessions[id]
	delete(s.sessions, id)
	delete(s.dirtyS, id)
	s.mu.Unlock()
	if !ok {
		return nil
	}
	s.Record(ctx, Event{Actor: ss.Username, Action: ActionLogout, Target: ss.Username, Addr: ss.Addr, OK: true})
	if err := s.cfg.Store.DeleteSessions(ctx, []string{id}); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// endSessionsLocked forgets every session of a user whose generation is
// not gen, returning their ids for deletion from the store.
func (s *Service) endSessionsLocked(name string, gen int64) []string {
	var ids []string
	for id, ss := range s.sessions {
		if ss.Username == name && ss.Generation != gen {
			ids = append(ids, id)
			delete(s.sessions, id)
			delete(s.dirtyS, id)
		}
	}
	return ids
}

// ChangePassword changes the password of the signed-in user: it checks the
// old one (a failure counts towards the throttle, like a failed sign-in),
// ends every session of the user and starts a fresh one for the caller.
func (s *Service) ChangePassword(ctx context.Context, p *hailong.Principal, old, new, addr string) (string, error) {
	if p == nil || p.Via != "session" {
		return "", hailong.Errorf(hailong.EFORBIDDEN, "Only a signed-in user may change their password.")
	}
	name := p.Username
	now := s.cfg.Now()
	fail := func(detail string, err error) (string, error) {
		s.Record(ctx, Event{At: now, Actor: name, Action: ActionPasswordChange, Target: name, Detail: detail, Addr: addr})
		return "", err
	}
	at, _ := s.throttle.allowed(name, addr, now)
	if at == nil {
		return fail("throttled", throttled())
	}
	defer at.release()
	s.mu.Lock()
	u, known := s.users[name]
	s.mu.Unlock()
	if !known || u.Disabled || u.PasswordHash == "" {
		return fail("no password to change", hailong.Errorf(hailong.EFORBIDDEN, "This account has no password to change."))
	}
	ok, _, err := verifyPassword(ctx, u.PasswordHash, old)
	if err != nil || !ok {
		at.failed(now)
		return fail("wrong current password", hailong.Invalid("The current password is wrong.", hailong.FieldError{Field: "old", Message: "The current password is wrong."}))
	}
	// A right current password is no sign-in: the reservation is only
	// released, the count stays as it was.
	at.release()
	if err := checkPassword(name, new); err != nil {
		return fail("policy", err)
	}
	if err := s.setPassword(ctx, name, new); err != nil {
		return "", err
	}
	s.mu.Lock()
	gen := s.users[name].Generation
	s.mu.Unlock()
	token, _, err := s.startSession(ctx, name, addr, gen)
	if err != nil {
		return "", err
	}
	s.Record(ctx, Event{At: now, Actor: name, Action: ActionPasswordChange, Target: name, Addr: addr, OK: true})
	return token, nil
}

// setPassword hashes and stores a password, bumping the generation: every
// session of the user ends.
func (s *Service) setPassword(ctx context.Context, name, password string) error {
	h, err := HashPassword(ctx, password)
	if err != nil {
		return err
	}
	return s.changeUser(ctx, name, func(u *hailong.User) { u.PasswordHash = h })
}

// changeUser applies change to a stored user, bumps its generation and ends
// its sessions, in memory and in the store.
func (s *Service) changeUser(ctx context.Context, name string, change func(*hailong.User)) error {
	// writeMu serialises changes of users; mu is not held across the
	// store's write, so requests are not held up by it.
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	u, ok := s.users[name]
	s.mu.Unlock()
	if !ok {
		return hailong.Errorf(hailong.ENOTFOUND, "There is no user %q.", name)
	}
	change(&u)
	u.Generation++
	if err := s.cfg.Store.PutUser(ctx, u); err != nil {
		return fmt.Errorf("update user %s: %w", name, err)
	}
	s.mu.Lock()
	s.users[name] = u
	ids := s.endSessionsLocked(name, u.Generation)
	s.mu.Unlock()
	if len(ids) > 0 {
		if err := s.cfg.Store.DeleteSessions(ctx, ids); err != nil {
			// Memory is authoritative: the sessions are already refused.
			// Load refuses them too (by generation) and the next Purge
			// deletes them.
			s.log.Warn("delete ended sessions", "user", name, "err", err)
			s.mu.Lock()
			s.expired = append(s.expired, ids...)
			s.mu.Unlock()
		}
	}
	return nil
}

// Flush writes behind what requests changed in memory: sessions' last
// activity, tokens' last use, and the deletion of sessions found expired.
func (s *Service) Flush(ctx context.Context) error {
	// writeMu keeps a token's last use, snapshotted here, from overwriting
	// its revocation written meanwhile.
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	var ss []Session
	for id := range s.dirtyS {
		if x, ok := s.sessions[id]; ok {
			x.written = x.Seen
			ss = append(ss, *x)
		}
	}
	var ts []StoredToken
	for id := range s.dirtyT {
		if x, ok := s.tokens[id]; ok {
			t := *x
			t.Permissions = slices.Clone(t.Permissions)
			ts = append(ts, t)
		}
	}
	expired := s.expired
	clear(s.dirtyS)
	clear(s.dirtyT)
	s.expired = nil
	s.mu.Unlock()
	var errs []error
	if len(ss) > 0 {
		if err := s.cfg.Store.PutSessions(ctx, ss); err != nil {
			errs = append(errs, err)
			s.redirty(ss, nil, nil)
		}
	}
	if len(ts) > 0 {
		if err := s.cfg.Store.PutTokens(ctx, ts); err != nil {
			errs = append(errs, err)
			s.redirty(nil, ts, nil)
		}
	}
	if len(expired) > 0 {
		if err := s.cfg.Store.DeleteSessions(ctx, expired); err != nil {
			errs = append(errs, err)
			s.redirty(nil, nil, expired)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("flush access state: %w", errs[0])
	}
	return nil
}

func (s *Service) redirty(ss []Session, ts []StoredToken, expired []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range ss {
		s.dirtyS[x.ID] = true
	}
	for _, x := range ts {
		s.dirtyT[x.ID] = true
	}
	s.expired = append(s.expired, expired...)
}

// Purge ends sessions past their expiry and forgets stale throttle state;
// Flush then deletes the sessions from the store.
func (s *Service) Purge() {
	now := s.cfg.Now()
	s.throttle.prune(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, ss := range s.sessions {
		if !s.liveLocked(ss, now) {
			delete(s.sessions, id)
			delete(s.dirtyS, id)
			s.expired = append(s.expired, id)
		}
	}
}

// Run purges and flushes every interval until ctx ends. A crash loses at
// most an interval of activity: sessions then end up to that much earlier.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Purge()
			if err := s.Flush(ctx); err != nil {
				s.log.Warn("flush access state", "err", err)
			}
		}
	}
}
