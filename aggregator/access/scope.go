package access

import (
	"hailong"
)

// maxScopeCache bounds the cached subtrees: (scope, as_of) pairs are few in
// practice (a few dozen scopes, a few dates each).
const maxScopeCache = 4096

// InScope reports whether unit is inside the principal's scope: whether it
// rolls up into the scope unit through the structure in force on asOf
// (hierarchy.Tree.Subtree, so a province sees the communes of the
// provinces merged into it). It is the one scope check every query passes
// through. A scope unit not in force on asOf sees nothing on that date.
// Subtrees are cached per (scope, asOf) until the units change.
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
	key := scopeKey{scope, asOf}
	s.scopeMu.RLock()
	set, ok := s.scopes[key]
	same := s.scopeTree == tree
	s.scopeMu.RUnlock()
	if ok && same {
		return set
	}
	codes, err := tree.Subtree(scope, asOf)
	if err == nil {
		set = make(map[string]struct{}, len(codes))
		for _, c := range codes {
			set[c] = struct{}{}
		}
	} else {
		set = map[string]struct{}{}
	}
	s.scopeMu.Lock()
	if s.scopeTree != tree || len(s.scopes) >= maxScopeCache {
		clear(s.scopes)
		s.scopeTree = tree
	}
	s.scopes[key] = set
	s.scopeMu.Unlock()
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

// unitExists reports whether code is a unit in force today.
func (s *Service) unitExists(code string) bool {
	if s.cfg.Units == nil {
		return false
	}
	tree := s.cfg.Units()
	if tree == nil {
		return false
	}
	_, ok := tree.At(code, s.today())
	return ok
}
