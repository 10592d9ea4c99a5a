package web

import "strings"

// groupSep parts a column's title into its group and its own heading:
// "Kỳ trước: Thay đổi" is "Thay đổi" under "Kỳ trước". A downloaded file
// keeps the whole title in its one header row.
const groupSep = ": "

// headRow is one row of a table's column headings.
type headRow []headCell

// HeadRows are the table's column headings as the page writes them. Where
// columns side by side share a group ("Kỳ trước: Giá trị", "Kỳ trước: Thay
// đổi", …), the group heads them once (scope="colgroup", spanning them)
// and each keeps its short heading below: a wide table of comparisons
// fits a desktop screen without scrolling sideways, its headings short
// and still read whole by a screen reader. A column of no group spans
// both rows. A table without groups has one row.
func (v tableView) HeadRows() []headRow {
	groups := make([]string, len(v.Head))
	subs := make([]string, len(v.Head))
	for i, h := range v.Head {
		groups[i], subs[i], _ = strings.Cut(h.Title, groupSep)
	}
	grouped := func(i int) bool {
		return subs[i] != "" && ((i > 0 && groups[i-1] == groups[i] && subs[i-1] != "") || (i+1 < len(groups) && groups[i+1] == groups[i] && subs[i+1] != ""))
	}
	var top, below headRow
	for i := 0; i < len(v.Head); i++ {
		h := v.Head[i]
		if !grouped(i) {
			h.Rows = 2
			top = append(top, h)
			continue
		}
		g := headCell{Title: groups[i], Span: 0, Num: h.Num}
		for ; i < len(v.Head) && grouped(i) && groups[i] == g.Title; i++ {
			sub := v.Head[i]
			sub.Title = subs[i]
			below = append(below, sub)
			g.Span++
		}
		i--
		top = append(top, g)
	}
	if len(below) == 0 {
		for i := range top {
			top[i].Rows = 0
		}
		return []headRow{top}
	}
	return []headRow{top, below}
}
