package hailong

import "time"

// Kiosk is an enrolled kiosk node: the aggregator accepts uploads only from
// enrolled, unrevoked kiosks, and only for the kiosk's own unit.
type Kiosk struct {
	ID         string
	Unit       string
	SecretHash []byte
	Revoked    bool
	Created    time.Time
}
