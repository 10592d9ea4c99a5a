package access

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"hailong"
)

// '@' and '+' let an email address name an account that signs in with
// single sign-on by its email claim.
var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@+-]{1,63}$`)

// canManage reports whether actor may manage users whose scope is the
// unit scope: the command line (nil) always; otherwise a principal with
// PermUsersManage whose scope contains it.
func (s *Service) canManage(actor *hailong.Principal, scope string) bool {
	return actor == nil || (actor.Can(hailong.PermUsersManage) && s.within(actor, scope))
}

// checkGrant checks that actor may give role and scope to a user: the role
// exists and grants nothing the actor lacks, and the scope is a unit in
// force today inside the actor's scope.
func (s *Service) checkGrant(actor *hailong.Principal, role, scope string) error {
	s.mu.Lock()
	r, ok := s.roles[role]
	s.mu.Unlock()
	if !ok {
		return hailong.Invalid("The role does not exist.", hailong.Fieldf("role", "There is no role %q.", role))
	}
	if !s.unitExists(scope) {
		return hailong.Invalid("The scope is not a unit in force.", hailong.Fieldf("scope", "There is no unit %q in force today.", scope))
	}
	if actor == nil {
		return nil
	}
	for _, p := range r.Permissions {
		if !actor.Can(p) {
			return hailong.Errorf(hailong.EFORBIDDEN, "You may not grant role %q: it has rights you do not have.", role)
		}
	}
	if !s.within(actor, scope) {
		return hailong.Errorf(hailong.EFORBIDDEN, "You may not grant scope %q: it is outside your own scope.", scope)
	}
	return nil
}

// AddUser adds a user with a password. The username is 2 to 64 lower-case letters, digits,
// '.', '_', '-', '@' or '+' (an email address); the role must exist, the scope be a unit in force, the
// password meet the policy (checkPassword).
func (s *Service) AddUser(ctx context.Context, actor *hailong.Principal, u hailong.User, password string) error {
	err := s.addUser(ctx, actor, u, password)
	s.Record(ctx, Event{Actor: actorName(actor), Action: ActionUserAdd, Target: auditName(u.Username),
		Detail: fmt.Sprintf("role=%s scope=%s", u.Role, u.Scope) + errDetail(err), OK: err == nil})
	return err
}

func (s *Service) addUser(ctx context.Context, actor *hailong.Principal, u hailong.User, password string) error {
	if actor != nil && !actor.Can(hailong.PermUsersManage) {
		return forbidden()
	}
	u.Username = strings.TrimSpace(u.Username)
	if !usernameRE.MatchString(u.Username) {
		return hailong.Invalid("The username is not valid.", hailong.Fieldf("username",
			"Use 2 to 64 lower-case letters, digits, '.', '_', '-', '@' or '+', starting with a letter or digit."))
	}
	u.Name = strings.TrimSpace(u.Name)
	if len(u.Name) > 200 {
		return hailong.Invalid("The name is too long.", hailong.Fieldf("name", "Use at most 200 characters."))
	}
	if err := s.checkGrant(actor, u.Role, u.Scope); err != nil {
		return err
	}
	u.Email = strings.TrimSpace(u.Email)
	if err := CheckEmail(u.Email); err != nil {
		return err
	}
	if err := checkPassword(u.Username, password); err != nil {
		return err
	}
	h, err := HashPassword(ctx, password)
	if err != nil {
		return err
	}
	u.PasswordHash = h
	u.Created = s.cfg.Now().UTC()
	u.Generation = 1
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.cfg.Store.AddUser(ctx, u); err != nil {
		return err
	}
	s.mu.Lock()
	s.users[u.Username] = u
	s.mu.Unlock()
	return nil
}

// errDetail adds an error's safe message to an audit detail.
func errDetail(err error) string {
	if err == nil {
		return ""
	}
	return " error=" + hailong.ErrorMessage(err)
}

// target returns a user the actor may manage.
func (s *Service) target(actor *hailong.Principal, username string) (hailong.User, error) {
	s.mu.Lock()
	u, ok := s.users[username]
	s.mu.Unlock()
	if !ok {
		if actor != nil && !actor.Can(hailong.PermUsersManage) {
			return u, forbidden()
		}
		return u, hailong.Errorf(hailong.ENOTFOUND, "There is no user %q.", username)
	}
	if !s.canManage(actor, u.Scope) {
		return u, forbidden()
	}
	if actor != nil && actor.Username == username {
		// One's own password has its page, which asks for the old one;
		// a stolen token or session must not turn into the account.
		return u, hailong.Errorf(hailong.EFORBIDDEN, "You may not change your own account here; change your password on the password page.")
	}
	if !s.outranks(actor, u) {
		return u, hailong.Errorf(hailong.EFORBIDDEN, "You may not manage user %q: their role has rights you do not have.", username)
	}
	return u, nil
}

// outranks reports whether actor holds every permission of u's role, as
// managing u (a password reset, a token made for u) gives its holder u's
// rights. The command line (nil) outranks everyone.
func (s *Service) outranks(actor *hailong.Principal, u hailong.User) bool {
	if actor == nil {
		return true
	}
	s.mu.Lock()
	perms := slices.Clone(s.roles[u.Role].Permissions)
	s.mu.Unlock()
	for _, p := range perms {
		if !actor.Can(p) {
			return false
		}
	}
	return true
}

// UpdateUser changes a user's role, scope or standing (nil leaves it). It
// bumps the generation: the user's sessions end.
func (s *Service) UpdateUser(ctx context.Context, actor *hailong.Principal, username string, role, scope *string, disabled *bool) error {
	var detail []string
	if role != nil {
		detail = append(detail, "role="+*role)
	}
	if scope != nil {
		detail = append(detail, "scope="+*scope)
	}
	if disabled != nil {
		detail = append(detail, fmt.Sprintf("disabled=%v", *disabled))
	}
	// The scope the user had, as well as the one they have after (Record):
	// a move is seen by the administrators of both.
	before := s.scopesOf(nil, username)
	err := s.updateUser(ctx, actor, username, role, scope, disabled)
	s.Record(ctx, Event{Actor: actorName(actor), Action: ActionUserUpdate, Target: auditName(username),
		Detail: strings.Join(detail, " ") + errDetail(err), OK: err == nil, Scopes: before})
	return err
}

func (s *Service) updateUser(ctx context.Context, actor *hailong.Principal, username string, role, scope *string, disabled *bool) error {
	u, err := s.target(actor, username)
	if err != nil {
		return err
	}
	newRole, newScope := u.Role, u.Scope
	if role != nil {
		newRole = *role
	}
	if scope != nil {
		newScope = *scope
	}
	if role != nil || scope != nil {
		if err := s.checkGrant(actor, newRole, newScope); err != nil {
			return err
		}
	}
	return s.changeUser(ctx, username, func(u *hailong.User) {
		u.Role, u.Scope = newRole, newScope
		if disabled != nil {
			u.Disabled = *disabled
		}
	})
}

// SetPassword sets a user's password (an administrator's reset). It bumps
// the generation: the user's sessions end.
func (s *Service) SetPassword(ctx context.Context, actor *hailong.Principal, username, password string) error {
	err := s.setPasswordBy(ctx, actor, username, password)
	s.Record(ctx, Event{Actor: actorName(actor), Action: ActionPasswordSet, Target: auditName(username), Detail: strings.TrimSpace(errDetail(err)), OK: err == nil})
	return err
}

func (s *Service) setPasswordBy(ctx context.Context, actor *hailong.Principal, username, password string) error {
	if _, err := s.target(actor, username); err != nil {
		return err
	}
	if err := checkPassword(username, password); err != nil {
		return err
	}
	return s.setPassword(ctx, username, password)
}

// Users returns the users whose scope lies inside the actor's, by
// username. It needs PermUsersManage.
func (s *Service) Users(ctx context.Context, actor *hailong.Principal) ([]hailong.User, error) {
	if actor != nil && !actor.Can(hailong.PermUsersManage) {
		return nil, forbidden()
	}
	s.mu.Lock()
	all := make([]hailong.User, 0, len(s.users))
	for _, u := range s.users {
		all = append(all, u)
	}
	s.mu.Unlock()
	out := all[:0]
	for _, u := range all {
		if s.within(actor, u.Scope) {
			u.PasswordHash = ""
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return slices.Clip(out), nil
}

// User returns one user the actor may manage, or the actor itself.
func (s *Service) User(ctx context.Context, actor *hailong.Principal, username string) (hailong.User, error) {
	if actor != nil && actor.Username == username {
		s.mu.Lock()
		u, ok := s.users[username]
		s.mu.Unlock()
		if ok {
			u.PasswordHash = ""
			return u, nil
		}
	}
	u, err := s.target(actor, username)
	u.PasswordHash = ""
	return u, err
}
