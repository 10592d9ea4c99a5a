package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
)

// Alert rules and alerts are small collections (dozens of rules, a few
// alerts a day), so each is one document replaced whole on change: the
// scan FerretDB makes of every filtered write stays cheap. The alert
// engine loads the rules and the alerts not yet closed at start and keeps
// them in memory; a listing reads the collection once.

func (d *DB) alertRules() *mongo.Collection { return d.db.Collection("alert_rules") }
func (d *DB) alerts() *mongo.Collection     { return d.db.Collection("alerts") }

type alertRuleDoc struct {
	ID         string    `bson:"_id"`
	Name       string    `bson:"name"`
	Unit       string    `bson:"unit"`
	Kind       string    `bson:"kind"`
	Measure    string    `bson:"measure,omitempty"`
	Question   string    `bson:"question,omitempty"`
	Answer     string    `bson:"answer,omitempty"`
	Threshold  float64   `bson:"threshold"`
	WindowS    int64     `bson:"window_s"`
	MinRatings int64     `bson:"min_ratings"`
	Enabled    bool      `bson:"enabled"`
	Default    bool      `bson:"default,omitempty"`
	CreatedBy  string    `bson:"created_by,omitempty"`
	Created    time.Time `bson:"created"`
}

type alertCommentDoc struct {
	By   string    `bson:"by"`
	At   time.Time `bson:"at"`
	Text string    `bson:"text"`
}

type alertDoc struct {
	ID             string            `bson:"_id"`
	Rule           string            `bson:"rule"`
	RuleName       string            `bson:"rule_name"`
	Kind           string            `bson:"kind"`
	Measure        string            `bson:"measure,omitempty"`
	Unit           string            `bson:"unit"`
	State          string            `bson:"state"`
	Opened         time.Time         `bson:"opened"`
	Value          float64           `bson:"value"`
	Threshold      float64           `bson:"threshold"`
	N              int64             `bson:"n"`
	WindowFrom     time.Time         `bson:"window_from"`
	AcknowledgedBy string            `bson:"acknowledged_by,omitempty"`
	AcknowledgedAt *time.Time        `bson:"acknowledged_at,omitempty"`
	Comments       []alertCommentDoc `bson:"comments,omitempty"`
	ClosedBy       string            `bson:"closed_by,omitempty"`
	ClosedAt       *time.Time        `bson:"closed_at,omitempty"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func localPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.In(hailong.Location)
	return &u
}

// AlertRules returns every alert rule.
func (d *DB) AlertRules(ctx context.Context) ([]hailong.AlertRule, error) {
	var docs []alertRuleDoc
	if err := readAll(ctx, d.alertRules(), &docs); err != nil {
		return nil, fmt.Errorf("read alert rules: %w", err)
	}
	out := make([]hailong.AlertRule, len(docs))
	for i, r := range docs {
		out[i] = hailong.AlertRule{ID: r.ID, Name: r.Name, Unit: r.Unit, Kind: hailong.AlertKind(r.Kind), Measure: r.Measure,
			Question: r.Question, Answer: r.Answer, Threshold: r.Threshold, Window: time.Duration(r.WindowS) * time.Second,
			MinRatings: r.MinRatings, Enabled: r.Enabled, Default: r.Default, CreatedBy: r.CreatedBy, Created: r.Created.In(hailong.Location)}
	}
	return out, nil
}

// SaveAlertRule stores a rule, replacing the one with its id.
func (d *DB) SaveAlertRule(ctx context.Context, r hailong.AlertRule) error {
	doc := alertRuleDoc{ID: r.ID, Name: r.Name, Unit: r.Unit, Kind: string(r.Kind), Measure: r.Measure, Question: r.Question,
		Answer: r.Answer, Threshold: r.Threshold, WindowS: int64(r.Window / time.Second), MinRatings: r.MinRatings,
		Enabled: r.Enabled, Default: r.Default, CreatedBy: r.CreatedBy, Created: r.Created.UTC()}
	if _, err := d.alertRules().ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("save alert rule: %w", err)
	}
	return nil
}

// DeleteAlertRule deletes a rule; deleting a rule already gone is no error.
func (d *DB) DeleteAlertRule(ctx context.Context, id string) error {
	if _, err := d.alertRules().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete alert rule: %w", err)
	}
	return nil
}

// alertDefaultsID names the meta document saying the default alert rules
// were created once: deleted or disabled defaults are never made again.
const alertDefaultsID = "alert_defaults"

type alertDefaultsDoc struct {
	Created time.Time `bson:"created"`
}

// AlertDefaultsCreated reports whether the default alert rules were
// created already.
func (d *DB) AlertDefaultsCreated(ctx context.Context) (bool, error) {
	var doc alertDefaultsDoc
	return d.getMeta(ctx, alertDefaultsID, &doc)
}

// MarkAlertDefaultsCreated records that the default alert rules were
// created.
func (d *DB) MarkAlertDefaultsCreated(ctx context.Context) error {
	return d.putMeta(ctx, alertDefaultsID, alertDefaultsDoc{Created: time.Now().UTC()})
}

// Alerts returns every alert, or only those not closed when open is set.
func (d *DB) Alerts(ctx context.Context, open bool) ([]hailong.Alert, error) {
	filter := bson.D{}
	if open {
		filter = bson.D{{Key: "state", Value: bson.D{{Key: "$ne", Value: string(hailong.AlertClosed)}}}}
	}
	var docs []alertDoc
	if err := readAll(ctx, d.alerts(), &docs, filter); err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	out := make([]hailong.Alert, len(docs))
	for i, a := range docs {
		out[i] = hailong.Alert{ID: a.ID, Rule: a.Rule, RuleName: a.RuleName, Kind: hailong.AlertKind(a.Kind), Measure: a.Measure, Unit: a.Unit,
			State: hailong.AlertState(a.State), Opened: a.Opened.In(hailong.Location), Value: a.Value, Threshold: a.Threshold, N: a.N,
			WindowFrom: a.WindowFrom.In(hailong.Location), AcknowledgedBy: a.AcknowledgedBy, AcknowledgedAt: localPtr(a.AcknowledgedAt),
			ClosedBy: a.ClosedBy, ClosedAt: localPtr(a.ClosedAt)}
		for _, c := range a.Comments {
			out[i].Comments = append(out[i].Comments, hailong.AlertComment{By: c.By, At: c.At.In(hailong.Location), Text: c.Text})
		}
	}
	return out, nil
}

// SaveAlert stores an alert, replacing the one with its id.
func (d *DB) SaveAlert(ctx context.Context, a hailong.Alert) error {
	doc := alertDoc{ID: a.ID, Rule: a.Rule, RuleName: a.RuleName, Kind: string(a.Kind), Measure: a.Measure, Unit: a.Unit, State: string(a.State),
		Opened: a.Opened.UTC(), Value: a.Value, Threshold: a.Threshold, N: a.N, WindowFrom: a.WindowFrom.UTC(),
		AcknowledgedBy: a.AcknowledgedBy, AcknowledgedAt: utcPtr(a.AcknowledgedAt), ClosedBy: a.ClosedBy, ClosedAt: utcPtr(a.ClosedAt)}
	for _, c := range a.Comments {
		doc.Comments = append(doc.Comments, alertCommentDoc{By: c.By, At: c.At.UTC(), Text: c.Text})
	}
	if _, err := d.alerts().ReplaceOne(ctx, bson.D{{Key: "_id", Value: a.ID}}, doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("save alert: %w", err)
	}
	return nil
}

// readAll decodes every document of coll matching filter (all when none)
// into out.
func readAll(ctx context.Context, coll *mongo.Collection, out any, filter ...bson.D) error {
	f := bson.D{}
	if len(filter) > 0 {
		f = filter[0]
	}
	cur, err := coll.Find(ctx, f)
	if err != nil {
		return err
	}
	return cur.All(ctx, out)
}
