package hailong

import (
	"slices"
	"time"
)

// Permission names one right of a signed-in user or an API token. Roles are
// data (a role lists its permissions), so a province can add a role without
// a new release; the permissions themselves are what the code checks.
type Permission string

// Permissions. Every route of the aggregator that needs a principal names
// exactly one of them.
const (
	// PermMeasuresRead: measures, breakdowns, units, procedures, targets
	// and the dashboard pages, within the scope.
	PermMeasuresRead Permission = "measures.read"
	// PermExportsRead: exports and reports of measures, within the scope.
	PermExportsRead Permission = "exports.read"
	// PermCommentsRead: citizens' free-text comments, within the scope.
	PermCommentsRead Permission = "comments.read"
	// PermKiosksRead: the fleet's health, within the scope.
	PermKiosksRead Permission = "kiosks.read"
	// PermAlertsAck: acknowledging and closing alerts.
	PermAlertsAck Permission = "alerts.ack"
	// PermAlertsManage: making, changing and deleting alert rules, within
	// the scope.
	PermAlertsManage Permission = "alerts.manage"
	// PermTokensOwn: making and revoking one's own API tokens.
	PermTokensOwn Permission = "tokens.own"
	// PermKiosksManage: enrolling, rotating and revoking kiosks.
	PermKiosksManage Permission = "kiosks.manage"
	// PermClientsManage: enrolling and revoking one-stop clients.
	PermClientsManage Permission = "clients.manage"
	// PermUsersManage: users, their roles and scopes, and their tokens.
	PermUsersManage Permission = "users.manage"
	// PermUnitsManage: importing administrative units.
	PermUnitsManage Permission = "units.manage"
	// PermProceduresManage: importing the procedure catalogue.
	PermProceduresManage Permission = "procedures.manage"
	// PermTargetsManage: setting targets.
	PermTargetsManage Permission = "targets.manage"
	// PermAuditRead: reading the audit log.
	PermAuditRead Permission = "audit.read"
	// PermWebhooksManage: webhook subscriptions of units in the scope,
	// their delivery logs, dead letters and resending.
	PermWebhooksManage Permission = "webhooks.manage"
)

// AllPermissions lists every permission the code checks, in a stable order.
func AllPermissions() []Permission {
	return []Permission{
		PermMeasuresRead, PermExportsRead, PermCommentsRead, PermKiosksRead, PermAlertsAck, PermTokensOwn,
		PermKiosksManage, PermClientsManage, PermUsersManage, PermUnitsManage, PermProceduresManage,
		PermTargetsManage, PermAuditRead, PermAlertsManage, PermWebhooksManage,
	}
}

// Role is a named set of permissions.
type Role struct {
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
}

// Has reports whether the role grants p.
func (r Role) Has(p Permission) bool { return slices.Contains(r.Permissions, p) }

// Role names shipped with the product.
const (
	RoleAdmin   = "admin"
	RoleAnalyst = "analyst"
	RoleManager = "manager"
)

// DefaultRoles are the roles a fresh installation starts with: an analyst
// reads measures, exports and fleet health; a manager also reads comments
// and acknowledges alerts; an admin may do everything in scope.
func DefaultRoles() []Role {
	analyst := []Permission{PermMeasuresRead, PermExportsRead, PermKiosksRead, PermTokensOwn}
	return []Role{
		{Name: RoleAdmin, Description: "Everything within the scope, administration included", Permissions: AllPermissions()},
		{Name: RoleAnalyst, Description: "Measures, breakdowns, exports and reports", Permissions: analyst},
		{Name: RoleManager, Description: "What an analyst has, citizens' comments and alerts", Permissions: append(slices.Clone(analyst), PermCommentsRead, PermAlertsAck)},
	}
}

// User is a person who signs in. Scope is the code of the unit whose
// subtree the user sees, rolled up through the structure in force on the
// date a query asks for.
type User struct {
	Username string `json:"username"` // lower-case; the key
	Name     string `json:"name"`
	Role     string `json:"role"`
	Scope    string `json:"scope"`
	// Email is where notifications and scheduled reports are sent; empty
	// sends none.
	Email string `json:"email,omitempty"`
	// PasswordHash is a PHC string (argon2id); empty for a user who signs
	// in only through single sign-on.
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	Created      time.Time `json:"created"`
	// Generation grows with every change of role, scope, password or
	// standing: sessions made under an older generation end.
	Generation int64 `json:"-"`
}

// Principal is who a request acts for: a signed-in user or an API token,
// with the permissions and the scope it holds. A token's scope and
// permissions are its owner's or narrower.
type Principal struct {
	Username    string
	Role        string
	Scope       string
	Permissions []Permission
	// Via says how the request proved it: "session" or "token".
	Via string
	// TokenID names the API token used, if any.
	TokenID string
}

// Can reports whether the principal holds p.
func (p *Principal) Can(perm Permission) bool {
	return p != nil && slices.Contains(p.Permissions, perm)
}
