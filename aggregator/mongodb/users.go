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

// Users, roles, sessions and tokens are small collections (hundreds of
// documents) read whole when the aggregator starts; package access keeps
// them in memory. A change replaces one document by _id: a filtered write,
// which scans the collection on FerretDB. Measured on the 2-core build
// machine: 4 ms to replace a user among 500 (BenchmarkPutUser), done only on
// administrative changes; 1.7 ms a session among 1,000 for the write-behind
// of sessions' activity (BenchmarkFlushSessions), which package access
// writes at most every 5 minutes per active session: 1,000 people signed
// in cost about 0.3 s of database work a minute.

func (d *DB) users() *mongo.Collection    { return d.db.Collection("users") }
func (d *DB) roles() *mongo.Collection    { return d.db.Collection("roles") }
func (d *DB) sessions() *mongo.Collection { return d.db.Collection("sessions") }
func (d *DB) tokens() *mongo.Collection   { return d.db.Collection("tokens") }
func (d *DB) audit() *mongo.Collection    { return d.db.Collection("audit") }

type userDoc struct {
	Username     string    `bson:"_id"`
	Name         string    `bson:"name"`
	Role         string    `bson:"role"`
	Scope        string    `bson:"scope"`
	Email        string    `bson:"email,omitempty"`
	PasswordHash string    `bson:"password_hash,omitempty"`
	Disabled     bool      `bson:"disabled"`
	Created      time.Time `bson:"created"`
	Generation   int64     `bson:"generation"`
}

func encodeUser(u hailong.User) userDoc {
	return userDoc{Username: u.Username, Name: u.Name, Role: u.Role, Scope: u.Scope, Email: u.Email, PasswordHash: u.PasswordHash,
		Disabled: u.Disabled, Created: u.Created.UTC(), Generation: u.Generation}
}

// Users returns every user.
func (d *DB) Users(ctx context.Context) ([]hailong.User, error) {
	var docs []userDoc
	if err := findAll(ctx, d.users(), &docs); err != nil {
		return nil, err
	}
	out := make([]hailong.User, len(docs))
	for i, u := range docs {
		out[i] = hailong.User{Username: u.Username, Name: u.Name, Role: u.Role, Scope: u.Scope, Email: u.Email, PasswordHash: u.PasswordHash,
			Disabled: u.Disabled, Created: u.Created, Generation: u.Generation}
	}
	return out, nil
}

// AddUser inserts a user; a username in use is an ECONFLICT.
func (d *DB) AddUser(ctx context.Context, u hailong.User) error {
	_, err := d.users().InsertOne(ctx, encodeUser(u))
	if mongo.IsDuplicateKeyError(err) {
		return hailong.Errorf(hailong.ECONFLICT, "User %q already exists.", u.Username)
	}
	if err != nil {
		return fmt.Errorf("add user %s: %w", u.Username, err)
	}
	return nil
}

// PutUser replaces a stored user.
func (d *DB) PutUser(ctx context.Context, u hailong.User) error {
	return replaceByID(ctx, d.users(), u.Username, encodeUser(u))
}

type roleDoc struct {
	Name        string               `bson:"_id"`
	Description string               `bson:"description"`
	Permissions []hailong.Permission `bson:"permissions"`
	Order       int                  `bson:"order"`
}

// Roles returns the roles in the order they were first stored.
func (d *DB) Roles(ctx context.Context) ([]hailong.Role, error) {
	var docs []roleDoc
	if err := findAll(ctx, d.roles(), &docs, options.Find().SetSort(bson.D{{Key: "order", Value: 1}, {Key: "_id", Value: 1}})); err != nil {
		return nil, err
	}
	out := make([]hailong.Role, len(docs))
	for i, r := range docs {
		out[i] = hailong.Role{Name: r.Name, Description: r.Description, Permissions: r.Permissions}
	}
	return out, nil
}

// PutRole stores a role, adding it after the others if new.
func (d *DB) PutRole(ctx context.Context, r hailong.Role) error {
	n, err := d.roles().EstimatedDocumentCount(ctx)
	if err != nil {
		return fmt.Errorf("count roles: %w", err)
	}
	var old roleDoc
	switch err := d.roles().FindOne(ctx, bson.D{{Key: "_id", Value: r.Name}}).Decode(&old); {
	case err == nil:
		n = int64(old.Order)
	case err != mongo.ErrNoDocuments:
		return fmt.Errorf("read role %s: %w", r.Name, err)
	}
	return replaceByID(ctx, d.roles(), r.Name, roleDoc{Name: r.Name, Description: r.Description, Permissions: r.Permissions, Order: int(n)})
}

// findAll reads a whole collection into docs.
func findAll(ctx context.Context, coll *mongo.Collection, docs any, opts ...options.Lister[options.FindOptions]) error {
	return findAllFilter(ctx, coll, bson.D{}, docs, opts...)
}

// findAllFilter reads the documents matching filter into docs.
func findAllFilter(ctx context.Context, coll *mongo.Collection, filter bson.D, docs any, opts ...options.Lister[options.FindOptions]) error {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return fmt.Errorf("list %s: %w", coll.Name(), err)
	}
	if err := cur.All(ctx, docs); err != nil {
		return fmt.Errorf("list %s: %w", coll.Name(), err)
	}
	return nil
}

// replaceByID replaces (or inserts) the document with id.
func replaceByID(ctx context.Context, coll *mongo.Collection, id string, doc any) error {
	if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("write %s %s: %w", coll.Name(), id, err)
	}
	return nil
}

// Presence says that an aggregator is running on this database, so that a
// command changing users or tokens can refuse rather than make a change the
// running aggregator would not see (it keeps them in memory).
type Presence struct {
	Host    string    `bson:"host"`
	PID     int       `bson:"pid"`
	Started time.Time `bson:"started"`
	Seen    time.Time `bson:"seen"`
}

const presenceID = "aggregator_running"

// MarkRunning records (or renews) the running aggregator's presence.
func (d *DB) MarkRunning(ctx context.Context, p Presence) error {
	p.Started, p.Seen = p.Started.UTC(), p.Seen.UTC()
	return d.putMeta(ctx, presenceID, p)
}

// ClearRunning removes the presence at a clean stop.
func (d *DB) ClearRunning(ctx context.Context) error {
	if _, err := d.meta().DeleteOne(ctx, bson.D{{Key: "_id", Value: presenceID}}); err != nil {
		return fmt.Errorf("clear %s: %w", presenceID, err)
	}
	return nil
}

// Running returns the last recorded presence; found is false after a clean
// stop.
func (d *DB) Running(ctx context.Context) (p Presence, found bool, err error) {
	found, err = d.getMeta(ctx, presenceID, &p)
	return p, found, err
}
