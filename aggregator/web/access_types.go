package web

import "hailong/aggregator/access"

// Token is an API token as the access service lists it, never with its
// secret.
type Token = access.Token

// Event is one entry of the audit log.
type Event = access.Event
