package hailong

import "time"

// Enrolment is the aggregator's record of an enrolled program: a kiosk node
// (which uploads ratings and signs QR links) or a one-stop client (which
// reports dossier outcomes). The aggregator accepts calls only from
// enrolled, unrevoked programs, and only for the program's own unit.
//
// It is not the kiosk node (package kiosk) nor the registry that
// authenticates against these records (package aggregator/enrolment).
type Enrolment struct {
	ID         string
	Unit       string
	SecretHash []byte
	// PublicKey checks the kiosk's QR rating links (Ed25519); empty for a
	// one-stop client.
	PublicKey []byte
	Revoked   bool
	Created   time.Time
}
