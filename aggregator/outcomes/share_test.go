package outcomes

import (
	"maps"
	"reflect"
	"testing"
	"unsafe"

	"hailong"
)

// TestSharerSharesEqualScoresAndCodes: outcomes read alike hold one map of
// scores and one copy of each code, and each keeps its own values.
func TestSharerSharesEqualScoresAndCodes(t *testing.T) {
	s := newSharer()
	mk := func(unit string, scores map[string]int) hailong.Outcome {
		return hailong.Outcome{Dossier: "H-" + unit, Unit: string([]byte(unit)), Procedure: string([]byte("1.000042")), Indices: scores}
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
	for _, same := range [][2]string{{a.Unit, b.Unit}, {a.Unit, d.Unit}, {a.Procedure, c.Procedure}} {
		if unsafe.StringData(same[0]) != unsafe.StringData(same[1]) {
			t.Errorf("equal codes %q held twice", same[0])
		}
	}
	if len(s.scores) != 2 {
		t.Errorf("shared %d maps of scores, want 2", len(s.scores))
	}
}
