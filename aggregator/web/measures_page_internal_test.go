package web

import (
	"slices"
	"testing"

	"hailong/aggregator/synth"
	"hailong/procedure"
)

func TestCatalogueOptionsAreSortedByNameTheVietnameseWay(t *testing.T) {
	cat := procedure.New([]procedure.Procedure{
		{Code: "1.000003", Name: "Đăng ký khai sinh", Field: "Hộ tịch"},
		{Code: "1.000001", Name: "Điều chỉnh giấy phép", Field: "Xây dựng"},
		{Code: "1.000002", Name: "dịch vụ công", Field: "Hộ tịch"},
		{Code: "1.000004", Name: "Cấp giấy phép", Field: ""},
	})
	procs, fields := catalogueOptions(cat)
	var names []string
	for _, p := range procs {
		names = append(names, p.Label)
	}
	if want := []string{"Cấp giấy phép", "dịch vụ công", "Đăng ký khai sinh", "Điều chỉnh giấy phép"}; !slices.Equal(names, want) {
		t.Errorf("procedures %q, want %q", names, want)
	}
	if want := []option{{"Hộ tịch", "Hộ tịch"}, {"Xây dựng", "Xây dựng"}}; !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	other := procedure.New([]procedure.Procedure{{Code: "2.000001", Name: "Thủ tục mới", Field: "Đất đai"}})
	if procs, _ := catalogueOptions(other); len(procs) != 1 || procs[0].Label != "Thủ tục mới" {
		t.Errorf("a new catalogue lists %v", procs)
	}
}

// BenchmarkCatalogueOptions: the filters' lists of the synthetic
// province's 2,000 procedures, sorted by name on every page, or once for
// the catalogue.
//
//	go test -run '^$' -bench CatalogueOptions ./aggregator/web
func BenchmarkCatalogueOptions(b *testing.B) {
	cat := procedure.New(synth.Procedures())
	b.Run("sorted-on-every-page", func(b *testing.B) {
		for b.Loop() {
			catalogueChoices.of = nil
			catalogueOptions(cat)
		}
	})
	b.Run("sorted-once", func(b *testing.B) {
		for b.Loop() {
			catalogueOptions(cat)
		}
	})
}
