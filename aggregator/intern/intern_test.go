package intern_test

import (
	"testing"

	"hailong/aggregator/intern"
)

func TestTable(t *testing.T) {
	var tab intern.Table
	if got := tab.Len(); got != 1 {
		t.Fatalf("an empty table's Len is %d, want 1 (the empty string)", got)
	}
	if id, ok := tab.Lookup("TT-09190"); ok {
		t.Fatalf("Lookup of a string never given: %d, true", id)
	}
	tests := []struct {
		name string
		give string
		want uint32
	}{
		{"the empty string is 0", "", 0},
		{"a first string is 1", "TT-09190", 1},
		{"a second string is 2", "1.001234", 2},
		{"a string given again keeps its number", "TT-09190", 1},
		{"the empty string stays 0", "", 0},
		{"strings are told apart by every byte", "TT-0919", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tab.ID(tt.give); got != tt.want {
				t.Fatalf("ID(%q) = %d, want %d", tt.give, got, tt.want)
			}
			if got, ok := tab.Lookup(tt.give); !ok || got != tt.want {
				t.Fatalf("Lookup(%q) = %d, %v, want %d, true", tt.give, got, ok, tt.want)
			}
			if got := tab.String(tt.want); got != tt.give {
				t.Fatalf("String(%d) = %q, want %q", tt.want, got, tt.give)
			}
		})
	}
	if got := tab.Len(); got != 4 {
		t.Errorf("Len after three strings = %d, want 4", got)
	}
}
