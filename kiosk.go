package hailong

import "time"

// Kiosk is an enrolled kiosk node: the aggregator accepts uploads only from
// enrolled, unrevoked kiosks, and only for the kiosk's own unit.
type Kiosk struct {
	ID         string
	Unit       string
	SecretHash []byte
	// PublicKey checks the kiosk's QR rating links (Ed25519).
	PublicKey []byte
	Revoked   bool
	Created   time.Time
}
