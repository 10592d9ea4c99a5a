package hailong_test

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"hailong"
)

func TestParseDossierCode(t *testing.T) {
	code := func(agency string, y int, m time.Month, d int, seq string) hailong.DossierCode {
		return hailong.DossierCode{Agency: agency, Date: hailong.DateFromYMD(y, m, d), Sequence: seq}
	}
	tests := []struct {
		name, code string
		want       hailong.DossierCode
		ok         bool
	}{
		{"Circular 01", "H15.50.05.13-261008-0975", code("H15.50.05.13", 2026, 10, 8, "0975"), true},
		{"national portal, YYYYMMDD", "G09.20-20260609-0092637", code("G09.20", 2026, 6, 9, "0092637"), true},
		{"2026 centralised", "M01.234.56-260115-AB0001", code("M01.234.56", 2026, 1, 15, "AB0001"), true},
		{"lower case", "g09.20-20260609-0092637", code("G09.20", 2026, 6, 9, "0092637"), true},
		{"typed dashes, spaces around", " H15.50.05.13–261008‐0975\t", code("H15.50.05.13", 2026, 10, 8, "0975"), true},
		{"space inside", "H15 50-261008-0975", hailong.DossierCode{}, false},
		{"no such day", "H15.50-261332-0975", hailong.DossierCode{}, false},
		{"seven-digit date", "H15.50-2610081-0975", hailong.DossierCode{}, false},
		{"short sequence", "H15.50-261008-975", hailong.DossierCode{}, false},
		{"no agency", "-261008-0975", hailong.DossierCode{}, false},
		{"a trailing dot in the agency", "H15.50.05.13.-261202-0101", hailong.DossierCode{}, false},
		{"two dots in the agency", "H15..50-261202-0101", hailong.DossierCode{}, false},
		{"received in 1999 (YY 99)", "H15.50-991231-0101", hailong.DossierCode{}, false},
		{"received in 2101", "G09.20-21010101-0101", hailong.DossierCode{}, false},
		{"received on the first day", "G09.20-20000101-0101", code("G09.20", 2000, 1, 1, "0101"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := hailong.ParseDossierCode(tt.code)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("ParseDossierCode(%q) = %+v, %v; want %+v, ok %v", tt.code, got, err, tt.want, tt.ok)
			}
			if err := hailong.CheckDossierCode(tt.code); (err == nil) != tt.ok {
				t.Errorf("CheckDossierCode(%q) = %v, want ok %v", tt.code, err, tt.ok)
			}
		})
	}
}

func TestDossierCodesMatchEitherCode(t *testing.T) {
	both := hailong.DossierCodes{Local: "H22.39-260305-0101", National: "G09.20-20260305-0000101"}
	tests := []struct {
		name  string
		codes hailong.DossierCodes
		code  string
		want  bool
	}{
		{"local", both, "H22.39-260305-0101", true},
		{"national", both, "G09.20-20260305-0000101", true},
		{"national, typed", both, " g09.20–20260305-0000101 ", true},
		{"another dossier", both, "H22.39-260305-0102", false},
		{"empty code", both, "", false},
		{"national only", hailong.DossierCodes{National: both.National}, both.Local, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.codes.Matches(tt.code); got != tt.want {
				t.Errorf("%+v.Matches(%q) = %v", tt.codes, tt.code, got)
			}
		})
	}
	t.Run("keys", func(t *testing.T) {
		for _, tt := range []struct {
			codes hailong.DossierCodes
			want  []string
		}{
			{both, []string{"H22.39-260305-0101", "G09.20-20260305-0000101"}},
			{hailong.DossierCodes{Local: "h22.39-260305-0101", National: "H22.39-260305-0101"}, []string{"H22.39-260305-0101"}},
			{hailong.DossierCodes{National: "g09.20-20260305-0000101"}, []string{"G09.20-20260305-0000101"}},
			{hailong.DossierCodes{}, nil},
		} {
			if got := tt.codes.Keys(); !slices.Equal(got, tt.want) {
				t.Errorf("%+v.Keys() = %q, want %q", tt.codes, got, tt.want)
			}
		}
	})
}

func TestNormalizeDossierCode(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"already normal", "H15.50.05.13-261008-0975", "H15.50.05.13-261008-0975"},
		{"lower case", "h15.50.05.13-261008-0975", "H15.50.05.13-261008-0975"},
		{"white space around", " \tG09.20-20260609-0092637\n", "G09.20-20260609-0092637"},
		{"en dash and minus sign", "H15.50.05.13\u2013261008\u22120975", "H15.50.05.13-261008-0975"},
		{"full-width hyphen, lower case", "g09.20\uFF0D20260609-0092637", "G09.20-20260609-0092637"},
		{"space inside stays", "H15 50-261008-0975", "H15 50-261008-0975"},
		{"empty", "  ", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := hailong.NormalizeDossierCode(tc.in); got != tc.want {
				t.Fatalf("NormalizeDossierCode(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	t.Run("a normal code is not copied", func(t *testing.T) {
		in := strings.Clone("H15.50.05.13-261008-0975")
		if got := hailong.NormalizeDossierCode(in); unsafe.StringData(got) != unsafe.StringData(in) {
			t.Fatal("a code already normal was copied: the outcome book holds every code twice")
		}
	})
}
