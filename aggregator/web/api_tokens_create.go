package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
)

type apiTokenRequest struct {
	Name        string               `json:"name"`
	Scope       string               `json:"scope"`
	Permissions []hailong.Permission `json:"permissions"`
	Expires     *time.Time           `json:"expires"`
	// Owner makes the token for another user, for those who manage
	// users; the caller's own by default.
	Owner string `json:"owner"`
}

// DefaultTokenLifetime is how long an API token lives when its request
// names no expiry.
const DefaultTokenLifetime = 90 * 24 * time.Hour

// apiTokensCreate answers POST /api/v1/api-tokens: a new API token, scoped
// like its owner or narrower, whose secret this answer shows once. The
// body is JSON, which a page of another site cannot send with the session
// cookie without a CORS preflight this server never grants.
func (s *Server) apiTokensCreate(c *fiber.Ctx) error {
	p := principalOf(c)
	var req apiTokenRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	owner := req.Owner
	if owner == "" {
		owner = p.Username
	}
	if owner != p.Username && !p.Can(hailong.PermUsersManage) {
		s.record(c, p.Username, "forbidden", c.Method()+" "+c.Path(), "token for "+auditName(owner), false)
		return hailong.Errorf(hailong.EFORBIDDEN, "Making a token for another user needs the permission %s.", hailong.PermUsersManage)
	}
	if req.Scope == "" && owner == p.Username {
		req.Scope = p.Scope
	}
	expires := s.Now().Add(DefaultTokenLifetime)
	if req.Expires != nil {
		expires = *req.Expires
	}
	secret, t, err := s.Access.CreateToken(actx(c), p, owner, req.Name, req.Scope, req.Permissions, expires)
	if err != nil {
		return err
	}
	out := tokenJSON(t)
	out.Token = secret
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Location("/api/v1/api-tokens/" + t.ID)
	return c.Status(fiber.StatusCreated).JSON(out)
}
