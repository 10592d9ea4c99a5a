package procedure_test

import (
	"slices"
	"strings"
	"testing"

	"hailong"
	"hailong/assets"
	"hailong/procedure"
)

func TestDemoCatalogue(t *testing.T) {
	f, err := assets.FS("").Open(assets.DemoProcedures)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := procedure.ReadCSV(f)
	if err != nil {
		t.Fatal(err, hailong.ErrorFields(err))
	}
	if p, ok := c.Get("1.004227"); !ok || p.Name != "Đăng ký khai sinh" || p.Field != "Hộ tịch" {
		t.Errorf("1.004227 = %+v", p)
	}
	if got := c.InField("Hộ tịch"); !slices.Equal(got, []string{"1.001193", "1.004227", "1.004873"}) {
		t.Errorf("Hộ tịch = %v", got)
	}
}

func TestReadCSVReportsEveryBadRow(t *testing.T) {
	const header = "code,name,field,legal_days\n"
	tests := []struct {
		name string
		csv  string
		want []string
	}{
		{"good", header + "1.004227,Đăng ký khai sinh,Hộ tịch,0\n", nil},
		{"wrong header", "ma,ten\n", []string{"line 1"}},
		{"bad rows", header +
			"1.004227,Đăng ký khai sinh,Hộ tịch,0\n" +
			"1-4227,,,x\n" +
			"1.004227,Lặp lại,Hộ tịch,3\n",
			[]string{"line 3: code", "line 3: name", "line 3: field", "line 3: legal_days", "line 4: code"}},
		{"wrong column count", header + "1.004227,Đăng ký khai sinh\n", []string{"line 2: row"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := procedure.ReadCSV(strings.NewReader(tt.csv))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if c != nil || hailong.ErrorCode(err) != hailong.EINVALID {
				t.Fatalf("want EINVALID and nothing imported, got %v", err)
			}
			var got []string
			for _, f := range hailong.ErrorFields(err) {
				got = append(got, f.Field)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("errors %v lack %q", hailong.ErrorFields(err), w)
				}
			}
		})
	}
}
