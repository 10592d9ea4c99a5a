package hierarchy_test

import (
	"slices"
	"strings"
	"testing"

	"hailong"
	"hailong/assets"
	"hailong/hierarchy"
)

func demoTree(t *testing.T) *hierarchy.Tree {
	t.Helper()
	f, err := assets.FS("").Open(assets.DemoUnits)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree, err := hierarchy.ReadCSV(f)
	if err != nil {
		t.Fatalf("demo units: %v %v", err, hailong.ErrorFields(err))
	}
	return tree
}

func date(t *testing.T, s string) hailong.Date {
	t.Helper()
	d, err := hailong.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSubtreeThroughTheMerger(t *testing.T) {
	tree := demoTree(t)
	tests := []struct {
		name, root, asOf string
		contains         []string
		excludes         []string
	}{
		// After 1 July 2025, the new Bắc Ninh (24) holds both old provinces.
		{"new province holds old units", "24", "2026-01-01", []string{"24", "27", "TT-27", "MC-256", "MC-213", "TT-09190", "256"}, nil},
		// Viewed through the old structure, 24 is Bắc Giang alone.
		{"old Bắc Giang alone", "24", "2025-06-30", []string{"24", "213", "MC-213", "TT-24"}, []string{"27", "TT-27", "MC-256"}},
		{"old Bắc Ninh", "27", "2025-06-30", []string{"27", "256", "MC-256", "TT-27"}, []string{"24", "MC-213"}},
		// A new ward holds the old district's one-stop desk it succeeded.
		{"ward holds old district desk", "09190", "2026-01-01", []string{"09190", "TT-09190", "MC-256", "256"}, []string{"MC-261", "TT-27"}},
		{"centre alone", "TT-09250", "2026-01-01", []string{"TT-09250", "MC-261"}, []string{"09250"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tree.Subtree(tt.root, date(t, tt.asOf))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tt.contains {
				if !slices.Contains(got, c) {
					t.Errorf("subtree of %s on %s lacks %s: %v", tt.root, tt.asOf, c, got)
				}
			}
			for _, c := range tt.excludes {
				if slices.Contains(got, c) {
					t.Errorf("subtree of %s on %s has %s: %v", tt.root, tt.asOf, c, got)
				}
			}
		})
	}
}

func TestSubtreeErrors(t *testing.T) {
	tree := demoTree(t)
	if _, err := tree.Subtree("99", date(t, "2026-01-01")); hailong.ErrorCode(err) != hailong.ENOTFOUND {
		t.Errorf("unknown unit: %v", err)
	}
	_, err := tree.Subtree("27", date(t, "2026-01-01"))
	if hailong.ErrorCode(err) != hailong.ENOTFOUND || !strings.Contains(hailong.ErrorMessage(err), "not in force") {
		t.Errorf("ended unit: %v", err)
	}
}

func TestReadCSVReportsEveryBadRow(t *testing.T) {
	const header = "code,name,kind,parent,valid_from,valid_to,successor\n"
	tests := []struct {
		name string
		csv  string
		want []string // field names expected in the errors
	}{
		{"good", header + "01,Thành phố Hà Nội,province,,2025-07-01,,\n", nil},
		{"bom accepted", "\ufeff" + header + "01,Hà Nội,province,,2025-07-01,,\n", nil},
		{"wrong header", "code,name\n01,x\n", []string{"line 1"}},
		{"bad fields", header +
			"01,Hà Nội,province,,2025-07-01,,\n" +
			"0 2,,city,,2025-13-01,,\n" +
			"03,Xã A,commune,01,2025-07-01,2025-01-01,\n" +
			"04,Xã B,commune,01,2025-07-01,,05\n",
			[]string{"line 3: code", "line 3: name", "line 3: kind", "line 3: valid_from", "line 4: valid_to", "line 5: successor"}},
		{"wrong column count", header + "01,Hà Nội,province\n", []string{"line 2: row"}},
		{"parent missing", header + "02,Xã,commune,01,2025-07-01,,\n", []string{"units"}},
		{"overlap", header + "01,A,province,,2020-01-01,,\n01,B,province,,2025-07-01,,\n", []string{"units"}},
		{"empty", header, []string{"line 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, err := hierarchy.ReadCSV(strings.NewReader(tt.csv))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v %v", err, hailong.ErrorFields(err))
				}
				return
			}
			if tree != nil || hailong.ErrorCode(err) != hailong.EINVALID {
				t.Fatalf("got tree=%v err=%v, want EINVALID and nothing imported", tree != nil, err)
			}
			var fields []string
			for _, f := range hailong.ErrorFields(err) {
				fields = append(fields, f.Field)
			}
			for _, w := range tt.want {
				if !slices.Contains(fields, w) {
					t.Errorf("errors %v lack %q", hailong.ErrorFields(err), w)
				}
			}
		})
	}
}

func TestCSVRoundTrip(t *testing.T) {
	tree := demoTree(t)
	var b strings.Builder
	if err := tree.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	again, err := hierarchy.ReadCSV(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tree.Records(), again.Records()) {
		t.Error("units changed on a CSV round trip")
	}
}

func TestChain(t *testing.T) {
	tree := demoTree(t)
	tests := []struct {
		code, asOf string
		want       []string
	}{
		{"MC-256", "2025-06-30", []string{"MC-256", "256", "27"}},
		{"MC-256", "2026-01-01", []string{"TT-09190", "09190", "24"}},
		{"27", "2026-01-01", []string{"24"}},
		{"09190", "2025-06-30", nil}, // not yet created
	}
	for _, tt := range tests {
		t.Run(tt.code+" on "+tt.asOf, func(t *testing.T) {
			if got := tree.Chain(tt.code, date(t, tt.asOf)); !slices.Equal(got, tt.want) {
				t.Fatalf("Chain = %v, want %v", got, tt.want)
			}
		})
	}
}
