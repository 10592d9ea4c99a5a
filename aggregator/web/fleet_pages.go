package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/hierarchy"
	"hailong/measure"
)

// fleetTexts are the words of the admin pages.
var fleetTexts = map[string]map[string]string{
	"vi": {
		"admin": "Quản trị", "other": "English", "home": "Trang chính", "signed_in": "Đang đăng nhập:",
		"kiosks": "Ki-ốt", "clients": "Phần mềm một cửa", "imports": "Nhập đơn vị, thủ tục", "targets": "Chỉ tiêu",
		"kiosks_d":  "Đăng ký, thu hồi, cấp lại khoá ki-ốt; tình trạng hoạt động.",
		"clients_d": "Phần mềm một cửa gửi kết quả hồ sơ.", "imports_d": "Thay danh mục đơn vị hành chính hoặc thủ tục từ tệp CSV.",
		"targets_d": "Chỉ tiêu mức độ hài lòng và Quyết định 766.", "none": "Tài khoản này không có quyền quản trị nào.",
		"enrol_kiosk": "Đăng ký ki-ốt mới", "enrol_client": "Đăng ký phần mềm mới", "id": "Mã", "id_hint": "Chữ thường, số và dấu '-', ví dụ kiosk-kinhbac-1.",
		"unit": "Đơn vị", "enrol": "Đăng ký", "revoke": "Thu hồi", "rotate": "Cấp khoá mới", "status": "Tình trạng",
		"enrolled": "Ngày đăng ký", "actions": "Thao tác", "list": "Danh sách", "empty": "Chưa có.",
		"cred_title": "Khoá truy cập — chỉ hiển thị một lần", "cred_for": "Khoá của",
		"cred_help":      "Sao chép ngay khoá dưới đây (chọn cả ô rồi Ctrl+C, hoặc giữ ngón tay trên điện thoại rồi chọn Sao chép) và nhập vào cấu hình của thiết bị (-credential). Hệ thống chỉ lưu mã băm: khi rời trang này, không ai xem lại được khoá; nếu mất, hãy cấp khoá mới.",
		"rotate_help":    "Cấp khoá mới: khoá cũ bị từ chối ngay. Mã QR ki-ốt đã in trước đó (ký bằng khoá cũ) không còn hợp lệ; ki-ốt in mã mới sau khi được cài khoá mới.",
		"revoke_confirm": "Thu hồi: thiết bị bị từ chối ngay ở lần gửi tiếp theo, không cần khởi động lại.",
		"revoked_ok":     "Đã thu hồi.", "enrolled_ok": "Đã đăng ký.", "rotated_ok": "Đã cấp khoá mới; khoá cũ không còn dùng được.",
		"failed": "Không thực hiện được:", "revoked": "đã thu hồi",
		"st_never_seen": "chưa kết nối", "st_silent": "mất liên lạc", "st_stuck": "tồn đọng", "st_attention": "cần xem", "st_ok": "bình thường", "st_revoked": "đã thu hồi",
		"import_units": "Nhập đơn vị hành chính", "import_procedures": "Nhập danh mục thủ tục", "file": "Tệp CSV", "upload": "Tải lên",
		"import_help":   "Toàn bộ tệp thay danh mục hiện có. Nếu có dòng sai, không gì thay đổi và các lỗi được liệt kê theo dòng. Có hiệu lực ngay, không cần khởi động lại.",
		"import_errors": "Tệp có lỗi; danh mục không thay đổi.", "bad_lines": "Các dòng có lỗi", "line": "Dòng", "column": "Cột", "problem": "Lỗi",
		"imported_units": "Đã nhập %d bản ghi đơn vị; đang được sử dụng.", "imported_procedures": "Đã nhập %d thủ tục; đang được sử dụng.",
		"targets_help": "Mỗi dòng một chỉ tiêu: tỷ lệ (%), năm phải đạt và văn bản quy định. Xoá trống tỷ lệ và văn bản của một dòng để bỏ chỉ tiêu đó. Có hiệu lực ngay và được lưu lại.",
		"measure":      "Chỉ số", "target_pct": "Chỉ tiêu (%)", "by": "Năm", "source": "Văn bản", "save": "Lưu chỉ tiêu", "saved": "Đã lưu chỉ tiêu.",
		"satisfaction": "Mức độ hài lòng", "decision766": "Quyết định 766", "province_only": "Việc này áp dụng cho toàn tỉnh.",
	},
	"en": {
		"admin": "Administration", "other": "Tiếng Việt", "home": "Dashboard", "signed_in": "Signed in as",
		"kiosks": "Kiosks", "clients": "One-stop clients", "imports": "Import units and procedures", "targets": "Targets",
		"kiosks_d":  "Enrol, revoke, give new credentials; fleet health.",
		"clients_d": "One-stop software reporting dossier outcomes.", "imports_d": "Replace the administrative units or the procedures from CSV.",
		"targets_d": "Satisfaction and Decision 766 targets.", "none": "This account has no administration rights.",
		"enrol_kiosk": "Enrol a kiosk", "enrol_client": "Enrol a client", "id": "Id", "id_hint": "Lower-case letters, digits and '-', e.g. kiosk-kinhbac-1.",
		"unit": "Unit", "enrol": "Enrol", "revoke": "Revoke", "rotate": "New credential", "status": "Status",
		"enrolled": "Enrolled", "actions": "Actions", "list": "List", "empty": "None yet.",
		"cred_title": "Credential — shown only once", "cred_for": "Credential of",
		"cred_help":      "Copy the credential below now (select the whole box and press Ctrl+C, or long-press on a phone and choose Copy) into the device's configuration (-credential). Only its hash is kept: once you leave this page nobody can show it again; if it is lost, give a new credential.",
		"rotate_help":    "A new credential refuses the old one at once. QR codes the kiosk printed before (signed with the old key) stop being valid; the kiosk prints valid ones once it has the new credential.",
		"revoke_confirm": "Revoking refuses the device on its next request, without a restart.",
		"revoked_ok":     "Revoked.", "enrolled_ok": "Enrolled.", "rotated_ok": "New credential given; the old one no longer works.",
		"failed": "Not done:", "revoked": "revoked",
		"st_never_seen": "never seen", "st_silent": "silent", "st_stuck": "stuck", "st_attention": "attention", "st_ok": "ok", "st_revoked": "revoked",
		"import_units": "Import administrative units", "import_procedures": "Import the procedure catalogue", "file": "CSV file", "upload": "Upload",
		"import_help":   "The whole file replaces what is in use. If any line is wrong nothing changes and the errors are listed by line. Takes effect at once, without a restart.",
		"import_errors": "The file has errors; nothing was changed.", "bad_lines": "Lines with errors", "line": "Line", "column": "Column", "problem": "Problem",
		"imported_units": "Imported %d unit records; in use now.", "imported_procedures": "Imported %d procedures; in use now.",
		"targets_help": "One target a row: the rate (%), the year due and the document that sets it. Clear a row's rate and source to drop it. Takes effect at once and is stored.",
		"measure":      "Measure", "target_pct": "Target (%)", "by": "Year", "source": "Source", "save": "Save targets", "saved": "Targets saved.",
		"satisfaction": "Satisfaction", "decision766": "Decision 766", "province_only": "This applies to the whole province.",
	},
}

// fleetLink is one entry of the /admin index.
type fleetLink struct{ Href, Title, Desc string }

// lineError is one bad line of an import, for the page's table.
type lineError struct{ Line, Column, Message string }

// unitOption is a unit offered in an enrolment form.
type unitOption struct {
	Code, Name string
	Selected   bool
}

// targetRow is one row of the targets form.
type targetRow struct {
	N                        int // from 1
	Measure, Pct, By, Source string
}

// fleetPage is what every admin page shows.
type fleetPage struct {
	Lang, CSRF, OtherLang, Path string
	T                           map[string]string
	User                        *hailong.Principal
	// Notice and Error are keys into T; Message is the service's own words.
	Notice, Error, Message string
	// NoticeText is the notice in the page's words, Count filled in.
	NoticeText string
	Count      int
	Lines      []lineError
	// Credential is shown once, after an enrolment or a rotation.
	Credential, CredentialFor string
	Links                     []fleetLink
	Kiosks                    []kioskJSON
	Clients                   []clientJSON
	Units                     []unitOption
	Targets                   []targetRow
	CanUnits, CanProcedures   bool
}

// fleetRender renders an admin page in the asked language.
func (s *Server) fleetRender(c *fiber.Ctx, status int, name string, p fleetPage) error {
	p.Lang = pageLang(c)
	p.T = fleetTexts[p.Lang]
	p.User = principalOf(c)
	p.CSRF, _ = c.Locals(csrfKey).(string)
	p.Path = c.Path()
	other := url.Values{"lang": {"en"}}
	if p.Lang == "en" {
		other.Set("lang", "vi")
	}
	p.OtherLang = p.Path + "?" + other.Encode()
	if p.Notice != "" {
		p.NoticeText = p.T[p.Notice]
		if strings.Contains(p.NoticeText, "%d") {
			p.NoticeText = fmt.Sprintf(p.NoticeText, p.Count)
		}
	}
	if p.Lang == "vi" {
		for i := range p.Lines {
			p.Lines[i].Message = messageVI(p.Lines[i].Message)
		}
	}
	for i := range p.Targets {
		p.Targets[i].N = i + 1
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store") // credentials are shown once
	return s.tmpl.ExecuteTemplate(c.Response().BodyWriter(), name, p)
}

// failure fills a page's error from err: the field errors of a file by
// line, in a table; others after the message.
func (p *fleetPage) failure(err error) {
	p.Error = "failed"
	p.Message = hailong.ErrorMessage(err)
	for _, f := range hailong.ErrorFields(err) {
		rest, isLine := strings.CutPrefix(f.Field, "line ")
		if !isLine {
			p.Message += " " + f.Field + ": " + f.Message
			continue
		}
		line, col, _ := strings.Cut(rest, ": ")
		p.Lines = append(p.Lines, lineError{Line: line, Column: col, Message: f.Message})
	}
}

// unitsFor lists the units in force today inside the principal's scope, of
// the given kinds (all kinds when none), for an enrolment form.
func (s *Server) unitsFor(c *fiber.Ctx, selected string, kinds ...hierarchy.Kind) []unitOption {
	today := hailong.DateOf(s.Now())
	allowed := s.scopeFilter(c, today)
	var out []unitOption
	for _, u := range s.Units().Records() {
		if !u.InForce(today) || !allowed(u.Code) || (len(kinds) > 0 && !slices.Contains(kinds, u.Kind)) {
			continue
		}
		out = append(out, unitOption{Code: u.Code, Name: u.Name, Selected: u.Code == selected})
	}
	slices.SortFunc(out, func(a, b unitOption) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// targetRows are the rows of the targets form: the targets, then a blank
// row to add one.
func targetRows(ts []measure.Target) []targetRow {
	var rows []targetRow
	for _, t := range ts {
		rows = append(rows, targetRow{Measure: t.Measure, Pct: strings.TrimRight(strings.TrimRight(strconv.FormatFloat(t.Target*100, 'f', 2, 64), "0"), "."), By: strconv.Itoa(t.By), Source: t.Source})
	}
	return append(rows, targetRow{Measure: "satisfaction"})
}
