// Package subscribe keeps users' subscriptions to units: to their alerts
// and to the weekly, monthly and quarterly reports. Subscriptions are few
// (a handful per user), stored in a small collection and held in memory,
// so the alert notifier routes an event without touching the database.
package subscribe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"hailong"
)

// Store keeps subscriptions durably.
type Store interface {
	Subscriptions(ctx context.Context) ([]hailong.Subscription, error)
	PutSubscription(ctx context.Context, s hailong.Subscription) error
	DeleteSubscription(ctx context.Context, id string) error
}

// Scope answers whether a principal sees a unit (access.Service).
type Scope interface {
	InScope(p *hailong.Principal, unit string, asOf hailong.Date) bool
	// InForce reports whether unit is in force on d: a unit a
	// reorganisation ended has no reports to send.
	InForce(unit string, d hailong.Date) bool
}

// MaxPerUser bounds a user's subscriptions.
const MaxPerUser = 50

// The messages of Add's field errors, which pages put in their own
// language.
const (
	MsgRequired   = "required"
	MsgOutOfScope = "not a unit in your scope"
	MsgNotInForce = "%q is not a unit in force today: it ended in a reorganisation and has no reports; subscribe to the unit that took it over"
	MsgKind       = "not alerts, weekly, monthly or quarterly"
	MsgLang       = "not vi or en"
	MsgRepeat     = "already subscribed to this kind for this unit"
	MsgTooMany    = "too many subscriptions"
	MsgNoRight    = "your role does not hold the right to these emails: measures.read, and exports.read for the quarterly report"
)

// Service holds the subscriptions.
type Service struct {
	store Store
	scope Scope
	now   func() time.Time

	mu   sync.Mutex
	subs map[string]hailong.Subscription
	// writeMu serialises changes, so that a check and its write agree.
	writeMu sync.Mutex
}

// New returns a service over store; Load reads the stored subscriptions.
// now may be nil (time.Now).
func New(store Store, scope Scope, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, scope: scope, now: now, subs: map[string]hailong.Subscription{}}
}

// Load reads every stored subscription.
func (s *Service) Load(ctx context.Context) error {
	all, err := s.store.Subscriptions(ctx)
	if err != nil {
		return fmt.Errorf("load subscriptions: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range all {
		s.subs[sub.ID] = sub
	}
	return nil
}

// Of returns the user's subscriptions, oldest first.
func (s *Service) Of(username string) []hailong.Subscription {
	return s.filter(func(sub hailong.Subscription) bool { return sub.Username == username })
}

// OfKind returns every subscription of a kind, oldest first.
func (s *Service) OfKind(kind hailong.SubscriptionKind) []hailong.Subscription {
	return s.filter(func(sub hailong.Subscription) bool { return sub.Kind == kind })
}

func (s *Service) filter(keep func(hailong.Subscription) bool) []hailong.Subscription {
	s.mu.Lock()
	var out []hailong.Subscription
	for _, sub := range s.subs {
		if keep(sub) {
			out = append(out, sub)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b hailong.Subscription) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Add subscribes the principal to kind for unit's subtree, emailed in
// lang ("vi" when empty). The unit must be in the principal's scope
// today; a kind or a language is refused with a field error (EINVALID),
// a repeat of a subscription held (same user, unit and kind) with an
// ECONFLICT carrying the field error MsgRepeat on unit.
func (s *Service) Add(ctx context.Context, p *hailong.Principal, unit string, kind hailong.SubscriptionKind, lang string) (hailong.Subscription, error) {
	unit = strings.TrimSpace(unit)
	if lang == "" {
		lang = hailong.Languages[0]
	}
	var fields []hailong.FieldError
	today := hailong.DateOf(s.now()) // one day for the scope and the units in force
	switch {
	case unit == "":
		fields = append(fields, hailong.FieldError{Field: "unit", Message: MsgRequired})
	case !s.scope.InScope(p, unit, today):
		fields = append(fields, hailong.FieldError{Field: "unit", Message: MsgOutOfScope})
	case !s.scope.InForce(unit, today):
		fields = append(fields, hailong.Fieldf("unit", MsgNotInForce, unit))
	}
	switch {
	case !slices.Contains(hailong.SubscriptionKinds(), kind):
		fields = append(fields, hailong.FieldError{Field: "kind", Message: MsgKind})
	case !p.Can(hailong.PermMeasuresRead) || kind == hailong.SubscribeQuarterly && !p.Can(hailong.PermExportsRead):
		// What the emails carry: measures, and the quarterly report's
		// PDF, an export. The mailer checks the role again at each
		// email (access.Service.MailTo).
		fields = append(fields, hailong.FieldError{Field: "kind", Message: MsgNoRight})
	}
	if !slices.Contains(hailong.Languages, lang) {
		fields = append(fields, hailong.FieldError{Field: "lang", Message: MsgLang})
	}
	if len(fields) > 0 {
		return hailong.Subscription{}, hailong.Invalid("The subscription is not valid.", fields...)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	mine := s.Of(p.Username)
	if slices.ContainsFunc(mine, func(sub hailong.Subscription) bool { return sub.Unit == unit && sub.Kind == kind }) {
		// What is stored, not the input, stands in the way: a conflict
		// (409), still said beside the unit field.
		return hailong.Subscription{}, &hailong.Error{Code: hailong.ECONFLICT,
			Message: fmt.Sprintf("You are already subscribed to %q for unit %q.", kind, unit),
			Fields:  []hailong.FieldError{{Field: "unit", Message: MsgRepeat}}}
	}
	if len(mine) >= MaxPerUser {
		return hailong.Subscription{}, hailong.Invalid("You have too many subscriptions.",
			hailong.FieldError{Field: "unit", Message: MsgTooMany})
	}
	var b [8]byte
	rand.Read(b[:])
	sub := hailong.Subscription{ID: hex.EncodeToString(b[:]), Username: p.Username, Unit: unit, Kind: kind, Lang: lang,
		Created: s.now().UTC()}
	if err := s.store.PutSubscription(ctx, sub); err != nil {
		return hailong.Subscription{}, err
	}
	s.mu.Lock()
	s.subs[sub.ID] = sub
	s.mu.Unlock()
	return sub, nil
}

// Remove ends one of the principal's subscriptions; another's, or one
// that does not exist, is ENOTFOUND.
func (s *Service) Remove(ctx context.Context, p *hailong.Principal, id string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	sub, ok := s.subs[id]
	s.mu.Unlock()
	if !ok || p == nil || sub.Username != p.Username {
		return hailong.Errorf(hailong.ENOTFOUND, "There is no subscription %q of yours.", id)
	}
	if err := s.store.DeleteSubscription(ctx, id); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.subs, id)
	s.mu.Unlock()
	return nil
}

// SetLastPeriod records that the report of period was handed to the
// outbox for the subscription. A subscription removed meanwhile stays
// removed.
func (s *Service) SetLastPeriod(ctx context.Context, id, period string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	sub, ok := s.subs[id]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	sub.LastPeriod = period
	if err := s.store.PutSubscription(ctx, sub); err != nil {
		return err
	}
	s.mu.Lock()
	s.subs[id] = sub
	s.mu.Unlock()
	return nil
}
