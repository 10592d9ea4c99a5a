package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/webhooks"
)

// webhooksPage is what /admin/webhooks shows.
type webhooksPage struct {
	Frame
	// Notice and Error are keys into T; Message the service's words.
	Notice, Error, Message string
	// Fields are the form's errors by field, in the page's language.
	Fields map[string]string
	// Secret is a new subscription's, shown this once.
	Secret, SecretFor string
	Form              webhookRequest
	Events            []eventOption
	Units             []unitOption
	Subs              []webhookRow
	Dead              []deadRow
	Path              string
}

// eventOption is an event type offered in the form.
type eventOption struct {
	Value   hailong.EventType
	Checked bool
}

// webhookRow is a subscription with its unit's name and its log.
type webhookRow struct {
	webhooks.Subscription
	UnitName string
	Log      []webhooks.LogEntry
}

// deadRow is a dead letter with its subscription's URL.
type deadRow struct {
	webhooks.DeadLetter
	URL string
}

// adminWebhooksShow renders /admin/webhooks: the form to subscribe, the
// subscriptions of the scope with their logs, and the dead letters.
func (s *Server) adminWebhooksShow(c *fiber.Ctx) error {
	return s.webhooksRender(c, fiber.StatusOK, webhooksPage{})
}

func (s *Server) webhooksRender(c *fiber.Ctx, status int, p webhooksPage) error {
	subs, err := s.webhooksInScope(c)
	if err != nil {
		return err
	}
	dead, err := s.deadInScope(c)
	if err != nil {
		return err
	}
	today := hailong.DateOf(s.Now())
	urls := map[string]string{}
	for _, sub := range subs {
		row := webhookRow{Subscription: sub}
		if u, ok := s.Units().At(sub.Unit, today); ok {
			row.UnitName = u.Name
		}
		row.Log, _ = s.Webhooks.Log(sub.ID)
		p.Subs = append(p.Subs, row)
		urls[sub.ID] = sub.URL
	}
	for _, l := range dead {
		p.Dead = append(p.Dead, deadRow{DeadLetter: l, URL: urls[l.Subscription]})
	}
	for _, t := range hailong.EventTypes() {
		p.Events = append(p.Events, eventOption{Value: t, Checked: slices.Contains(p.Form.Events, t)})
	}
	if p.Form.Unit == "" {
		p.Form.Unit = principalOf(c).Scope // the whole scope, the likeliest choice
	}
	p.Units = s.unitsFor(c, p.Form.Unit)
	p.Frame = s.frame(c, "admin", "")
	p.T, p.Class = areaWords(p.Lang, "webhooks"), "admin"
	p.Title, p.Path = p.T["title"], "/admin/webhooks"
	return s.render(c, status, "webhooks.html", p) // no-store: the secret is shown once
}
