package web

import (
	"time"

	"hailong"
)

// apiTokenJSON is an API token as the API shows it; the secret only in the
// answer that made it.
type apiTokenJSON struct {
	ID          string               `json:"id"`
	Owner       string               `json:"owner"`
	Name        string               `json:"name"`
	Scope       string               `json:"scope"`
	Permissions []hailong.Permission `json:"permissions"`
	Created     time.Time            `json:"created"`
	Expires     time.Time            `json:"expires"`
	LastUsed    *time.Time           `json:"last_used"`
	Revoked     bool                 `json:"revoked"`
	Token       string               `json:"token,omitempty"`
}

func tokenJSON(t Token) apiTokenJSON {
	out := apiTokenJSON{ID: t.ID, Owner: t.Owner, Name: t.Name, Scope: t.Scope, Permissions: t.Permissions,
		Created: t.Created.UTC(), Expires: t.Expires.UTC(), Revoked: t.Revoked}
	if out.Permissions == nil {
		out.Permissions = []hailong.Permission{}
	}
	if t.LastUsed != nil {
		out.LastUsed = utcPtr(*t.LastUsed)
	}
	return out
}
