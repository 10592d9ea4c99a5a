package app

import (
	"fmt"

	"hailong/kiosk/bolt"
)

// FailReopenAfterCompaction makes m's compactions end as one whose
// compacted file cannot be opened again: the outbox closed, the error
// wrapping bolt.ErrReopen. Set before Run.
func FailReopenAfterCompaction(m *Main) {
	m.compact = func() error {
		if err := m.outbox.Compact(); err != nil {
			return err
		}
		m.outbox.Close()
		return fmt.Errorf("compact outbox: %w: injected", bolt.ErrReopen)
	}
}
