package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// The administration pages' template functions: what the principal may
// do (links and forms shown only to those who may use them), and dates as
// people in Vietnam write them.
func init() {
	funcs["can"] = func(p *hailong.Principal, perm string) bool { return p.Can(hailong.Permission(perm)) }
	funcs["administers"] = administers
	funcs["vndate"] = vnDate
}

// vnDate writes a time (time.Time or *time.Time) as dd/mm/yyyy HH:MM in
// Vietnam; nothing for no time.
func vnDate(v any) string {
	var t time.Time
	switch v := v.(type) {
	case time.Time:
		t = v
	case *time.Time:
		if v != nil {
			t = *v
		}
	}
	if t.IsZero() {
		return ""
	}
	return t.In(hailong.Location).Format("02/01/2006 15:04")
}

// administers reports whether the principal may use any administration
// page, which the dashboard links to.
func administers(p *hailong.Principal) bool {
	for _, perm := range []hailong.Permission{hailong.PermUsersManage, hailong.PermAuditRead, hailong.PermKiosksManage,
		hailong.PermClientsManage, hailong.PermUnitsManage, hailong.PermProceduresManage, hailong.PermTargetsManage,
		hailong.PermWebhooksManage} {
		if p.Can(perm) {
			return true
		}
	}
	return false
}

// adminPage is what the administration pages and the tokens page show.
type adminPage struct {
	Frame
	// Error is a key into T, Details the service's words; Notice a
	// sentence already in the page's language.
	Error   string
	Details []string
	Notice  string
	// SecretLabel and Secret: a password or token shown this once.
	SecretLabel, Secret string

	// Links are the fleet's administration pages the principal may use.
	Links []fleetLink
	Users []hailong.User
	// Units are the units in the caller's scope today, offered as scopes.
	Units  []treeRow
	Roles  []hailong.Role
	Form   userCreateRequest
	Tokens []tokenRow
	Days   []dayChoice
	Events []Event
	Query  auditQuery
	Note   string
}

// adminTitles are the title keys of the administration pages and of the
// tokens page.
var adminTitles = map[string]string{"admin.html": "admin", "users.html": "users", "audit.html": "audit", "tokens.html": "tokens"}

// adminRender renders an administration page, or the tokens page (which
// is the reader's own, in no section), in the frame.
func (s *Server) adminRender(c *fiber.Ctx, status int, name string, p adminPage) error {
	section := "admin"
	if name == "tokens.html" {
		section = ""
	}
	p.Frame = s.frame(c, section, "")
	p.T, p.Class = areaWords(p.Lang, "people"), "admin"
	p.Title = p.T[adminTitles[name]]
	return s.render(c, status, name, p)
}

// pageError puts a refusal of the access service on the page: its kind in
// the page's language, the service's words under it (in Vietnamese on a
// Vietnamese page: saidIn). It returns the status to answer with; errors
// other than refusals are returned as they are.
func pageError(lang string, err error, p *adminPage) (int, error) {
	code := hailong.ErrorCode(err)
	switch code {
	case hailong.EINVALID, hailong.ECONFLICT:
		p.Error = "invalid"
	case hailong.EFORBIDDEN:
		p.Error = "forbidden"
	case hailong.ENOTFOUND:
		p.Error = "not_found"
	default:
		return 0, err
	}
	for _, f := range hailong.ErrorFields(err) {
		p.Details = append(p.Details, fieldSaidIn(lang, f))
	}
	if len(p.Details) == 0 && code != hailong.ENOTFOUND {
		p.Details = []string{errorSaidIn(lang, err)}
	}
	status := fiber.StatusBadRequest
	switch code {
	case hailong.ECONFLICT:
		status = fiber.StatusConflict
	case hailong.EFORBIDDEN:
		status = fiber.StatusForbidden
	case hailong.ENOTFOUND:
		status = fiber.StatusNotFound
	}
	return status, nil
}
