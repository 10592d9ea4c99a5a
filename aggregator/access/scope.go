package access

import (
	"hailong"
	"hailong/hierarchy"
)

// maxScopeCache bounds the cached subtrees: (scope, as_of) pairs are few in
// practice (a few dozen scopes, a few dates each).
const maxScopeCache = 4096

// InScope reports whether unit is inside the principal's scope on asOf. It
// is the one scope check every query passes through. A unit is in scope
//
//   - when it rolls up into the scope unit through the structure in force
//     on asOf (hierarchy.Tree.Subtree: a province sees the communes of the
//     provinces merged into it, and their history); or,
//   - for a date before today, when everything under it on asOf rolls up
//     into the scope today: the province of today sees the provinces and
//     districts merged into it through the structure of their time, a
//     commune the old district that became it, and never a unit part of
//     whose ratings went elsewhere.
//
// Answers are cached per (scope, asOf, today) until the units change.
func (s *Service) InScope(p *hailong.Principal, unit string, asOf hailong.Date) bool {
	if p == nil || p.Scope == "" || unit == "" {
		return false
	}
	set := s.subtree(p.Scope, asOf)
	_, ok := set[unit]
	return ok
}

// subtree returns the codes rolling up into scope on asOf (nil if scope is
// not in force then).
func (s *Service) subtree(scope string, asOf hailong.Date) map[string]struct{} {
	if s.cfg.Units == nil {
		return nil
	}
	tree := s.cfg.Units()
	if tree == nil {
		return nil
	}
	today := s.today()
	key := scopeKey{scope, asOf, today}
	s.scopeMu.RLock()
	set, ok := s.scopes[key]
	same := s.scopeTree == tree
	s.scopeMu.RUnlock()
	if ok && same {
		return set
	}
	set = scopeSet(tree, scope, asOf, today)
	s.scopeMu.Lock()
	if s.scopeTree != tree || len(s.scopes) >= maxScopeCache {
		clear(s.scopes)
		s.scopeTree = tree
	}
	s.scopes[key] = set
	s.scopeMu.Unlock()
	return set
}

// scopeSet computes the codes in scope (see InScope).
func scopeSet(tree *hierarchy.Tree, scope string, asOf, today hailong.Date) map[string]struct{} {
	set := map[string]struct{}{}
	codes, err := tree.Subtree(scope, asOf)
	if err == nil {
		for _, c := range codes {
			set[c] = struct{}{}
		}
	}
	if asOf >= today {
		return set
	}
	now, err := tree.Subtree(scope, today)
	if err != nil {
		return set
	}
	nowSet := make(map[string]struct{}, len(now))
	for _, c := range now {
		nowSet[c] = struct{}{}
	}
	// A unit is out when any code under it on asOf lies outside the scope
	// today: mark the chains (on asOf) of every such code.
	out := map[string]bool{}
	seen := map[string]bool{}
	records := tree.Records()
	for _, u := range records {
		if seen[u.Code] {
			continue
		}
		seen[u.Code] = true
		if _, ok := nowSet[u.Code]; !ok {
			for _, a := range tree.Chain(u.Code, asOf) {
				out[a] = true
			}
		}
	}
	for _, u := range records {
		if u.InForce(asOf) && !out[u.Code] {
			set[u.Code] = struct{}{}
		}
	}
	return set
}

// today is the date of now in Vietnam, the date scopes are compared on
// when granting.
func (s *Service) today() hailong.Date { return hailong.DateOf(s.cfg.Now()) }

// within reports whether the unit inner lies inside the scope outer today.
// An actor nil (the command line) is allowed everything.
func (s *Service) within(actor *hailong.Principal, inner string) bool {
	if actor == nil {
		return true
	}
	return s.InScope(actor, inner, s.today())
}

// InForce reports whether code is a unit in force on d: what a
// subscription may name, where a scope check alone would also let
// through the units a reorganisation ended (read with as_of).
func (s *Service) InForce(code string, d hailong.Date) bool {
	if s.cfg.Units == nil {
		return false
	}
	tree := s.cfg.Units()
	if tree == nil {
		return false
	}
	_, ok := tree.At(code, d)
	return ok
}

// unitExists reports whether code is a unit in force today.
func (s *Service) unitExists(code string) bool { return s.InForce(code, s.today()) }
