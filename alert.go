package hailong

import "time"

// AlertKind names what an alert rule watches.
type AlertKind string

// The kinds of alert rule.
const (
	// AlertNegativeShare: the share of ratings whose headline answer is
	// negative reaches Threshold (a fraction, 0.3 is 30 %).
	AlertNegativeShare AlertKind = "negative_share"
	// AlertIndexBelow: the measure named by Measure (a satisfaction rate,
	// the Happy Index, a Circular 01 index) falls below Threshold.
	AlertIndexBelow AlertKind = "index_below"
	// AlertAnswerCount: the count of ratings answering Question with
	// Answer reaches Threshold (Circular 01 index 7's "gây phiền hà, sách
	// nhiễu" is an accusation of harassment).
	AlertAnswerCount AlertKind = "answer_count"
	// AlertSilence: a unit with kiosks has had no rating during its
	// opening hours for Window.
	AlertSilence AlertKind = "silence"
	// AlertQueueAge: a kiosk's oldest unsent rating is older than Window,
	// from fleet health.
	AlertQueueAge AlertKind = "queue_age"
)

// AlertRule is a rule over a unit's subtree, evaluated as ratings arrive.
type AlertRule struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Unit is the root of the subtree the rule watches: it fires for each
	// unit of the subtree on its own.
	Unit string    `json:"unit"`
	Kind AlertKind `json:"kind"`
	// Measure names the measure of an index_below rule.
	Measure string `json:"measure,omitempty"`
	// Question and Answer name the answer an answer_count rule counts.
	Question string `json:"question,omitempty"`
	Answer   string `json:"answer,omitempty"`
	// Threshold is the value at which the rule fires (see AlertKind).
	Threshold float64 `json:"threshold"`
	// Window is how far back the rule looks (or, for silence and queue
	// age, how long counts as too long).
	Window time.Duration `json:"window"`
	// MinRatings is how many ratings the window must hold before a rule
	// over ratings may fire, so that it does not fire on noise.
	MinRatings int64 `json:"min_ratings,omitempty"`
	Enabled    bool  `json:"enabled"`
	// Default marks a rule shipped with the product.
	Default   bool      `json:"default,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	Created   time.Time `json:"created"`
}

// AlertState is where an alert is in its lifecycle: open, acknowledged,
// closed. An alert does not fire again for the same rule and unit until
// it is closed.
type AlertState string

// The states of an alert.
const (
	AlertOpen         AlertState = "open"
	AlertAcknowledged AlertState = "acknowledged"
	AlertClosed       AlertState = "closed"
)

// Alert is one firing of a rule for one unit.
type Alert struct {
	ID       string    `json:"id"`
	Rule     string    `json:"rule"`
	RuleName string    `json:"rule_name"`
	Kind     AlertKind `json:"kind"`
	// Measure is the rule's measure, for an index_below alert.
	Measure string     `json:"measure,omitempty"`
	Unit    string     `json:"unit"`
	State   AlertState `json:"state"`
	Opened  time.Time  `json:"opened"`
	// Value is what the rule measured when it fired, against Threshold,
	// over N ratings in the window from WindowFrom.
	Value      float64   `json:"value"`
	Threshold  float64   `json:"threshold"`
	N          int64     `json:"n"`
	WindowFrom time.Time `json:"window_from"`
	// Acknowledged says who took the alert on, and when.
	AcknowledgedBy string         `json:"acknowledged_by,omitempty"`
	AcknowledgedAt *time.Time     `json:"acknowledged_at,omitempty"`
	Comments       []AlertComment `json:"comments,omitempty"`
	ClosedBy       string         `json:"closed_by,omitempty"`
	ClosedAt       *time.Time     `json:"closed_at,omitempty"`
}

// AlertComment is a note a user left on an alert.
type AlertComment struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}
