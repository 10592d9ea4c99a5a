package access

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"hailong"
)

// ActionRolePut is the audit action of adding or changing a role.
const ActionRolePut = "role.put"

var roleNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,31}$`)

// PutRole adds a role or replaces the permissions of one, so that a
// province can shape its roles without a new release. A change holds at
// once for every session and token of the role's users, since principals
// take their permissions from the role at each request. Only the command
// line (actor nil) may do it: a role can grant anything, so changing one is
// an act on the whole installation. The admin role cannot lose a
// permission, or no one could administer the installation any more.
func (s *Service) PutRole(ctx context.Context, actor *hailong.Principal, r hailong.Role) error {
	err := s.putRole(ctx, actor, &r)
	perms := make([]string, len(r.Permissions))
	for i, p := range r.Permissions {
		perms[i] = string(p)
	}
	s.Record(ctx, Event{Actor: actorName(actor), Action: ActionRolePut, Target: auditName(r.Name),
		Detail: "permissions=" + strings.Join(perms, ",") + errDetail(err), OK: err == nil})
	return err
}

func (s *Service) putRole(ctx context.Context, actor *hailong.Principal, r *hailong.Role) error {
	if actor != nil {
		return hailong.Errorf(hailong.EFORBIDDEN, "Roles are changed on the machine, with 'aggregator roles put'.")
	}
	var fields []hailong.FieldError
	if !roleNameRE.MatchString(r.Name) {
		fields = append(fields, hailong.FieldError{Field: "name", Message: "must be 2 to 32 lower-case letters, digits, '_' or '-', starting with a letter"})
	}
	known := hailong.AllPermissions()
	if len(r.Permissions) == 0 {
		fields = append(fields, hailong.FieldError{Field: "permissions", Message: "a role grants at least one permission"})
	}
	for _, p := range r.Permissions {
		if !slices.Contains(known, p) {
			fields = append(fields, hailong.FieldError{Field: "permissions", Message: fmt.Sprintf("%q is not a permission (%s)", p, permissionList(known))})
		}
	}
	if r.Name == hailong.RoleAdmin {
		for _, p := range known {
			if !slices.Contains(r.Permissions, p) {
				fields = append(fields, hailong.FieldError{Field: "permissions", Message: fmt.Sprintf("the admin role keeps every permission; %q is missing", p)})
			}
		}
	}
	if len(fields) > 0 {
		return hailong.Invalid("The role is not valid.", fields...)
	}
	slices.Sort(r.Permissions)
	r.Permissions = slices.Compact(r.Permissions)
	s.mu.Lock()
	if old, ok := s.roles[r.Name]; ok && r.Description == "" {
		r.Description = old.Description
	}
	s.mu.Unlock()
	if err := s.cfg.Store.PutRole(ctx, *r); err != nil {
		return fmt.Errorf("store role %s: %w", r.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.roles[r.Name]; !ok {
		s.order = append(s.order, r.Name)
	}
	s.roles[r.Name] = *r
	return nil
}

func permissionList(ps []hailong.Permission) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return strings.Join(out, ", ")
}
