// Package hierarchy models Vietnam's administrative hierarchy as data with
// effective dates, so that ratings given at a unit that has since been merged
// roll up into its successor when viewed through a later structure.
package hierarchy

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"hailong"
)

// Kind is the level of a unit.
type Kind string

// Kinds of unit. Districts exist only before 1 July 2025.
const (
	Province Kind = "province" // tỉnh, thành phố trực thuộc trung ương
	District Kind = "district" // huyện, quận, thị xã (abolished 1 July 2025)
	Commune  Kind = "commune"  // xã, phường, đặc khu
	Centre   Kind = "centre"   // Trung tâm Phục vụ hành chính công, Bộ phận Một cửa
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	return k == Province || k == District || k == Commune || k == Centre
}

// Unit is one period of one unit's existence. A code may have several
// records with disjoint periods (a code reused after a merger, or a unit
// moved to another parent).
type Unit struct {
	Code   string       `json:"code" bson:"code"`
	Name   string       `json:"name" bson:"name"`
	Kind   Kind         `json:"kind" bson:"kind"`
	Parent string       `json:"parent,omitempty" bson:"parent,omitempty"`
	From   hailong.Date `json:"valid_from" bson:"from"`
	// Until is the first day the record is no longer in force; zero means
	// it still is.
	Until hailong.Date `json:"valid_to,omitempty" bson:"until,omitempty"`
	// Successor is the unit that took over when this record ended.
	Successor string `json:"successor,omitempty" bson:"successor,omitempty"`
}

// InForce reports whether the record is in force on d.
func (u *Unit) InForce(d hailong.Date) bool {
	return u.From <= d && (u.Until == 0 || d < u.Until)
}

// Tree is an immutable set of unit records with fast look-ups by date.
type Tree struct {
	records map[string][]Unit // by code, sorted by From

	mu    sync.Mutex
	cache map[hailong.Date]*snapshot
}

// snapshot is the structure in force on one date: for every code ever
// known, the code it rolls up into on that date and that code's ancestors.
type snapshot struct {
	chain    map[string][]string // code → [resolved code, parent, grandparent, …]
	children map[string][]Unit   // parent code ("" for roots) → units in force, by code
}

// New checks records and builds a tree. It reports every problem found.
func New(records []Unit) (*Tree, error) {
	t := &Tree{records: map[string][]Unit{}, cache: map[hailong.Date]*snapshot{}}
	for _, u := range records {
		t.records[u.Code] = append(t.records[u.Code], u)
	}
	var errs []string
	for code, rs := range t.records {
		sort.Slice(rs, func(i, j int) bool { return rs[i].From < rs[j].From })
		for i := 1; i < len(rs); i++ {
			if rs[i-1].Until == 0 || rs[i-1].Until > rs[i].From {
				errs = append(errs, fmt.Sprintf("unit %s has overlapping periods from %s and %s", code, rs[i-1].From, rs[i].From))
			}
		}
	}
	for _, rs := range t.records {
		for _, u := range rs {
			if u.Parent != "" && !t.coveredBy(u.Parent, u) {
				errs = append(errs, fmt.Sprintf("unit %s (from %s): parent %s does not exist for the whole period", u.Code, u.From, u.Parent))
			}
			if u.Successor != "" {
				if _, ok := t.records[u.Successor]; !ok {
					errs = append(errs, fmt.Sprintf("unit %s: successor %s does not exist", u.Code, u.Successor))
				}
			}
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, hailong.Invalid("The administrative units are inconsistent.", fieldErrors(errs)...)
	}
	return t, nil
}

func fieldErrors(msgs []string) []hailong.FieldError {
	out := make([]hailong.FieldError, len(msgs))
	for i, m := range msgs {
		out[i] = hailong.FieldError{Field: "units", Message: m}
	}
	return out
}

// coveredBy reports whether code has records in force for u's whole period.
func (t *Tree) coveredBy(code string, u Unit) bool {
	d := u.From
	for _, p := range t.records[code] {
		if p.InForce(d) {
			if p.Until == 0 || (u.Until != 0 && p.Until >= u.Until) {
				return true
			}
			d = p.Until
		}
	}
	return false
}

// Records returns every record, ordered by code and date.
func (t *Tree) Records() []Unit {
	var out []Unit
	for _, rs := range t.records {
		out = append(out, rs...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Code != out[j].Code {
			return out[i].Code < out[j].Code
		}
		return out[i].From < out[j].From
	})
	return out
}

// At returns the record of code in force on d.
func (t *Tree) At(code string, d hailong.Date) (Unit, bool) {
	for _, u := range t.records[code] {
		if u.InForce(d) {
			return u, true
		}
	}
	return Unit{}, false
}

// Known reports whether code has ever existed.
func (t *Tree) Known(code string) bool { _, ok := t.records[code]; return ok }

// Children returns the units in force on d whose parent is code, by code.
func (t *Tree) Children(code string, d hailong.Date) []Unit {
	return slices.Clone(t.snapshot(d).children[code])
}

// Roots returns the units in force on d that have no parent.
func (t *Tree) Roots(d hailong.Date) []Unit { return t.Children("", d) }

// Subtree returns every code, current or historical, whose ratings roll up
// into root through the structure in force on asOf: root's descendants on
// that date and every earlier unit whose successors lead into them.
func (t *Tree) Subtree(root string, asOf hailong.Date) ([]string, error) {
	if _, ok := t.At(root, asOf); !ok {
		if !t.Known(root) {
			return nil, hailong.Errorf(hailong.ENOTFOUND, "There is no administrative unit %q.", root)
		}
		return nil, hailong.Errorf(hailong.ENOTFOUND, "Unit %q was not in force on %s; choose another as_of date or its successor.", root, asOf)
	}
	s := t.snapshot(asOf)
	var out []string
	for code, chain := range s.chain {
		if slices.Contains(chain, root) {
			out = append(out, code)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Chain returns the unit code rolls up into on d, followed by that unit's
// ancestors on d; nil if code rolls up into nothing on d (not yet created,
// or ended without successor). Subtree(root, d) is every code whose chain
// on d holds root.
func (t *Tree) Chain(code string, d hailong.Date) []string {
	return slices.Clone(t.snapshot(d).chain[code])
}

func (t *Tree) snapshot(d hailong.Date) *snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.cache[d]; ok {
		return s
	}
	s := &snapshot{chain: map[string][]string{}, children: map[string][]Unit{}}
	for _, rs := range t.records {
		for _, u := range rs {
			if u.InForce(d) {
				s.children[u.Parent] = append(s.children[u.Parent], u)
			}
		}
	}
	for _, us := range s.children {
		sort.Slice(us, func(i, j int) bool { return us[i].Code < us[j].Code })
	}
	for code := range t.records {
		cur, ok := t.follow(code, d)
		if !ok {
			continue
		}
		chain := []string{cur}
		for seen := map[string]bool{cur: true}; ; {
			u, ok := t.At(cur, d)
			if !ok || u.Parent == "" || seen[u.Parent] {
				break
			}
			cur = u.Parent
			seen[cur] = true
			chain = append(chain, cur)
		}
		s.chain[code] = chain
	}
	if len(t.cache) > 64 { // as_of dates are few in practice; bound memory anyway
		clear(t.cache)
	}
	t.cache[d] = s
	return s
}

// follow walks successor links from code until a unit in force on d.
func (t *Tree) follow(code string, d hailong.Date) (string, bool) {
	for seen := map[string]bool{}; !seen[code]; {
		seen[code] = true
		if _, ok := t.At(code, d); ok {
			return code, true
		}
		rs := t.records[code]
		if len(rs) == 0 {
			return "", false
		}
		last := rs[len(rs)-1]
		if last.Until == 0 || last.Until > d || last.Successor == "" {
			return "", false // not yet created on d, or ended without successor
		}
		code = last.Successor
	}
	return "", false
}
