// Package intern numbers strings, so that a value many records hold alike
// (a centre's, a procedure's, an official's code) is kept once, and each
// record holds its number: four bytes, where a string takes sixteen and,
// read from the database, its own copy of the bytes.
package intern

// Table numbers strings from 1, in the order they are first seen; 0 is
// the empty string. Numbers are never reused. The zero Table is empty and
// ready. It is not safe for concurrent use: its owner guards it.
type Table struct {
	ids  map[string]uint32
	list []string
}

// ID returns the number of s, numbering it if it has none.
func (t *Table) ID(s string) uint32 {
	if s == "" {
		return 0
	}
	if t.ids == nil {
		t.ids, t.list = map[string]uint32{}, []string{""}
	}
	id, ok := t.ids[s]
	if !ok {
		id = uint32(len(t.list))
		t.ids[s], t.list = id, append(t.list, s)
	}
	return id
}

// Lookup returns the number of s, and false if s has none (the table
// was never given it), without numbering it.
func (t *Table) Lookup(s string) (uint32, bool) {
	if s == "" {
		return 0, true
	}
	id, ok := t.ids[s]
	return id, ok
}

// String returns the string numbered id, which the table gave.
func (t *Table) String(id uint32) string {
	if id == 0 {
		return ""
	}
	return t.list[id]
}

// Len returns how many numbers the table has given, 0 (the empty string)
// included: every number is below it.
func (t *Table) Len() int { return max(len(t.list), 1) }
