package outcomes

import (
	"maps"
	"reflect"
	"testing"

	"hailong"
)

// TestSharerSharesEqualScores: outcomes read alike hold one map of scores,
// and each keeps its own values.
func TestSharerSharesEqualScores(t *testing.T) {
	s := newSharer()
	mk := func(unit string, scores map[string]int) hailong.Outcome {
		return hailong.Outcome{Dossier: "H-" + unit, Unit: unit, Procedure: "1.000042", Indices: scores}
	}
	a := mk("TT-1", map[string]int{"2": 2, "5": 1})
	b := mk("TT-1", map[string]int{"5": 1, "2": 2})
	c := mk("TT-2", map[string]int{"2": 2, "5": 0})
	d := mk("TT-1", nil)
	want := []hailong.Outcome{a, b, c, d}
	for i := range want {
		want[i].Indices = maps.Clone(want[i].Indices)
	}
	for _, o := range []*hailong.Outcome{&a, &b, &c, &d} {
		s.share(o)
	}
	for i, got := range []hailong.Outcome{a, b, c, d} {
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("outcome %d: shared %+v, want %+v", i, got, want[i])
		}
	}
	if reflect.ValueOf(a.Indices).Pointer() != reflect.ValueOf(b.Indices).Pointer() {
		t.Error("equal scores are held twice")
	}
	if reflect.ValueOf(a.Indices).Pointer() == reflect.ValueOf(c.Indices).Pointer() {
		t.Error("different scores share a map")
	}
	if len(s.scores) != 2 {
		t.Errorf("shared %d maps of scores, want 2", len(s.scores))
	}
}
