// Package national forms the national view: a national aggregator pulls
// the month cells of the provincial aggregators' rollups through their
// authenticated API (GET /api/v1/rollups/months) and adds them in rollups
// of its own, never reading a raw rating. wire.go is the format both sides
// share, serve.go the provincial side, view.go and sources.go the national
// side; docs/SCALE.md says why.
package national

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"hailong"
	"hailong/aggregator/rollup"
)

// Path is the provincial aggregator's route that serves its rollups' cells.
const Path = "/api/v1/rollups/months"

// Version is the version of the wire format (Months.Version). A national
// aggregator refuses any other: a province answering with a newer format
// keeps its last pulled figures until the national one is upgraded.
const Version = 1

// Months is the answer of GET /api/v1/rollups/months: every month a
// provincial aggregator's rollups hold, each with its digest, and the
// cells of the months whose digest the caller did not name in have.
type Months struct {
	Version int `json:"version"`
	// Scope is the unit whose subtree the cells are of: the caller's
	// scope (a province).
	Scope  string  `json:"scope"`
	Months []Month `json:"months"`
}

// Month is one calendar month of a province's rollups.
type Month struct {
	Month string `json:"month"` // YYYY-MM
	// Digest is of the month's cells in every rollup (Cells): equal
	// digests, equal cells. Unchanged says the caller has this digest,
	// so the cells are left out.
	Digest    string `json:"digest"`
	Unchanged bool   `json:"unchanged,omitempty"`
	Cells
}

// Cells are one month's days of the three rollups an aggregator keeps.
type Cells struct {
	// Ratings are the main rollup's days; Flagged those of the ratings a
	// kiosk node flagged as misuse (kept apart); Outcomes those of the
	// one-stop software's dossier outcomes.
	Ratings  []Day `json:"ratings,omitempty"`
	Flagged  []Day `json:"flagged,omitempty"`
	Outcomes []Day `json:"outcomes,omitempty"`
}

// Day is one unit's cells on one day.
type Day struct {
	Unit  string        `json:"unit"`
	Date  string        `json:"date"` // YYYY-MM-DD
	Cells []rollup.Cell `json:"cells"`
}

// Digest returns the digest of a month's cells: the first 16 bytes of the
// SHA-256 of their JSON, in hex.
func (c *Cells) Digest() (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16]), nil
}

// WireDays converts a rollup's days to the wire's.
func WireDays(days []rollup.Day) []Day {
	out := make([]Day, len(days))
	for i, d := range days {
		out[i] = Day{Unit: d.Unit, Date: d.Date.String(), Cells: d.Cells}
	}
	return out
}

// RollupDays converts the wire's days back to a rollup's.
func RollupDays(days []Day) ([]rollup.Day, error) {
	out := make([]rollup.Day, len(days))
	for i, d := range days {
		date, err := hailong.ParseDate(d.Date)
		if err != nil {
			return nil, fmt.Errorf("day of unit %s: %w", d.Unit, err)
		}
		out[i] = rollup.Day{Unit: d.Unit, Date: date, Cells: d.Cells}
	}
	return out, nil
}

// FormatMonth writes a month as YYYY-MM.
func FormatMonth(m rollup.Month) string {
	y, mo := m.YearMonth()
	return fmt.Sprintf("%04d-%02d", y, mo)
}

// ParseMonth reads a month written YYYY-MM.
func ParseMonth(s string) (rollup.Month, error) {
	var y, m int
	if n, err := fmt.Sscanf(s, "%4d-%2d", &y, &m); err != nil || n != 2 || len(s) != 7 || m < 1 || m > 12 || y < 1 {
		return 0, fmt.Errorf("%q is not a month YYYY-MM", s)
	}
	return rollup.MonthFrom(y, m), nil
}

// Have writes the months and digests a caller holds for the query
// parameter have: 2025-01.0a1b…,2025-02.…
func Have(digests map[string]string) string {
	var b strings.Builder
	for _, m := range slices.Sorted(maps.Keys(digests)) {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m + "." + digests[m])
	}
	return b.String()
}

// ParseHave reads the query parameter have.
func ParseHave(s string) map[string]string {
	out := map[string]string{}
	for part := range strings.SplitSeq(s, ",") {
		if m, d, ok := strings.Cut(strings.TrimSpace(part), "."); ok {
			out[m] = d
		}
	}
	return out
}
