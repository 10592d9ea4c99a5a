package fiberapp

import (
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
