package web

import (
	"context"

	"hailong"
	"hailong/aggregator/subscribe"
)

// Subscriptions keeps users' subscriptions (subscribe.Service).
type Subscriptions interface {
	Of(username string) []hailong.Subscription
	Add(ctx context.Context, p *hailong.Principal, unit string, kind hailong.SubscriptionKind, lang string) (hailong.Subscription, error)
	Remove(ctx context.Context, p *hailong.Principal, id string) error
}

// subscriptions returns the subscriptions, or an error when the server
// was built without them.
func (s *Server) subscriptions() (Subscriptions, error) {
	if s.Subscriptions == nil {
		return nil, hailong.Errorf(hailong.EUNAVAILABLE, "Subscriptions are not kept by this server.")
	}
	return s.Subscriptions, nil
}

// subscriptionMessages are the words keys of the subscription service's
// field messages.
var subscriptionMessages = map[string]string{
	subscribe.MsgRequired: "err_required", subscribe.MsgOutOfScope: "err_scope", subscribe.MsgKind: "err_kind",
	subscribe.MsgLang: "err_lang", subscribe.MsgRepeat: "err_repeat", subscribe.MsgTooMany: "err_too_many",
	subscribe.MsgNoRight: "err_no_right", subscribe.MsgNotInForce: "err_not_in_force",
}
