package web

import (
	"context"
	"io"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/measure"
	"hailong/syncapi"
)

// Admin changes kiosks, one-stop clients, units, procedures and targets
// while the aggregator runs. Every change is stored and takes effect at
// once: a revoked or rotated credential is refused on its next use, an
// import is swapped into every cache that holds units or procedures.
// Scope and permission checks are the server's, before it is called.
type Admin interface {
	// EnrolKiosk enrols a kiosk for a unit; the credential is shown once.
	EnrolKiosk(ctx context.Context, id, unit string) (syncapi.Credential, error)
	RevokeKiosk(ctx context.Context, id string) error
	// RotateKiosk gives a kiosk a new credential, refusing the old one.
	RotateKiosk(ctx context.Context, id string) (syncapi.Credential, error)
	Clients(ctx context.Context) ([]hailong.Enrolment, error)
	EnrolClient(ctx context.Context, id, unit string) (syncapi.Credential, error)
	RevokeClient(ctx context.Context, id string) error
	// ImportUnits and ImportProcedures replace the units or the
	// catalogue from CSV, all or nothing: a bad file changes nothing and
	// its error lists every bad line (hailong.ErrorFields).
	ImportUnits(ctx context.Context, r io.Reader) (records int, err error)
	ImportProcedures(ctx context.Context, r io.Reader) (procedures int, err error)
	Targets() []measure.Target
	// SetTargets stores a checked list of targets.
	SetTargets(ctx context.Context, ts []measure.Target) error
}

// Audit actions of the administration.
const (
	actionKioskAdd         = "kiosk.add"
	actionKioskRevoke      = "kiosk.revoke"
	actionKioskRotate      = "kiosk.rotate"
	actionClientAdd        = "client.add"
	actionClientRevoke     = "client.revoke"
	actionUnitsImport      = "units.import"
	actionProceduresImport = "procedures.import"
	actionTargetsUpdate    = "targets.update"
)

// targetList returns the targets in force: the administration's, else the
// configured ones.
func (s *Server) targetList() []measure.Target {
	if s.Admin != nil {
		return s.Admin.Targets()
	}
	return s.Targets
}

// admin returns the administration, or 503 when the server has none.
func (s *Server) admin() (Admin, error) {
	if s.Admin == nil {
		return nil, hailong.Errorf(hailong.EUNAVAILABLE, "Administration is not available on this server.")
	}
	return s.Admin, nil
}

// actorOf names the principal in the audit log, as the access service
// does: a token's use names the token.
func actorOf(p *hailong.Principal) string {
	if p.Via == "token" {
		return p.Username + " (token " + p.TokenID + ")"
	}
	return p.Username
}

// audit records an administrative act, done or refused.
func (s *Server) audit(c *fiber.Ctx, action, target, detail string, err error) {
	if err != nil {
		detail = hailong.ErrorMessage(err)
	}
	s.record(c, actorOf(principalOf(c)), action, target, detail, err == nil)
}

// provinceWide reports whether the principal's scope is a top-level unit
// (a province) today: unit and procedure imports and targets apply to the
// whole province, so only such principals may make them.
func (s *Server) provinceWide(p *hailong.Principal) bool {
	if p == nil || s.Units == nil || s.Units() == nil {
		return false
	}
	u, ok := s.Units().At(p.Scope, hailong.DateOf(s.Now()))
	return ok && u.Parent == ""
}

// wholeInstallation reports whether the principal's scope is everything
// this aggregator serves: the one top-level unit in force today. Unit and
// procedure imports, the targets, the public page's switch and alert rules
// over every unit apply to all it serves, so where it serves several
// provinces (serve -provinces 48,79; the national aggregator) a
// province's admin, whose scope is a top-level unit too, must not make
// them: an import re-parenting another province's communes under theirs
// gave them that province's figures, comments and users.
func (s *Server) wholeInstallation(p *hailong.Principal) bool {
	return s.provinceWide(p) && len(s.Units().Roots(hailong.DateOf(s.Now()))) == 1
}

// unitForEnrolment checks the unit a kiosk or client is enrolled for: in
// force today and inside the principal's scope.
func (s *Server) unitForEnrolment(c *fiber.Ctx, unit string) error {
	if unit == "" {
		return hailong.Invalid("The enrolment is not valid.", hailong.Fieldf("unit", "is required"))
	}
	today := hailong.DateOf(s.Now())
	if _, ok := s.Units().At(unit, today); !ok {
		return hailong.Invalid("The enrolment is not valid.", hailong.Fieldf("unit", "is not a unit in force today"))
	}
	if !s.unitInScope(principalOf(c), unit, today) {
		return hailong.Errorf(hailong.EFORBIDDEN, "The unit %s is outside your scope.", unit)
	}
	return nil
}

// credentialInScope checks that an enrolled kiosk or client belongs to a
// unit in the principal's scope; one outside it is ENOTFOUND, as if it
// did not exist, so that ids outside the scope are not revealed.
func (s *Server) credentialInScope(c *fiber.Ctx, list []hailong.Enrolment, id string) (hailong.Enrolment, error) {
	for _, k := range list {
		if k.ID == id {
			if !s.unitInScope(principalOf(c), k.Unit, hailong.DateOf(s.Now())) {
				break
			}
			return k, nil
		}
	}
	return hailong.Enrolment{}, hailong.Errorf(hailong.ENOTFOUND, "There is no %q in your scope.", id)
}
