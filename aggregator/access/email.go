package access

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"hailong"
)

// maxEmail is the longest address SMTP carries (RFC 5321's path limit).
const maxEmail = 254

// CheckEmail checks an email address as a user's: a bare address
// (name@domain, no display name), at most 254 characters. Empty is valid:
// no email is sent.
func CheckEmail(email string) error {
	if email == "" {
		return nil
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || len(email) > maxEmail || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		return hailong.Invalid("The email address is not valid.", hailong.Fieldf("email",
			"Give an address such as name@example.gov.vn, at most 254 characters."))
	}
	return nil
}

// SetEmail sets the email address notifications and scheduled reports are
// sent to: the actor's own, or that of a user the actor may manage. It
// does not end the user's sessions: an address grants nothing.
func (s *Service) SetEmail(ctx context.Context, actor *hailong.Principal, username, email string) error {
	email = strings.TrimSpace(email)
	err := s.setEmail(ctx, actor, username, email)
	s.Record(ctx, Event{Actor: actorName(actor), Action: ActionUserUpdate, Target: auditName(username),
		Detail: "email" + errDetail(err), OK: err == nil})
	return err
}

func (s *Service) setEmail(ctx context.Context, actor *hailong.Principal, username, email string) error {
	if actor == nil || actor.Username != username {
		if _, err := s.target(actor, username); err != nil {
			return err
		}
	}
	if err := CheckEmail(email); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	u, ok := s.users[username]
	s.mu.Unlock()
	if !ok {
		return hailong.Errorf(hailong.ENOTFOUND, "There is no user %q.", username)
	}
	u.Email = email
	if err := s.cfg.Store.PutUser(ctx, u); err != nil {
		return fmt.Errorf("update user %s: %w", username, err)
	}
	s.mu.Lock()
	s.users[username] = u
	s.mu.Unlock()
	return nil
}

// MailTo returns the address to email about unit on asOf for username:
// only while the user exists, is enabled, has an address, has unit in
// scope and its role holds measures.read (every email of alerts and
// reports carries measures) and each of needs, so that someone whose
// access was narrowed, whose role lost the right, or who never had it, is
// sent nothing about it.
func (s *Service) MailTo(username, unit string, asOf hailong.Date, needs ...hailong.Permission) (string, bool) {
	s.mu.Lock()
	u, ok := s.users[username]
	p := s.principalLocked(u, "mail")
	s.mu.Unlock()
	if !ok || u.Disabled || u.Email == "" || !p.Can(hailong.PermMeasuresRead) {
		return "", false
	}
	for _, perm := range needs {
		if !p.Can(perm) {
			return "", false
		}
	}
	if !s.InScope(p, unit, asOf) {
		return "", false
	}
	return u.Email, true
}

// Covers reports whether unit lies in the subtree of root on asOf, as a
// scope of root would see it: the one subtree rule, for subscriptions.
func (s *Service) Covers(root, unit string, asOf hailong.Date) bool {
	return s.InScope(&hailong.Principal{Scope: root}, unit, asOf)
}
