package outcomes

import (
	"slices"
	"strconv"
	"strings"

	"hailong"
)

// sharer lets the outcomes read at a start share the same few scores of
// the one-stop indices (five indices of three scores) rather than each
// hold a map of its own: about 250 bytes a dossier, 200 MB of a start's
// heap at 800,000 dossiers. (Their codes of centres, procedures and the
// like the book keeps as numbers: kept.) Nothing changes an outcome's map
// of scores in place, so shared ones stay right. The book relies on it
// too, for the maps of reports as well (kept holds the report's own): what
// a dossier takes back from the rollup is made again from its outcome
// (contribution), and a report is told unchanged by comparing it with
// that outcome (same), so a map changed in place would take back what it
// never added, or hide a change.
type sharer struct {
	scores map[string]map[string]int
	key    strings.Builder
}

func newSharer() *sharer {
	return &sharer{scores: map[string]map[string]int{}}
}

// share makes o hold the shared copy of its scores.
func (s *sharer) share(o *hailong.Outcome) {
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
