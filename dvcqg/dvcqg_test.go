package dvcqg_test

import (
	"encoding/json"
	"strings"
	"testing"

	"hailong"
	"hailong/dvcqg"
)

func date(s string) hailong.Date {
	d, err := hailong.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func ptr(d hailong.Date) *hailong.Date { return &d }

// TestRecordOutcome translates a record of every status: 10 is an outcome,
// 1 to 9 are ignored with a reason, anything else is refused.
func TestRecordOutcome(t *testing.T) {
	base := `"MaHoSo": "G09.20-20260302-0000001", "MaTTHC": "1.004227", "DonViXuLy": "000.00.09.H22",
		"NgayTiepNhan": "20260302081500", "NgayHenTra": "20260310170000"`
	returned := hailong.Outcome{NationalDossier: "G09.20-20260302-0000001", Unit: "TT-09190", Procedure: "1.004227", Agency: "000.00.09.H22",
		Received: date("2026-03-02"), Due: date("2026-03-10"), Returned: ptr(date("2026-03-09"))}
	with := func(f func(o *hailong.Outcome)) hailong.Outcome { o := returned; f(&o); return o }
	tests := []struct {
		name    string
		record  string
		want    hailong.Outcome
		ignored string // a word of the reason
		refused string // the field named
	}{
		{"1 Mới đăng ký", `{` + base + `, "TrangThaiHoSo": 1}`, hailong.Outcome{}, "not received", ""},
		{"2 Được tiếp nhận", `{` + base + `, "TrangThaiHoSo": 2}`, hailong.Outcome{}, "being handled", ""},
		{"3 Không được tiếp nhận", `{` + base + `, "TrangThaiHoSo": 3}`, hailong.Outcome{}, "refused", ""},
		{"4 Đang xử lý", `{` + base + `, "TrangThaiHoSo": 4}`, hailong.Outcome{}, "being handled", ""},
		{"5 Yêu cầu bổ sung", `{` + base + `, "TrangThaiHoSo": 5}`, hailong.Outcome{}, "being handled", ""},
		{"6 Nghĩa vụ tài chính", `{` + base + `, "TrangThaiHoSo": 6}`, hailong.Outcome{}, "being handled", ""},
		{"7 Rút hồ sơ", `{` + base + `, "TrangThaiHoSo": 7}`, hailong.Outcome{}, "withdrawn", ""},
		{"8 Dừng xử lý", `{` + base + `, "TrangThaiHoSo": 8}`, hailong.Outcome{}, "stopped", ""},
		{"9 Đã xử lý xong", `{` + base + `, "TrangThaiHoSo": 9}`, hailong.Outcome{}, "not returned", ""},
		{"10 Đã trả kết quả", `{` + base + `, "TrangThaiHoSo": 10, "NgayTra": "20260309100000"}`, returned, "", ""},
		{"10 as a string, online", `{` + base + `, "TrangThaiHoSo": "10", "KenhThucHien": "2", "NgayTra": "20260309100000"}`,
			with(func(o *hailong.Outcome) { o.Via = hailong.OutcomeOnline }), "", ""},
		{"dates as JSON numbers", `{"MaHoSo": "G09.20-20260302-0000001", "MaTTHC": "1.004227", "DonViXuLy": "000.00.09.H22",
			"NgayTiepNhan": 20260302081500, "NgayHenTra": 20260310170000, "TrangThaiHoSo": 10, "NgayTra": 20260309100000}`, returned, "", ""},
		{"a date that is neither string nor number", `{` + base + `, "TrangThaiHoSo": 10, "NgayTra": true}`, hailong.Outcome{}, "", "NgayTra"},
		{"a date as a number in another notation", `{` + base + `, "TrangThaiHoSo": 10, "NgayTra": 2.0260309100000e13}`, hailong.Outcome{}, "", "NgayTra"},
		{"returned just before midnight, Vietnam time", `{` + base + `, "TrangThaiHoSo": 10, "NgayTra": "20260309235959"}`, returned, "", ""},
		{"supplements move the due date", `{` + base + `, "TrangThaiHoSo": 10, "NgayTra": "20260313100000",
			"DanhSachHoSoBoSung": [{"NgayHenTraTruoc": "20260310170000", "NgayHenTraMoi": "20260314170000"},
			                       {"NgayHenTraTruoc": "20260314170000", "NgayHenTraMoi": "20260316170000"}]}`,
			with(func(o *hailong.Outcome) { o.Due, o.Returned = date("2026-03-16"), ptr(date("2026-03-13")) }), "", ""},
		{"unknown status", `{` + base + `, "TrangThaiHoSo": 11, "NgayTra": "20260309100000"}`, hailong.Outcome{}, "", "TrangThaiHoSo"},
		{"status not a number", `{` + base + `, "TrangThaiHoSo": "xong"}`, hailong.Outcome{}, "", "TrangThaiHoSo"},
		{"no status", `{` + base + `}`, hailong.Outcome{}, "", "TrangThaiHoSo"},
		{"returned without NgayTra", `{` + base + `, "TrangThaiHoSo": 10}`, hailong.Outcome{}, "", "NgayTra"},
		{"date in another layout", `{` + base + `, "TrangThaiHoSo": 10, "NgayTra": "09/03/2026"}`, hailong.Outcome{}, "", "NgayTra"},
		{"unknown channel", `{` + base + `, "TrangThaiHoSo": 10, "KenhThucHien": 4, "NgayTra": "20260309100000"}`, hailong.Outcome{}, "", "KenhThucHien"},
		{"returned before received", `{` + base + `, "TrangThaiHoSo": 10, "NgayTra": "20260301100000"}`, hailong.Outcome{}, "", "NgayTra"},
		{"due before received", `{"MaHoSo": "G09.20-20260302-0000001", "NgayTiepNhan": "20260302081500", "NgayHenTra": "20260301170000", "TrangThaiHoSo": 10, "NgayTra": "20260309100000"}`,
			hailong.Outcome{}, "", "NgayHenTra"},
		{"a supplement moving the due date before the dossier was received", `{` + base + `, "TrangThaiHoSo": 10, "NgayTra": "20260309100000",
			"DanhSachHoSoBoSung": [{"NgayHenTraTruoc": "20260310170000", "NgayHenTraMoi": "20260225170000"}]}`, hailong.Outcome{}, "", "DanhSachHoSoBoSung[0].NgayHenTraMoi"},
		{"not a dossier code", `{"MaHoSo": "HS 1", "TrangThaiHoSo": 10, "NgayTiepNhan": "20260302081500", "NgayHenTra": "20260310170000", "NgayTra": "20260309100000"}`,
			hailong.Outcome{}, "", "MaHoSo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r dvcqg.Record
			if err := json.Unmarshal([]byte(tt.record), &r); err != nil {
				t.Fatal(err)
			}
			got, ignored, err := r.Outcome("TT-09190")
			switch {
			case tt.refused != "":
				if err == nil || !hasField(err, tt.refused) {
					t.Errorf("err %v (%v), want one naming %s", err, hailong.ErrorFields(err), tt.refused)
				}
				for _, f := range hailong.ErrorFields(err) {
					if strings.Contains(f.Message, "received") || strings.Contains(f.Message, "returned") {
						t.Errorf("%s: %q names a field of our format, not of the record", f.Field, f.Message)
					}
				}
			case tt.ignored != "":
				if err != nil || !strings.Contains(ignored, tt.ignored) {
					t.Errorf("ignored %q, err %v; want a reason saying %q", ignored, err, tt.ignored)
				}
			default:
				if err != nil || ignored != "" || got.Digest() != tt.want.Digest() {
					t.Errorf("got %+v (ignored %q, err %v), want %+v", got, ignored, err, tt.want)
				}
			}
		})
	}
}

func hasField(err error, field string) bool {
	for _, f := range hailong.ErrorFields(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}
