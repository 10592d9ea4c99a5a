package web

import (
	"fmt"
	"html"
	"html/template"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"hailong"
	"hailong/aggregator/export"
	"hailong/aggregator/report"
	"hailong/hierarchy"
	"hailong/procedure"
)

// measuresPage is the data of the overview and of a unit's page: the
// filters as asked, what is wrong with them, and the figures of the unit.
type measuresPage struct {
	F Frame
	// Action is the address the filters' form is sent to.
	Action  string
	Filters filterForm
	// Problems are the filters' problems; Err says each beside its field,
	// by the field's parameter name.
	Problems report.Problems
	Err      map[string]string
	// Loose says the problems of fields the form has no control for.
	Loose []string
	// Notice says why no figure is shown: the unit is unknown or outside
	// the reader's scope.
	Notice string
	status int

	Unit                  hierarchy.Unit
	Query                 report.Query
	Previous, YearEarlier report.Period
	// Figures are the headline tables: measures, SIPAS, Circular 01,
	// targets.
	Figures []tableView
	// UnitLink is the unit's own page, keeping the filters.
	UnitLink template.URL
	// Measures is the report of the page's query.
	Measures report.Measures

	// Of a unit's page only.
	Crumbs   []crumb
	Ranking  *tableView
	Leaf     bool
	Analysis unitAnalysis
}

// filterForm is the filters' form: every filter of /api/v1/measures, as
// asked, with the choices of the lists.
type filterForm struct {
	Period, From, To, AsOf                                      string
	Channel, Questionnaire, Procedure, Field, Official, Counter string
	// More says a filter beyond the period is set or wrong, so the form
	// shows them open.
	More                               bool
	Quarters, Months, Years            []option
	Questionnaires, Procedures, Fields []option
}

// option is one choice of a list.
type option struct{ Value, Label string }

// newMeasuresPage starts a page of section whose form is sent to action.
func (s *Server) newMeasuresPage(c *fiber.Ctx, section, titleKey, action string) *measuresPage {
	return &measuresPage{F: s.frame(c, section, titleKey), Action: action, status: fiber.StatusOK}
}

// openQuery reads the page's query, unit being the unit of the page's
// path ("" to read it from the query, or the reader's scope). It reports
// false when the page can show no figure — bad filters (400), an unknown
// unit (404), a unit out of scope (403) — having said why on the page.
func (s *Server) openQuery(c *fiber.Ctx, p *measuresPage, unit string) (bool, error) {
	lang := p.F.Lang
	get := c.Query
	if unit != "" {
		get = func(key string, def ...string) string {
			if key == "unit" {
				return unit
			}
			return c.Query(key, def...)
		}
	}
	q, ps := s.readQuery(get, queryOptions{Default: report.QuarterContaining(hailong.DateOf(s.Now())), Lang: lang, OptionalUnit: true})
	p.Filters = s.filterForm(get, lang, q)
	p.Query = q
	if len(ps) > 0 {
		p.Problems, p.status, p.Err = ps, fiber.StatusBadRequest, map[string]string{}
		for _, pr := range ps {
			switch {
			case !filterFields[pr.Field]:
				// No control of the form shows it (include_flagged,
				// year, a link's own parameters): said above it.
				p.Loose = append(p.Loose, pr.Field+": "+pr.Message(lang))
			case p.Err[pr.Field] == "":
				p.Err[pr.Field] = pr.Message(lang)
			}
		}
		return false, nil
	}
	code, err := s.inScope(c, q.Unit, q.AsOf)
	switch hailong.ErrorCode(err) {
	case "":
	case hailong.ENOTFOUND:
		named := q.Unit
		if named == "" { // the principal's scope, not in force on as_of
			named = principalOf(c).Scope
		}
		p.Notice, p.status = fmt.Sprintf(p.F.T["ov_not_found"], named, formatDate(lang, q.AsOf)), fiber.StatusNotFound
		return false, nil
	case hailong.EFORBIDDEN:
		p.Notice, p.status = p.F.T["ov_forbidden"], fiber.StatusForbidden
		return false, nil
	default:
		return false, err
	}
	q.Unit = code
	if err := s.reporter().Resolve(&q); err != nil {
		return false, err
	}
	p.Query = q
	p.Unit, _ = s.Units().At(code, q.AsOf)
	p.UnitLink = template.URL(pageLink("/units/"+code, p.F.Query, "unit", "", "sort", ""))
	return true, nil
}

// filterForm fills the form with the query as asked and the choices of
// its lists.
func (s *Server) filterForm(get func(string, ...string) string, lang string, q report.Query) filterForm {
	f := filterForm{
		Period: get("period"), From: get("from"), To: get("to"), AsOf: get("as_of"),
		Channel: get("channel"), Questionnaire: get("questionnaire"), Procedure: get("procedure"),
		Field: get("field"), Official: get("official"), Counter: get("counter"),
	}
	f.More = f.Channel+f.Questionnaire+f.Procedure+f.Field+f.Official+f.Counter != ""
	if f.Period == "" && f.From == "" && f.To == "" && q.Kind != report.Custom && q.From != 0 {
		f.Period = q.Period.String() // the default period, shown as chosen
	}
	today := hailong.DateOf(s.Now())
	quarter, y := report.QuarterContaining(today), 0
	for i := 0; i < 8; i++ {
		f.Quarters = append(f.Quarters, option{quarter.String(), periodLabel(lang, quarter)})
		quarter = quarter.Previous()
	}
	month := report.MonthOf(today.YearMonth())
	for i := 0; i < 12; i++ {
		f.Months = append(f.Months, option{month.String(), periodLabel(lang, month)})
		month = month.Previous()
	}
	y, _ = today.YearMonth()
	for i := 0; i < 3; i++ {
		year := report.YearOf(y - i)
		f.Years = append(f.Years, option{year.String(), periodLabel(lang, year)})
	}
	// A period asked that the lists do not hold is kept as a choice, so the
	// form shows what the page shows.
	if f.Period != "" && q.Kind != report.Custom && q.From != 0 && !slices.ContainsFunc(slices.Concat(f.Quarters, f.Months, f.Years), func(o option) bool { return o.Value == f.Period }) {
		f.Years = append(f.Years, option{f.Period, periodLabel(lang, q.Period)})
	}
	for _, qu := range s.Catalog.All() {
		f.Questionnaires = append(f.Questionnaires, option{qu.ID, qu.Title.In(lang)})
	}
	if s.Procedures != nil {
		f.Procedures, f.Fields = catalogueOptions(s.Procedures())
	}
	return f
}

// catalogueChoices holds the procedures and fields of the catalogue last
// listed, sorted by name: sorting thousands of names the Vietnamese way
// costs more than the rest of a page, and a catalogue does not change (an
// import replaces it).
var catalogueChoices struct {
	sync.Mutex
	of                 *procedure.Catalogue
	procedures, fields []option
}

// catalogueOptions lists the catalogue's procedures by name and its fields.
func catalogueOptions(cat *procedure.Catalogue) (procedures, fields []option) {
	c := &catalogueChoices
	c.Lock()
	defer c.Unlock()
	if c.of == cat {
		return c.procedures, c.fields
	}
	c.of, c.procedures, c.fields = cat, nil, nil
	seen := map[string]bool{}
	for _, pr := range cat.All() {
		c.procedures = append(c.procedures, option{pr.Code, pr.Name})
		seen[pr.Field] = pr.Field != ""
	}
	name := byName()
	slices.SortFunc(c.procedures, func(a, b option) int { return name(a.Label, b.Label) })
	for _, fd := range slices.Sorted(maps.Keys(seen)) {
		if seen[fd] {
			c.fields = append(c.fields, option{fd, fd})
		}
	}
	return c.procedures, c.fields
}

// meta describes the page's query for a downloaded file.
func (p *measuresPage) meta() report.Meta {
	filters := map[string]string{}
	for k, v := range map[string]string{"channel": p.Filters.Channel, "questionnaire": p.Filters.Questionnaire,
		"procedure": p.Filters.Procedure, "field": p.Filters.Field, "official": p.Filters.Official, "counter": p.Filters.Counter} {
		if v != "" {
			filters[k] = v
		}
	}
	return report.Meta{Title: p.F.Title, Unit: p.Query.Unit, UnitName: p.Unit.Name, Period: p.Query.Period,
		AsOf: p.Query.AsOf, Filters: filters, Lang: p.F.Lang}
}

// tables returns every table of the page, in the order shown.
func (p *measuresPage) tables() []report.Table {
	var out []report.Table
	for _, t := range p.Figures {
		out = append(out, t.Table)
	}
	if p.Ranking != nil {
		out = append(out, p.Ranking.Table)
	}
	return append(out, p.Analysis.tables()...)
}

// tableView is a report.Table as a page shows it: its cells written in the
// page's language, with the links that download it and sort it.
type tableView struct {
	report.Table
	T    map[string]string
	Head []headCell
	Body []bodyRow
	// CSV and XLSX download the table with the page's filters.
	CSV, XLSX template.URL
}

// Sortable reports whether a column of the table sorts it: the page then
// says so after the table's note, which its files share without it.
func (v tableView) Sortable() bool {
	for _, h := range v.Head {
		if h.Sort != "" {
			return true
		}
	}
	return false
}

// headCell is a column title; Sort is the address sorting by the column,
// if it sorts, and Sorted says the table is sorted by it.
type headCell struct {
	Title string
	Num   bool
	Sort  template.URL
	// Sorted is the aria-sort of the column the table is sorted by
	// ("ascending", "descending"); "" for the others.
	Sorted string
	// Span is how many columns a group's heading spans (HeadRows), 0 for
	// a column's own; Rows is 2 for a column's heading beside groups.
	Span, Rows int
}

// bodyRow is a row of written cells.
type bodyRow struct{ Cells []bodyCell }

// bodyCell is a written cell with its raw value, kept in data-value so a
// test (or a script) reads the figure and not its writing. The row's
// first text cell heads it and carries the row's link.
type bodyCell struct {
	Text, Value string
	Num, Head   bool
	Link        template.URL
}

// viewTable writes t for a page at path with the page's query.
func viewTable(f Frame, path string, t report.Table) tableView {
	v := tableView{Table: t, T: f.T,
		CSV:  template.URL(pageLink(path, f.Query, "format", "csv", "table", t.Name)),
		XLSX: template.URL(pageLink(path, f.Query, "format", "xlsx", "table", t.Name))}
	for _, col := range t.Columns {
		v.Head = append(v.Head, headCell{Title: col.Title, Num: col.Kind != report.KindText})
	}
	for _, r := range t.Rows {
		var row bodyRow
		headed := false
		for i, cell := range r.Cells {
			k := t.Columns[min(i, len(t.Columns)-1)].Kind
			bc := bodyCell{Text: cellText(f.Lang, k, cell), Num: k != report.KindText}
			if !headed && k == report.KindText {
				bc.Head, bc.Link, headed = true, template.URL(r.Link), true
			}
			if cell.Value != nil {
				bc.Value = strconv.FormatFloat(*cell.Value, 'f', -1, 64)
			}
			row.Cells = append(row.Cells, bc)
		}
		v.Body = append(v.Body, row)
	}
	return v
}

// cellText writes a cell of a column of kind k in lang, as the files do.
func cellText(lang string, k report.Kind, c report.Cell) string {
	if c.Value != nil && k == report.KindText && c.Text != "" {
		return c.Text
	}
	return export.FormatCell(lang, k, c)
}

// byName orders names as a Vietnamese reader looks for them (a collator
// is not safe for concurrent use: one a sort).
func byName() func(a, b string) int {
	return collate.New(language.Vietnamese, collate.IgnoreCase).CompareString
}

// formField is one field of the filters' form, for the templates
// "ov_input" and "ov_select": its parameter, label, value and problem.
type formField struct {
	Name, Label, Type, Value, Err string
	// Lang is the page's language, in which a date is written.
	Lang string
	// Options are a list's choices, written here rather than by the
	// template: the catalogue's thousands of procedures took the template
	// more time than the rest of the page.
	Options template.HTML
}

func init() {
	funcs["ovInput"] = func(p *measuresPage, name, typ, value string) formField {
		return formField{Name: name, Label: p.F.T["ov_"+name], Type: typ, Value: value, Err: p.Err[name], Lang: p.F.Lang}
	}
	funcs["ovSelect"] = func(p *measuresPage, name, value string, options []option) formField {
		return formField{Name: name, Label: p.F.T["ov_"+name], Value: value, Err: p.Err[name],
			Options: optionsHTML(p.F.T["ov_all"], value, options)}
	}
}

// optionsHTML writes the options of a list, the first for none ("all"),
// with the chosen one selected.
func optionsHTML(all, chosen string, options []option) template.HTML {
	var b strings.Builder
	b.Grow(64 * (len(options) + 1))
	b.WriteString(`<option value="">` + html.EscapeString(all) + "</option>")
	for _, o := range options {
		b.WriteString(`<option value="`)
		b.WriteString(html.EscapeString(o.Value))
		if o.Value == chosen {
			b.WriteString(`" selected>`)
		} else {
			b.WriteString(`">`)
		}
		b.WriteString(html.EscapeString(o.Label))
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}

// pageLink is path with v's parameters and the given key/value pairs set
// (an empty value removes the key): a link that keeps a page's filters.
func pageLink(path string, v url.Values, kv ...string) string {
	if q := withQuery(v, kv...); q != "?" {
		return path + q
	}
	return path
}

// filterFields are the query's fields the filters' form has a control
// for (ov_filters), beside which their problems are said.
var filterFields = map[string]bool{"period": true, "from": true, "to": true, "as_of": true, "channel": true,
	"questionnaire": true, "procedure": true, "field": true, "official": true, "counter": true}
