package web

import (
	"time"

	"hailong"
)

// Token is an API token as the access service lists it (never its
// secret). Until aggregator/access is merged it is declared here.
type Token struct {
	ID, Owner, Name, Scope string
	Permissions            []hailong.Permission
	Created, Expires       time.Time
	LastUsed               *time.Time
	Revoked                bool
}

// Event is one entry of the audit log.
type Event struct {
	At                                  time.Time
	Actor, Action, Target, Detail, Addr string
	OK                                  bool
}
