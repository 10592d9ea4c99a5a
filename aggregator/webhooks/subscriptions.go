package webhooks

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"hailong"
)

// Subscriptions returns every subscription, oldest first, without secrets.
func (d *Dispatcher) Subscriptions() []Subscription {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Subscription, 0, len(d.subs))
	for _, s := range d.subs {
		s.Secret = ""
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Subscription) int {
		return cmpTimeID(a.Created, b.Created, a.ID, b.ID)
	})
	return out
}

func cmpTimeID(a, b time.Time, x, y string) int {
	if c := a.Compare(b); c != 0 {
		return c
	}
	return strings.Compare(x, y)
}

// Subscription returns one subscription, without its secret.
func (d *Dispatcher) Subscription(id string) (Subscription, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.subs[id]
	if !ok {
		return Subscription{}, notFound("subscription", id)
	}
	s.Secret = ""
	return s, nil
}

// Subscribe checks and stores a new subscription, enabled, with a fresh
// id and secret. The returned subscription carries its Secret: the only
// time it is given out.
func (d *Dispatcher) Subscribe(ctx context.Context, s Subscription) (Subscription, error) {
	if err := Validate(s, d.cfg.AllowPrivate); err != nil {
		return Subscription{}, err
	}
	s.ID, s.Secret, s.Enabled, s.Disabled = newID(), NewSecret(), true, ""
	s.Created = time.Now().UTC()
	s.Events = dedupe(s.Events)
	if err := d.cfg.Store.PutWebhookSubscription(ctx, s); err != nil {
		return Subscription{}, err
	}
	d.mu.Lock()
	d.subs[s.ID] = s
	d.rewant()
	d.mu.Unlock()
	return s, nil
}

// dedupe keeps each event type once, in the order of hailong.EventTypes.
func dedupe(ts []hailong.EventType) []hailong.EventType {
	var out []hailong.EventType
	for _, t := range hailong.EventTypes() {
		if slices.Contains(ts, t) {
			out = append(out, t)
		}
	}
	return out
}

// Update changes a subscription; check (when not nil) sees the result
// first, e.g. that its unit is in the caller's scope.
func (d *Dispatcher) Update(ctx context.Context, id string, c Change, check func(before, after Subscription) error) (Subscription, error) {
	d.mu.Lock()
	s, ok := d.subs[id]
	d.mu.Unlock()
	if !ok {
		return Subscription{}, notFound("subscription", id)
	}
	n := c.Apply(s)
	if err := Validate(n, d.cfg.AllowPrivate); err != nil {
		return Subscription{}, err
	}
	n.Events = dedupe(n.Events)
	if check != nil {
		if err := check(s, n); err != nil {
			return Subscription{}, err
		}
	}
	if err := d.cfg.Store.PutWebhookSubscription(ctx, n); err != nil {
		return Subscription{}, err
	}
	d.mu.Lock()
	d.subs[id] = n
	d.rewant()
	d.mu.Unlock()
	n.Secret = ""
	return n, nil
}

// Unsubscribe deletes a subscription with what is queued for it, its dead
// letters and its log.
func (d *Dispatcher) Unsubscribe(ctx context.Context, id string) error {
	return d.do(ctx, func(ctx context.Context) error {
		d.mu.Lock()
		_, ok := d.subs[id]
		d.mu.Unlock()
		if !ok {
			return notFound("subscription", id)
		}
		if err := d.cfg.Store.DeleteWebhookSubscription(ctx, id); err != nil {
			return err
		}
		d.mu.Lock()
		delete(d.subs, id)
		d.rewant()
		var drop []string
		d.dead = slices.DeleteFunc(d.dead, func(l DeadLetter) bool {
			if l.Subscription == id {
				drop = append(drop, l.ID)
				return true
			}
			return false
		})
		delete(d.logs, id)
		d.dirty[id] = true // writes the empty log
		d.mu.Unlock()
		for _, l := range drop {
			if err := d.cfg.Store.DeleteWebhookDeadLetter(ctx, l); err != nil {
				return err
			}
		}
		// A delivery in flight is forgotten too: its result finds nothing.
		for _, b := range slices.Clone(d.queue) {
			changed := false
			for i := len(b.Deliveries) - 1; i >= 0; i-- {
				if b.Deliveries[i].Subscription == id {
					d.remove(ctx, b, i)
					changed = true
				}
			}
			if changed && len(b.Deliveries) > 0 {
				b.dirty = true
			}
		}
		return nil
	})
}

// Ping queues a ping event for one enabled subscription alone, whatever
// events it takes, and returns the delivery's id.
func (d *Dispatcher) Ping(ctx context.Context, id string) (string, error) {
	var delivery string
	err := d.do(ctx, func(ctx context.Context) error {
		d.mu.Lock()
		s, ok := d.subs[id]
		d.mu.Unlock()
		if !ok {
			return notFound("subscription", id)
		}
		if !s.Enabled {
			return hailong.Errorf(hailong.ECONFLICT, "The subscription is disabled: enable it first.")
		}
		data, _ := json.Marshal(map[string]string{"subscription": id})
		e := hailong.Event{ID: "ping:" + newID(), Type: EventPing, At: time.Now().UTC(), Unit: s.Unit, Data: data}
		n := len(d.queue)
		d.plan(ctx, []event{{Event: e}}, &s)
		if len(d.queue) > n {
			delivery = d.queue[len(d.queue)-1].Deliveries[0].ID
		}
		return nil
	})
	return delivery, err
}

// Log returns a subscription's delivery log, newest first.
func (d *Dispatcher) Log(id string) ([]LogEntry, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.subs[id]; !ok {
		return nil, notFound("subscription", id)
	}
	return slices.Clone(d.logs[id]), nil
}

// DeadLetters returns the dead letters, newest first.
func (d *Dispatcher) DeadLetters() []DeadLetter {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.dead)
}

// Resend queues a dead letter again as a fresh delivery with the same id
// and events, its attempts counted from zero; its subscription must be
// enabled. check (when not nil) sees the letter first.
func (d *Dispatcher) Resend(ctx context.Context, id string, check func(DeadLetter) error) error {
	return d.do(ctx, func(ctx context.Context) error {
		d.mu.Lock()
		i := slices.IndexFunc(d.dead, func(l DeadLetter) bool { return l.ID == id })
		var l DeadLetter
		var sub Subscription
		var ok bool
		if i >= 0 {
			l = d.dead[i]
			sub, ok = d.subs[l.Subscription]
		}
		d.mu.Unlock()
		if i < 0 || !ok {
			return notFound("dead letter", id)
		}
		if check != nil {
			if err := check(l); err != nil {
				return err
			}
		}
		if !sub.Enabled {
			return hailong.Errorf(hailong.ECONFLICT, "The subscription is disabled: enable it first.")
		}
		b := &Batch{ID: newID(), Created: time.Now().UTC(), Events: l.Events}
		dl := Delivery{ID: l.ID, Subscription: l.Subscription, Type: l.Type, Next: b.Created}
		for n := range l.Events {
			dl.Events = append(dl.Events, n)
		}
		b.Deliveries = []Delivery{dl}
		// Queued before the letter goes: a crash between keeps both, and
		// Start drops the letter.
		if err := d.enqueue(ctx, b, false); err != nil {
			return err
		}
		d.mu.Lock()
		d.dead = slices.DeleteFunc(d.dead, func(x DeadLetter) bool { return x.ID == id })
		d.mu.Unlock()
		return d.cfg.Store.DeleteWebhookDeadLetter(ctx, l.ID)
	})
}
