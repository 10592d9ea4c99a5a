package hierarchy

import "hailong"

// ProvinceOf returns the code of the province unit rolls up into on d, or
// "" if it rolls up into none: the partition between provincial
// aggregators (a unit merged away counts in its successor's province).
func (t *Tree) ProvinceOf(unit string, d hailong.Date) string {
	chain := t.Chain(unit, d)
	if len(chain) == 0 {
		return ""
	}
	root := chain[len(chain)-1]
	if u, ok := t.At(root, d); !ok || u.Kind != Province {
		return ""
	}
	return root
}
