package web

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/webhooks"
)

// Webhooks keeps the webhook subscriptions and their deliveries
// (aggregator/webhooks.Dispatcher). Scope checks are the server's: a
// principal sees and changes only subscriptions whose unit lies in its
// scope.
type Webhooks interface {
	Subscriptions() []webhooks.Subscription
	Subscription(id string) (webhooks.Subscription, error)
	// Subscribe stores a new subscription; the result carries its secret,
	// the only time it is given out.
	Subscribe(ctx context.Context, s webhooks.Subscription) (webhooks.Subscription, error)
	Update(ctx context.Context, id string, c webhooks.Change, check func(before, after webhooks.Subscription) error) (webhooks.Subscription, error)
	Unsubscribe(ctx context.Context, id string) error
	// Ping queues a ping for the subscription and returns its delivery id.
	Ping(ctx context.Context, id string) (string, error)
	Log(id string) ([]webhooks.LogEntry, error)
	DeadLetters() []webhooks.DeadLetter
	Resend(ctx context.Context, id string, check func(webhooks.DeadLetter) error) error
}

// Audit actions of webhooks.
const (
	actionWebhookAdd    = "webhook.add"
	actionWebhookUpdate = "webhook.update"
	actionWebhookDelete = "webhook.delete"
	actionWebhookTest   = "webhook.test"
	actionWebhookResend = "webhook.resend"
)

// webhookRequest is a new subscription as the API and the page take it.
type webhookRequest struct {
	URL         string              `json:"url"`
	Events      []hailong.EventType `json:"events"`
	Unit        string              `json:"unit"`
	Description string              `json:"description"`
}

// webhookCreated is a new subscription with its secret, shown once.
type webhookCreated struct {
	webhooks.Subscription
	Secret string `json:"secret"`
}

// hooks returns the webhooks, or 503 when the server has none.
func (s *Server) hooks() (Webhooks, error) {
	if s.Webhooks == nil {
		return nil, hailong.Errorf(hailong.EUNAVAILABLE, "Webhooks are not available on this server.")
	}
	return s.Webhooks, nil
}

// webhookUnit checks a subscription's unit: in force today and in the
// principal's scope.
func (s *Server) webhookUnit(c *fiber.Ctx, unit string) error {
	if unit == "" {
		return hailong.Invalid("The subscription is not valid.", hailong.Fieldf("unit", "is required"))
	}
	today := hailong.DateOf(s.Now())
	if _, ok := s.Units().At(unit, today); !ok {
		return hailong.Invalid("The subscription is not valid.", hailong.Fieldf("unit", "is not a unit in force today"))
	}
	if !s.unitInScope(principalOf(c), unit, today) {
		return hailong.Errorf(hailong.EFORBIDDEN, "The unit %s is outside your scope.", unit)
	}
	return nil
}

// webhooksInScope lists the subscriptions of the principal's scope.
func (s *Server) webhooksInScope(c *fiber.Ctx) ([]webhooks.Subscription, error) {
	h, err := s.hooks()
	if err != nil {
		return nil, err
	}
	allowed := s.scopeFilter(c, hailong.DateOf(s.Now()))
	out := []webhooks.Subscription{}
	for _, sub := range h.Subscriptions() {
		if allowed(sub.Unit) {
			out = append(out, sub)
		}
	}
	return out, nil
}

// webhookInScope returns a subscription of the principal's scope; one
// outside it is ENOTFOUND, as if it did not exist.
func (s *Server) webhookInScope(c *fiber.Ctx, id string) (Webhooks, webhooks.Subscription, error) {
	h, err := s.hooks()
	if err != nil {
		return nil, webhooks.Subscription{}, err
	}
	sub, err := h.Subscription(id)
	if err == nil && !s.unitInScope(principalOf(c), sub.Unit, hailong.DateOf(s.Now())) {
		err = hailong.Errorf(hailong.ENOTFOUND, "There is no subscription %q in your scope.", id)
	}
	return h, sub, err
}

// createWebhook checks, stores and records a new subscription.
func (s *Server) createWebhook(c *fiber.Ctx, req webhookRequest) (webhooks.Subscription, error) {
	h, err := s.hooks()
	if err != nil {
		return webhooks.Subscription{}, err
	}
	sub := webhooks.Subscription{URL: strings.TrimSpace(req.URL), Events: req.Events, Unit: req.Unit,
		Description: strings.TrimSpace(req.Description), CreatedBy: principalOf(c).Username}
	err = s.webhookUnit(c, req.Unit)
	if err == nil || hailong.ErrorCode(err) == hailong.EINVALID {
		// Every field's error at once: the unit's and the service's.
		if verr := webhookFields(sub); verr != nil {
			err = joinInvalid(err, verr)
		}
	}
	if err == nil {
		sub, err = h.Subscribe(c.UserContext(), sub)
	}
	s.audit(c, actionWebhookAdd, "webhook "+auditName(sub.ID), sub.URL+" unit "+auditName(req.Unit), err)
	return sub, err
}

// webhookFields checks a subscription's fields as the service would,
// but the unit (checked against the scope instead).
func webhookFields(sub webhooks.Subscription) error {
	if sub.Unit == "" {
		sub.Unit = "-"
	}
	return webhooks.Validate(sub, true)
}

// joinInvalid merges the field errors of two EINVALID errors; a nil or
// other error is kept as it is.
func joinInvalid(a, b error) error {
	if a == nil {
		return b
	}
	if hailong.ErrorCode(a) != hailong.EINVALID || hailong.ErrorCode(b) != hailong.EINVALID {
		return a
	}
	return hailong.Invalid("The subscription is not valid.", append(hailong.ErrorFields(a), hailong.ErrorFields(b)...)...)
}

// updateWebhook changes a subscription of the scope, keeping it there.
func (s *Server) updateWebhook(c *fiber.Ctx, id string, ch webhooks.Change) (webhooks.Subscription, error) {
	h, _, err := s.webhookInScope(c, id)
	var sub webhooks.Subscription
	if err == nil {
		sub, err = h.Update(c.UserContext(), id, ch, func(before, after webhooks.Subscription) error {
			if after.Unit != before.Unit {
				return s.webhookUnit(c, after.Unit)
			}
			return nil
		})
	}
	s.audit(c, actionWebhookUpdate, "webhook "+auditName(id), describeChange(ch), err)
	return sub, err
}

// describeChange says what a change sets, for the audit log.
func describeChange(ch webhooks.Change) string {
	var parts []string
	if ch.URL != nil {
		parts = append(parts, "url "+*ch.URL)
	}
	if ch.Events != nil {
		var es []string
		for _, e := range *ch.Events {
			es = append(es, string(e))
		}
		parts = append(parts, "events "+strings.Join(es, ","))
	}
	if ch.Unit != nil {
		parts = append(parts, "unit "+auditName(*ch.Unit))
	}
	if ch.Enabled != nil {
		parts = append(parts, map[bool]string{true: "enabled", false: "disabled"}[*ch.Enabled])
	}
	if ch.Description != nil {
		parts = append(parts, "description")
	}
	return strings.Join(parts, "; ")
}

// deleteWebhook deletes a subscription of the scope.
func (s *Server) deleteWebhook(c *fiber.Ctx, id string) error {
	h, sub, err := s.webhookInScope(c, id)
	if err == nil {
		err = h.Unsubscribe(c.UserContext(), id)
	}
	s.audit(c, actionWebhookDelete, "webhook "+auditName(id), sub.URL, err)
	return err
}

// pingWebhook queues a ping for a subscription of the scope.
func (s *Server) pingWebhook(c *fiber.Ctx, id string) (string, error) {
	h, _, err := s.webhookInScope(c, id)
	var delivery string
	if err == nil {
		delivery, err = h.Ping(c.UserContext(), id)
	}
	s.audit(c, actionWebhookTest, "webhook "+auditName(id), "", err)
	return delivery, err
}

// deadInScope lists the dead letters of the scope's subscriptions.
func (s *Server) deadInScope(c *fiber.Ctx) ([]webhooks.DeadLetter, error) {
	subs, err := s.webhooksInScope(c)
	if err != nil {
		return nil, err
	}
	mine := map[string]bool{}
	for _, sub := range subs {
		mine[sub.ID] = true
	}
	out := []webhooks.DeadLetter{}
	for _, l := range s.Webhooks.DeadLetters() {
		if mine[l.Subscription] {
			out = append(out, l)
		}
	}
	return out, nil
}

// resendDead queues a dead letter of the scope again.
func (s *Server) resendDead(c *fiber.Ctx, id string) error {
	h, err := s.hooks()
	if err == nil {
		err = h.Resend(c.UserContext(), id, func(l webhooks.DeadLetter) error {
			_, _, err := s.webhookInScope(c, l.Subscription)
			if hailong.ErrorCode(err) == hailong.ENOTFOUND {
				return hailong.Errorf(hailong.ENOTFOUND, "There is no dead letter %q in your scope.", id)
			}
			return err
		})
	}
	s.audit(c, actionWebhookResend, "delivery "+auditName(id), "", err)
	return err
}
