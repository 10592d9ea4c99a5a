package hailong

import "time"

// SubscriptionKind names what a user subscribed a unit to.
type SubscriptionKind string

// The kinds of subscription: the alerts of a unit's subtree, emailed as
// they open and close, and the reports emailed after each period closes.
const (
	SubscribeAlerts    SubscriptionKind = "alerts"
	SubscribeWeekly    SubscriptionKind = "weekly"
	SubscribeMonthly   SubscriptionKind = "monthly"
	SubscribeQuarterly SubscriptionKind = "quarterly"
)

// SubscriptionKinds lists every kind, in the order the pages offer them.
func SubscriptionKinds() []SubscriptionKind {
	return []SubscriptionKind{SubscribeAlerts, SubscribeWeekly, SubscribeMonthly, SubscribeQuarterly}
}

// Subscription is a user's wish to be emailed about a unit's subtree: its
// alerts, or a report after each period.
type Subscription struct {
	ID       string           `json:"id"`
	Username string           `json:"username"`
	Unit     string           `json:"unit"`
	Kind     SubscriptionKind `json:"kind"`
	// Lang is the language of the emails: "vi" or "en".
	Lang    string    `json:"lang"`
	Created time.Time `json:"created"`
	// LastPeriod names the last period whose report was handed to the
	// outbox ("2026-W48", "2026-11", "2026-Q3"), so that a restart
	// neither skips nor repeats one; empty for alerts.
	LastPeriod string `json:"last_period,omitempty"`
}
