// Package dvcqg reads the record in which provincial one-stop software
// syncs every dossier to the national public service portal (Cổng Dịch vụ
// công quốc gia, DVCQG): the DongBoHoSoMC service's record, with its
// status codes (TrangThaiHoSo) and dates written yyyyMMddHHmmss in Vietnam
// time, and translates it into the aggregator's dossier outcome.
//
// Only a dossier whose result was returned (status 10) is an outcome: every
// other status is either not final (the dossier is still being handled, and
// nothing of it is measured until its result is returned) or final without
// a result (not received, withdrawn, stopped), which Decision 766 and
// Circular 01 do not count. Such records are answered "ignored" with the
// reason, and nothing is stored: the software sends a record at every
// change of status, and the outcome log is insert-only.
package dvcqg

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"hailong"
)

// MediaType is the content type of a batch of DongBoHoSoMC records sent to
// POST /api/v1/outcomes.
const MediaType = "application/vnd.dvcqg.dongbohosomc+json"

// Service is the name of the portal's service whose record this is.
const Service = "DongBoHoSoMC"

// Batch is the body the one-stop software sends the portal, with Unit
// added: the receiving centre in the aggregator's codes, which the portal's
// record does not carry (DonViXuLy is the processing agency). The portal's
// session and isUpdating mean nothing here and are not accepted.
type Batch struct {
	// Unit is the receiving centre of every record; empty means the unit
	// the one-stop client is enrolled for.
	Unit string `json:"unit,omitempty"`
	// Service, when given, must be DongBoHoSoMC.
	Service string `json:"service,omitempty"`
	// MaDonVi is the sender's code on the portal; kept out of outcomes.
	MaDonVi string `json:"madonvi,omitempty"`
	// Data holds the records, each read on its own so that one bad record
	// is refused alone.
	Data []json.RawMessage `json:"data"`
}

// Status is a record's TrangThaiHoSo.
type Status int

// The statuses of DongBoHoSoMC.
const (
	New                 Status = 1  // Mới đăng ký
	Received            Status = 2  // Được tiếp nhận
	NotReceived         Status = 3  // Không được tiếp nhận
	InProgress          Status = 4  // Đang xử lý
	SupplementRequested Status = 5  // Yêu cầu bổ sung giấy tờ
	FinancialObligation Status = 6  // Yêu cầu thực hiện nghĩa vụ tài chính
	Withdrawn           Status = 7  // Công dân yêu cầu rút hồ sơ
	Stopped             Status = 8  // Dừng xử lý
	Processed           Status = 9  // Đã xử lý xong
	Returned            Status = 10 // Đã trả kết quả
)

var statusNames = map[Status]string{
	New: "Mới đăng ký", Received: "Được tiếp nhận", NotReceived: "Không được tiếp nhận", InProgress: "Đang xử lý",
	SupplementRequested: "Yêu cầu bổ sung giấy tờ", FinancialObligation: "Yêu cầu thực hiện nghĩa vụ tài chính",
	Withdrawn: "Công dân yêu cầu rút hồ sơ", Stopped: "Dừng xử lý", Processed: "Đã xử lý xong", Returned: "Đã trả kết quả",
}

// String returns the status's code and Vietnamese name.
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return fmt.Sprintf("%d (%s)", int(s), n)
	}
	return strconv.Itoa(int(s))
}

// Known reports whether s is a status of DongBoHoSoMC.
func (s Status) Known() bool { _, ok := statusNames[s]; return ok }

// whyIgnored says, for each status that is not an outcome, why.
var whyIgnored = map[Status]string{
	New:                 "the dossier is not received yet",
	Received:            "the dossier is being handled; it counts once its result is returned (status 10)",
	InProgress:          "the dossier is being handled; it counts once its result is returned (status 10)",
	SupplementRequested: "the dossier is being handled; it counts once its result is returned (status 10)",
	FinancialObligation: "the dossier is being handled; it counts once its result is returned (status 10)",
	Processed:           "the result is not returned yet; it counts once it is (status 10)",
	NotReceived:         "a dossier refused at the desk has no result to measure",
	Withdrawn:           "a dossier withdrawn by the citizen has no result to measure",
	Stopped:             "a dossier whose handling was stopped has no result to measure",
}

// Record is the part of a DongBoHoSoMC record the aggregator reads. Every
// other field of the record (the applicant's name, address, phone, …) is
// ignored and never stored.
type Record struct {
	MaHoSo             string       `json:"MaHoSo"`
	MaTTHC             string       `json:"MaTTHC"`
	MaLinhVuc          string       `json:"MaLinhVuc"`
	KenhThucHien       Number       `json:"KenhThucHien"`
	TrangThaiHoSo      Number       `json:"TrangThaiHoSo"`
	NgayTiepNhan       Stamp        `json:"NgayTiepNhan"`
	NgayHenTra         Stamp        `json:"NgayHenTra"`
	NgayTra            Stamp        `json:"NgayTra"`
	DonViXuLy          string       `json:"DonViXuLy"`
	DanhSachHoSoBoSung []Supplement `json:"DanhSachHoSoBoSung"`
}

// Supplement is one request for more documents; it moves the due date
// from NgayHenTraTruoc to NgayHenTraMoi.
type Supplement struct {
	NgayHenTraTruoc Stamp `json:"NgayHenTraTruoc"`
	NgayHenTraMoi   Stamp `json:"NgayHenTraMoi"`
}

// Stamp is an instant as the portal's records write it, yyyyMMddHHmmss:
// a string, or, as some one-stop systems send it, a JSON number of those
// digits (20261130081500), taken as its digits. Absent or null is "".
type Stamp string

// UnmarshalJSON reads "20261130081500", 20261130081500 or null. Anything
// else (true, an object, 2.026e13) is kept as written, for ParseDate to
// refuse beside its field.
func (s *Stamp) UnmarshalJSON(b []byte) error {
	raw := strings.TrimSpace(string(b))
	switch {
	case raw == "null":
		*s = ""
	case strings.HasPrefix(raw, `"`):
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = Stamp(v)
	default:
		*s = Stamp(raw)
	}
	return nil
}

// Number is a code the portal's records write either as a JSON number or
// as a string of digits; absent is 0.
type Number struct {
	Value int
	Set   bool
	Raw   string // as sent, for messages
}

// UnmarshalJSON reads 10, "10" or null.
func (n *Number) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if uq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(uq)
	}
	n.Raw, n.Set = s, true
	v, err := strconv.Atoi(s)
	if err != nil {
		n.Value = -1
		return nil // reported by the translation, beside the record
	}
	n.Value = v
	return nil
}

// Via maps KenhThucHien to hailong.Outcome.Via.
var via = map[int]string{1: hailong.OutcomeCounter, 2: hailong.OutcomeOnline, 3: hailong.OutcomePost}

// DateLayout is how the portal writes an instant, in Vietnam time.
const DateLayout = "20060102150405"

// ParseDate reads a date yyyyMMddHHmmss (or yyyyMMdd) in Vietnam time and
// returns its day.
func ParseDate(s string) (hailong.Date, error) {
	layout := DateLayout
	if len(s) == 8 {
		layout = "20060102"
	}
	t, err := time.ParseInLocation(layout, s, hailong.Location)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date yyyyMMddHHmmss", truncate(s, 20))
	}
	return hailong.DateOf(t), nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// Outcome translates the record of a dossier received at unit. A record
// that is not an outcome (see the package comment) gives ignored, the
// reason; a record that cannot be read gives an EINVALID error naming
// each field.
func (r *Record) Outcome(unit string) (o hailong.Outcome, ignored string, err error) {
	var fields []hailong.FieldError
	bad := func(field, msg string) { fields = append(fields, hailong.FieldError{Field: field, Message: msg}) }
	st := Status(r.TrangThaiHoSo.Value)
	switch {
	case !r.TrangThaiHoSo.Set:
		bad("TrangThaiHoSo", "is required")
	case !st.Known():
		bad("TrangThaiHoSo", fmt.Sprintf("%q is not a status of DongBoHoSoMC (1 to 10)", truncate(r.TrangThaiHoSo.Raw, 20)))
	case st != Returned:
		return o, fmt.Sprintf("TrangThaiHoSo %s: %s.", st, whyIgnored[st]), nil
	}
	if r.MaHoSo == "" {
		bad("MaHoSo", "is required")
	}
	o = hailong.Outcome{NationalDossier: r.MaHoSo, Unit: unit, Procedure: r.MaTTHC, Agency: r.DonViXuLy}
	if r.KenhThucHien.Set {
		if o.Via = via[r.KenhThucHien.Value]; o.Via == "" {
			bad("KenhThucHien", fmt.Sprintf("%q is not 1 (counter), 2 (online) or 3 (post)", truncate(r.KenhThucHien.Raw, 20)))
		}
	}
	date := func(field, s string) hailong.Date {
		if s == "" {
			bad(field, "is required")
			return 0
		}
		d, err := ParseDate(s)
		if err != nil {
			bad(field, err.Error())
		}
		return d
	}
	o.Received = date("NgayTiepNhan", string(r.NgayTiepNhan))
	o.Due = date("NgayHenTra", string(r.NgayHenTra))
	returned := date("NgayTra", string(r.NgayTra))
	o.Returned = &returned
	// Each supplement moves the due date; the latest one stands, whether
	// or not NgayHenTra was already moved with it.
	for i, s := range r.DanhSachHoSoBoSung {
		field := fmt.Sprintf("DanhSachHoSoBoSung[%d].NgayHenTraMoi", i)
		d := date(field, string(s.NgayHenTraMoi))
		if d != 0 && o.Received != 0 && d < o.Received {
			bad(field, "must not be before NgayTiepNhan")
		}
		if d > o.Due {
			o.Due = d
		}
	}
	if len(fields) == 0 {
		// The outcome's own rules (code formats, dates in order), told in
		// the record's names.
		for _, f := range hailong.ErrorFields(o.Validate()) {
			if name, ok := recordField[f.Field]; ok {
				f.Field = name
			}
			if f.Said != nil { // "must not be before received": of NgayTiepNhan
				args := slices.Clone(f.Said.Args)
				for i, a := range args {
					if name, ok := a.(string); ok && recordField[name] != "" {
						args[i] = recordField[name]
					}
				}
				f = hailong.Fieldf(f.Field, f.Said.Format, args...)
			}
			fields = append(fields, f)
		}
	}
	if len(fields) > 0 {
		return hailong.Outcome{}, "", hailong.Invalid("The DongBoHoSoMC record is not valid.", fields...)
	}
	return o, "", nil
}

// FieldOf names the record's field an outcome's field comes from (MaHoSo
// for national_dossier, NgayTra for returned, ...), or returns the name
// as it is when no one field does: what a reason says of a record.
func FieldOf(outcomeField string) string {
	if name, ok := recordField[outcomeField]; ok {
		return name
	}
	return outcomeField
}

// recordField names the record's field an outcome's field comes from.
var recordField = map[string]string{
	"national_dossier": "MaHoSo", "procedure": "MaTTHC", "agency": "DonViXuLy", "via": "KenhThucHien",
	"received": "NgayTiepNhan", "due": "NgayHenTra", "returned": "NgayTra",
}
