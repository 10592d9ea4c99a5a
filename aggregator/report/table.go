package report

import (
	"time"

	"hailong"
)

// Table is one table of a report, as a page shows it and an export
// writes it: every table on screen is one of these, so what is downloaded
// is what was seen.
type Table struct {
	// Name is the table's stable identifier, asked for as ?table=Name
	// when downloading, and used for the sheet and file names.
	Name    string
	Title   string
	Columns []Column
	Rows    []Row
	// Note explains the table (the formula, the minimum sample).
	Note string
}

// Column is a column of a table.
type Column struct {
	Title string
	Kind  Kind
}

// Kind is how a column's values are written.
type Kind int

// The kinds of columns.
const (
	KindText  Kind = iota // words, codes
	KindCount             // whole numbers
	KindRate              // a share 0–1, shown as a percentage
	KindScore             // a decimal such as a Circular 01 score
	KindZ                 // a test statistic
	// KindRateChange is a change of a share between periods, in share
	// units (−0.023 is 2.3 percentage points down), shown in percentage
	// points.
	KindRateChange
)

// Row is a row of a table.
type Row struct {
	Cells []Cell
	// Link is the page the row's first cell leads to, if any.
	Link string
}

// Cell is one value. Value is nil for a figure not shown (no ratings, or
// not enough), where Text says why.
type Cell struct {
	Value *float64
	Text  string
}

// Meta is what an exported file says about itself.
type Meta struct {
	Title     string
	Unit      string // code
	UnitName  string
	Period    Period
	AsOf      hailong.Date
	Filters   map[string]string // the query's filters, by parameter name
	Generated time.Time
	Lang      string
}
