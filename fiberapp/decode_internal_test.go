package fiberapp

import (
	"encoding/json"
	"strings"
	"testing"

	"hailong/syncapi"
)

// TestAnUnknownMemberOfALargeBodyIsNotLookedFor: finding where an unknown
// member is decodes the body again, seconds for a megabyte of empty
// ratings (a hostile review found a first version taking about 22 s at
// the aggregator's 8 MB body limit). Past unknownMemberLimit it is not
// looked for; within it, it is.
func TestAnUnknownMemberOfALargeBodyIsNotLookedFor(t *testing.T) {
	body := func(size int) []byte {
		n := (size - 64) / 3
		return []byte(`{"ratings":[` + strings.Repeat(`{},`, n-1) + `{}],"zz":1}`)
	}
	large := body(1 << 20)
	var path string
	if allocs := testing.AllocsPerRun(1, func() { path = unknownMember(large, new(syncapi.Request), "zz") }); allocs > 10 || path != "" {
		t.Errorf("a 1 MB body: %.0f allocations, path %q; want it not looked for", allocs, path)
	}
	if path := unknownMember(body(unknownMemberLimit), new(syncapi.Request), "zz"); path != "zz" {
		t.Errorf("a body at the limit: path %q, want zz", path)
	}
	small := []byte(`{"ratings":[{},{"zz":1}]}`)
	if path := unknownMember(small, new(syncapi.Request), "zz"); path != "ratings[1].zz" {
		t.Errorf("a small body: path %q, want ratings[1].zz", path)
	}
}

// TestAnUnknownMemberBehindDeepNestingCostsOnePass: a body within the
// limit whose json.RawMessage member (a sync upload's "health") holds
// numbers 2,500 arrays deep, then an unknown member. A first version
// found the member by taking the decoder's pointer at every token, as
// long as the nesting: tokens × depth, seconds for 128 KB (a hostile
// review). Going down the pointer's tokens and skipping what is beside
// them allocates no more for the depth.
func TestAnUnknownMemberBehindDeepNestingCostsOnePass(t *testing.T) {
	deep := func(depth int) []byte {
		var b strings.Builder
		b.WriteString(`{"health":` + strings.Repeat("[", depth) + "0")
		for b.Len() < 128<<10 {
			b.WriteString(",0")
		}
		b.WriteString(strings.Repeat("]", depth) + `,"zzz":1}`)
		return []byte(b.String())
	}
	var v struct {
		Health json.RawMessage `json:"health"`
	}
	shallow, nested := deep(1), deep(2500)
	if got := pointerPath(nested, "/zzz"); got != "zzz" {
		t.Fatalf("pointerPath: %q, want zzz", got)
	}
	flat := testing.AllocsPerRun(2, func() { pointerPath(shallow, "/zzz") })
	deepAllocs := testing.AllocsPerRun(2, func() { pointerPath(nested, "/zzz") })
	if deepAllocs > flat+100 {
		t.Errorf("the walk to the member allocates %.0f times behind 2,500 arrays, %.0f behind one", deepAllocs, flat)
	}
	if path := unknownMember(nested, &v, "zzz"); path != "zzz" {
		t.Errorf("unknownMember: %q, want zzz", path)
	}
}
