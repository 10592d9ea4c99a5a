package outcomes

import (
	"slices"
	"strconv"
	"strings"
	"unique"

	"hailong"
)

// sharer lets the outcomes read at a start share what many dossiers hold
// alike: a centre's, a procedure's, an official's code, and the same few
// scores of the one-stop indices (five indices of three scores). Each
// read its own copy, they took about 250 bytes a dossier more: 200 MB of
// a start's heap at 800,000 dossiers. Nothing changes an outcome's
// strings, its map of scores or its return day in place, so shared ones
// stay right. The book relies on it too: what a dossier takes back from
// the rollup is made again from its outcome (contribution), so an
// outcome changed in place would take back what it never added.
type sharer struct {
	scores map[string]map[string]int
	key    strings.Builder
}

func newSharer() *sharer {
	return &sharer{scores: map[string]map[string]int{}}
}

// share makes o hold the shared copies of its codes (unique's canonical
// strings) and scores.
func (s *sharer) share(o *hailong.Outcome) {
	for _, p := range []*string{&o.Unit, &o.Agency, &o.Via, &o.Procedure, &o.Official, &o.Counter} {
		if *p != "" {
			*p = unique.Make(*p).Value()
		}
	}
	if len(o.Indices) > 0 {
		o.Indices = s.scoresOf(o.Indices)
	}
}

// scoresOf returns the shared map equal to m.
func (s *sharer) scoresOf(m map[string]int) map[string]int {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s.key.Reset()
	for _, k := range keys {
		s.key.WriteString(k)
		s.key.WriteByte('=')
		s.key.WriteString(strconv.Itoa(m[k]))
		s.key.WriteByte(';')
	}
	if x, ok := s.scores[s.key.String()]; ok {
		return x
	}
	s.scores[s.key.String()] = m
	return m
}
