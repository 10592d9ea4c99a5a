package web

import (
	"fmt"
	"testing"
)

func TestHeadRowsGroupColumnsSideBySide(t *testing.T) {
	tests := []struct {
		name   string
		titles []string
		want   string // each row's headings: title/span/rows
	}{
		{"no group", []string{"Chỉ số", "Số lượt", "Giá trị"}, "[[Chỉ số/0/0 Số lượt/0/0 Giá trị/0/0]]"},
		{"a group of two", []string{"Chỉ số", "KTC 95 %: cận dưới", "KTC 95 %: cận trên", "Xếp loại"},
			"[[Chỉ số/0/2 KTC 95 %/2/0 Xếp loại/0/2] [cận dưới/0/0 cận trên/0/0]]"},
		{"two groups side by side", []string{"Chỉ số", "Kỳ trước: Giá trị", "Kỳ trước: z", "Cùng kỳ năm trước: Giá trị", "Cùng kỳ năm trước: z"},
			"[[Chỉ số/0/2 Kỳ trước/2/0 Cùng kỳ năm trước/2/0] [Giá trị/0/0 z/0/0 Giá trị/0/0 z/0/0]]"},
		{"a lone colon is no group", []string{"Chỉ số", "Ghi chú: nguồn"}, "[[Chỉ số/0/0 Ghi chú: nguồn/0/0]]"},
		{"the same group apart is two groups", []string{"A: x", "A: y", "B", "A: z", "A: w"},
			"[[A/2/0 B/0/2 A/2/0] [x/0/0 y/0/0 z/0/0 w/0/0]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v tableView
			for _, title := range tt.titles {
				v.Head = append(v.Head, headCell{Title: title})
			}
			var got [][]string
			for _, row := range v.HeadRows() {
				var r []string
				for _, h := range row {
					r = append(r, fmt.Sprintf("%s/%d/%d", h.Title, h.Span, h.Rows))
				}
				got = append(got, r)
			}
			if s := fmt.Sprint(got); s != tt.want {
				t.Errorf("got %s\nwant %s", s, tt.want)
			}
		})
	}
}
