package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"hailong/aggregator/mail"
)

// The mail outbox is a small collection: the emails waiting to be sent
// (at most mail.MaxPending) and those settled in the last mail.Keep, a few
// hundred in practice. It is read whole at start; each attempt replaces
// one document by _id and a daily purge deletes old settled ones, writes
// that scan it on FerretDB but only once per email sent.
func (d *DB) mailOutbox() *mongo.Collection { return d.db.Collection("mail_outbox") }

type mailAttachmentDoc struct {
	Name        string `bson:"name"`
	ContentType string `bson:"content_type"`
	Data        []byte `bson:"data"`
}

type mailDoc struct {
	ID          string              `bson:"_id"`
	To          []string            `bson:"to"`
	Subject     string              `bson:"subject"`
	Text        string              `bson:"text"`
	HTML        string              `bson:"html,omitempty"`
	Attachments []mailAttachmentDoc `bson:"attachments,omitempty"`
	State       string              `bson:"state"`
	Attempts    int                 `bson:"attempts"`
	Next        time.Time           `bson:"next"`
	Created     time.Time           `bson:"created"`
	Settled     time.Time           `bson:"settled,omitempty"`
	LastError   string              `bson:"last_error,omitempty"`
}

func encodeMail(e mail.Entry) mailDoc {
	doc := mailDoc{ID: e.ID, To: e.To, Subject: e.Subject, Text: e.Text, HTML: e.HTML, State: e.State, Attempts: e.Attempts,
		Next: e.Next.UTC(), Created: e.Created.UTC(), Settled: e.Settled.UTC(), LastError: e.LastError}
	if e.Settled.IsZero() {
		doc.Settled = time.Time{}
	}
	for _, a := range e.Attachments {
		doc.Attachments = append(doc.Attachments, mailAttachmentDoc(a))
	}
	return doc
}

func (doc mailDoc) entry() mail.Entry {
	e := mail.Entry{Message: mail.Message{ID: doc.ID, To: doc.To, Subject: doc.Subject, Text: doc.Text, HTML: doc.HTML},
		State: doc.State, Attempts: doc.Attempts, Next: doc.Next, Created: doc.Created, Settled: doc.Settled, LastError: doc.LastError}
	for _, a := range doc.Attachments {
		e.Attachments = append(e.Attachments, mail.Attachment(a))
	}
	return e
}

// AddMail implements mail.Store: an insert, refused by the unique _id when
// the email is known.
func (d *DB) AddMail(ctx context.Context, e mail.Entry) (bool, error) {
	_, err := d.mailOutbox().InsertOne(ctx, encodeMail(e))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store email %s: %w", e.ID, err)
	}
	return true, nil
}

// Mails implements mail.Store.
func (d *DB) Mails(ctx context.Context) ([]mail.Entry, error) {
	var docs []mailDoc
	if err := findAll(ctx, d.mailOutbox(), &docs); err != nil {
		return nil, err
	}
	out := make([]mail.Entry, len(docs))
	for i, doc := range docs {
		out[i] = doc.entry()
	}
	return out, nil
}

// PutMail implements mail.Store.
func (d *DB) PutMail(ctx context.Context, e mail.Entry) error {
	return replaceByID(ctx, d.mailOutbox(), e.ID, encodeMail(e))
}

// PurgeMails implements mail.Store.
func (d *DB) PurgeMails(ctx context.Context, settledBefore time.Time) error {
	_, err := d.mailOutbox().DeleteMany(ctx, bson.D{
		{Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{mail.StateSent, mail.StateFailed}}}},
		{Key: "settled", Value: bson.D{{Key: "$lt", Value: settledBefore.UTC()}}},
	})
	if err != nil {
		return fmt.Errorf("purge the mail outbox: %w", err)
	}
	return nil
}
