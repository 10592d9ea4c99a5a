package access

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"hailong"
)

// TokenPrefix starts every API token: "hlt_<id>_<secret>". The prefix lets
// secret scanners recognise a leaked token; the id finds the stored token
// without a search; only the SHA-256 of the secret is stored.
const TokenPrefix = "hlt_"

func invalidToken() error {
	return hailong.Errorf(hailong.EUNAUTHORIZED, "The API token is not valid, has expired or was revoked.")
}

// parseToken splits "hlt_<id>_<secret>"; the id is hex, the secret
// base64url (which may itself contain '_').
func parseToken(tok string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(tok, TokenPrefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != 16 || len(secret) != 43 {
		return "", "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", "", false
	}
	return id, secret, true
}

// Bearer returns the principal of an "Authorization: Bearer hlt_…" header
// value. The token's rights are its own, narrowed to what its owner holds
// now: a token never outlives a demotion of its owner, and a token whose
// scope is no longer inside its owner's is refused.
func (s *Service) Bearer(ctx context.Context, authorization string) (*hailong.Principal, error) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, invalidToken()
	}
	id, secret, ok := parseToken(strings.TrimSpace(tok))
	if !ok {
		return nil, invalidToken()
	}
	sum := sha256.Sum256([]byte(secret))
	now := s.cfg.Now()
	s.mu.Lock()
	t, ok := s.tokens[id]
	if !ok || subtle.ConstantTimeCompare(sum[:], t.Hash) != 1 || t.Revoked || !now.Before(t.Expires) {
		s.mu.Unlock()
		return nil, invalidToken()
	}
	owner, ok := s.users[t.Owner]
	if !ok || owner.Disabled {
		s.mu.Unlock()
		return nil, invalidToken()
	}
	role := s.roles[owner.Role]
	p := &hailong.Principal{Username: owner.Username, Role: owner.Role, Scope: t.Scope, Via: "token", TokenID: t.ID}
	for _, perm := range t.Permissions {
		if role.Has(perm) {
			p.Permissions = append(p.Permissions, perm)
		}
	}
	used := now.UTC()
	t.LastUsed = &used
	s.dirtyT[id] = true
	s.mu.Unlock()
	if t.Scope != owner.Scope && !s.InScope(&hailong.Principal{Scope: owner.Scope}, t.Scope, hailong.DateOf(now)) {
		return nil, invalidToken()
	}
	return p, nil
}

// mayHandleTokens reports whether actor may make, list or revoke owner's
// tokens: its own with PermTokensOwn, anyone's in its scope whose role's
// rights it holds with PermUsersManage; the command line (nil) always.
func (s *Service) mayHandleTokens(actor *hailong.Principal, owner hailong.User) bool {
	if actor == nil {
		return true
	}
	if actor.Username == owner.Username && actor.Can(hailong.PermTokensOwn) {
		return true
	}
	return actor.Can(hailong.PermUsersManage) && s.within(actor, owner.Scope) && s.outranks(actor, owner)
}

// CreateToken makes an API token for owner and returns its text, shown
// only now. scope "" means the owner's; perms nil means the owner's role's.
// The scope must lie inside the owner's, the permissions within the
// owner's role; it must expire, within MaxTokenLife.
func (s *Service) CreateToken(ctx context.Context, actor *hailong.Principal, owner, name, scope string, perms []hailong.Permission, expires time.Time) (string, Token, error) {
	secret, t, err := s.createToken(ctx, actor, owner, name, scope, perms, expires)
	detail := fmt.Sprintf("id=%s name=%q scope=%s expires=%s", t.ID, t.Name, t.Scope, t.Expires.Format(time.DateOnly))
	if err != nil { // no token was made: what was asked for
		detail = fmt.Sprintf("name=%q scope=%s expires=%s", auditName(name), cmp.Or(auditName(scope), "(the owner's)"), askedExpiry(expires))
	}
	s.Record(ctx, Event{Actor: actorName(actor), Action: ActionTokenAdd, Target: auditName(owner), Detail: detail + errDetail(err), OK: err == nil})
	return secret, t, err
}

// askedExpiry is the expiry asked of a token, for the audit log.
func askedExpiry(t time.Time) string {
	if t.IsZero() {
		return "(none)"
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Service) createToken(ctx context.Context, actor *hailong.Principal, owner, name, scope string, perms []hailong.Permission, expires time.Time) (string, Token, error) {
	if actor != nil && actor.Via == "token" {
		return "", Token{}, hailong.Errorf(hailong.EFORBIDDEN, "An API token may not make tokens; sign in.")
	}
	s.mu.Lock()
	u, ok := s.users[owner]
	role := s.roles[u.Role]
	s.mu.Unlock()
	if !ok {
		if actor != nil && !actor.Can(hailong.PermUsersManage) {
			return "", Token{}, forbidden()
		}
		return "", Token{}, hailong.Errorf(hailong.ENOTFOUND, "There is no user %q.", owner)
	}
	if !s.mayHandleTokens(actor, u) {
		return "", Token{}, forbidden()
	}
	if u.Disabled {
		return "", Token{}, hailong.Errorf(hailong.EINVALID, "User %q is disabled.", owner)
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", Token{}, hailong.Invalid("The token needs a name.", hailong.Fieldf("name", "Name the token (1 to 100 characters), e.g. after the program that uses it."))
	}
	if scope == "" {
		scope = u.Scope
	}
	if scope != u.Scope && !s.InScope(&hailong.Principal{Scope: u.Scope}, scope, s.today()) {
		return "", Token{}, hailong.Invalid("The token's scope must lie inside its owner's.", hailong.FieldError{Field: "scope", Message: fmt.Sprintf("Unit %q is not inside %q.", scope, u.Scope)})
	}
	if perms == nil {
		perms = slices.Clone(role.Permissions)
	}
	for _, p := range perms {
		if !role.Has(p) {
			return "", Token{}, hailong.Invalid("The token may not have more rights than its owner.", hailong.FieldError{Field: "permissions", Message: fmt.Sprintf("The owner's role does not grant %q.", p)})
		}
	}
	if len(perms) == 0 {
		return "", Token{}, hailong.Invalid("The token needs at least one permission.", hailong.FieldError{Field: "permissions", Message: "Give at least one permission."})
	}
	now := s.cfg.Now()
	if !expires.After(now) || expires.Sub(now) > MaxTokenLife {
		return "", Token{}, hailong.Invalid("The token must expire within a year.", hailong.FieldError{Field: "expires", Message: "Choose an expiry in the future, at most a year from now."})
	}
	idb := make([]byte, 8)
	rand.Read(idb)
	secret, _ := newSecret()
	sum := sha256.Sum256([]byte(secret))
	slices.Sort(perms)
	st := StoredToken{Token: Token{ID: hex.EncodeToString(idb), Owner: owner, Name: name, Scope: scope,
		Permissions: slices.Compact(perms), Created: now.UTC(), Expires: expires.UTC()}, Hash: sum[:]}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.cfg.Store.AddToken(ctx, st); err != nil {
		return "", Token{}, fmt.Errorf("store token: %w", err)
	}
	s.mu.Lock()
	s.tokens[st.ID] = &st
	s.mu.Unlock()
	return TokenPrefix + st.ID + "_" + secret, copyToken(st.Token), nil
}

func copyToken(t Token) Token {
	t.Permissions = slices.Clone(t.Permissions)
	if t.LastUsed != nil {
		lu := *t.LastUsed
		t.LastUsed = &lu
	}
	return t
}

// RevokeToken refuses a token from now on.
func (s *Service) RevokeToken(ctx context.Context, actor *hailong.Principal, id string) error {
	owner, err := s.revokeToken(ctx, actor, id)
	s.Record(ctx, Event{Actor: actorName(actor), Action: ActionTokenRevoke, Target: auditName(owner),
		Detail: "id=" + auditName(id) + errDetail(err), OK: err == nil})
	return err
}

func (s *Service) revokeToken(ctx context.Context, actor *hailong.Principal, id string) (string, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	t, ok := s.tokens[id]
	var st StoredToken
	var u hailong.User
	if ok {
		st = *t
		st.Token = copyToken(st.Token)
		u = s.users[t.Owner]
	}
	s.mu.Unlock()
	if !ok {
		return "", hailong.Errorf(hailong.ENOTFOUND, "There is no token %q.", id)
	}
	if u.Username == "" {
		u.Username = st.Owner
	}
	if !s.mayHandleTokens(actor, u) {
		return st.Owner, forbidden()
	}
	st.Revoked = true
	if err := s.cfg.Store.PutTokens(ctx, []StoredToken{st}); err != nil {
		return st.Owner, fmt.Errorf("revoke token: %w", err)
	}
	s.mu.Lock()
	t.Revoked = true
	s.mu.Unlock()
	return st.Owner, nil
}

// Tokens lists tokens, newest first: of owner, or when owner is "" every
// token the actor may see (its own, and with PermUsersManage those of the
// users in its scope).
func (s *Service) Tokens(ctx context.Context, actor *hailong.Principal, owner string) ([]Token, error) {
	s.mu.Lock()
	var out []Token
	var owners []hailong.User
	for _, t := range s.tokens {
		if owner != "" && t.Owner != owner {
			continue
		}
		out = append(out, copyToken(t.Token))
		u, ok := s.users[t.Owner]
		if !ok {
			u.Username = t.Owner
		}
		owners = append(owners, u)
	}
	_, known := s.users[owner]
	s.mu.Unlock()
	if owner != "" && !known {
		if actor != nil && !actor.Can(hailong.PermUsersManage) {
			return nil, forbidden()
		}
		return nil, hailong.Errorf(hailong.ENOTFOUND, "There is no user %q.", owner)
	}
	if owner != "" && !s.mayHandleTokens(actor, hailong.User{Username: owner, Scope: s.userScope(owner)}) {
		return nil, forbidden()
	}
	var keep []Token
	for i, t := range out {
		if s.mayHandleTokens(actor, owners[i]) {
			keep = append(keep, t)
		}
	}
	sort.Slice(keep, func(i, j int) bool { return keep[i].Created.After(keep[j].Created) })
	return keep, nil
}

func (s *Service) userScope(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[name].Scope
}
