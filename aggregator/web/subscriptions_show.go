package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// indent shows a unit's depth in a list of options, which cannot hold
// markup.
func init() {
	funcs["indent"] = func(depth int) string { return strings.Repeat("\u00a0\u00a0", depth) }
}

// subscriptionsPage is what /account/subscriptions shows.
type subscriptionsPage struct {
	Frame
	// MailOn says whether an SMTP server is configured.
	MailOn bool
	Email  string
	Subs   []subscriptionRow
	Units  []treeRow
	Kinds  []hailong.SubscriptionKind
	Form   subscriptionForm
	// Problem holds a message per field, in the page's language; Notice
	// says what was done.
	Problem map[string]string
	Notice  string
}

type subscriptionForm struct {
	Unit, Kind, Lang, Email string
}

type subscriptionRow struct {
	hailong.Subscription
	UnitName string
}

// subscriptionsShow renders /account/subscriptions: the signed-in
// person's email address, subscriptions, and the form to add one.
func (s *Server) subscriptionsShow(c *fiber.Ctx) error {
	return s.subscriptionsRender(c, fiber.StatusOK, subscriptionsPage{})
}

func (s *Server) subscriptionsRender(c *fiber.Ctx, status int, p subscriptionsPage) error {
	subs, err := s.subscriptions()
	if err != nil {
		return err
	}
	em, err := s.emails()
	if err != nil {
		return err
	}
	actor := principalOf(c)
	u, err := em.User(c.UserContext(), actor, actor.Username)
	if err != nil {
		return err
	}
	p.Frame = s.frame(c, "", "")
	p.T, p.Class = areaWords(p.Lang, "subscriptions"), "admin"
	p.Title = p.T["title"]
	p.MailOn, p.Email = s.MailEnabled, u.Email
	if p.Form.Email == "" && p.Problem["email"] == "" {
		p.Form.Email = u.Email
	}
	if p.Form.Lang == "" {
		p.Form.Lang = p.Lang
	}
	today := hailong.DateOf(s.Now())
	tree := s.Units()
	for _, sub := range subs.Of(actor.Username) {
		row := subscriptionRow{Subscription: sub, UnitName: sub.Unit}
		if un, ok := tree.At(sub.Unit, today); ok {
			row.UnitName = un.Name
		}
		p.Subs = append(p.Subs, row)
	}
	p.Units = s.walk(today, "", s.scopeFilter(c, today))
	p.Kinds = hailong.SubscriptionKinds()
	return s.render(c, status, "subscriptions.html", p)
}
