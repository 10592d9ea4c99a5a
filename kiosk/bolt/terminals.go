package bolt

import (
	bolt "go.etcd.io/bbolt"
)

// bucketTerminals holds the node's paired terminals: id → the pairing's
// record (JSON, with the SHA-256 of its device token, never the token).
var bucketTerminals = []byte("terminals")

// PutTerminal stores a terminal's pairing record under its id, replacing
// any before; a revocation is a record saying so, never a deletion, so that
// the list keeps who was paired.
func (o *Outbox) PutTerminal(id string, record []byte) error {
	return o.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTerminals).Put([]byte(id), record)
	})
}

// Terminals calls fn with every stored pairing record, by id.
func (o *Outbox) Terminals(fn func(id string, record []byte) error) error {
	return o.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTerminals).ForEach(func(k, v []byte) error {
			return fn(string(k), v)
		})
	})
}
