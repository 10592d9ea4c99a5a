package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/export"
	"hailong/aggregator/report"
)

// funcs are the template functions of every page; each area adds its own
// from an init.
var funcs = template.FuncMap{}

// words are the words of the workspace pages, by language then key. Each
// area of pages adds its own from an init in its words_<area>.go with
// addWords, so areas never edit one shared table.
var words = map[string]map[string]string{"vi": {}, "en": {}}

// addWords adds an area's words. A key given twice, or given in one
// language and not the other, is a programming error caught at start.
func addWords(vi, en map[string]string) {
	for k := range vi {
		if _, ok := en[k]; !ok {
			panic(fmt.Sprintf("web: word %q has no English", k))
		}
	}
	for lang, ws := range map[string]map[string]string{"vi": vi, "en": en} {
		for k, v := range ws {
			if _, dup := words[lang][k]; dup {
				panic(fmt.Sprintf("web: word %q given twice", k))
			}
			words[lang][k] = v
		}
	}
}

func init() {
	addWords(map[string]string{
		"app": "Hài Lòng", "other_lang": "English", "nav": "Các trang",
		"nav_overview": "Tổng quan", "nav_units": "Đơn vị", "nav_comments": "Ý kiến",
		"nav_kiosks": "Ki-ốt", "nav_reports": "Báo cáo", "nav_admin": "Quản trị",
		"nav_password": "Đổi mật khẩu", "nav_tokens": "Khoá API", "nav_subscriptions": "Nhận thư báo", "nav_logout": "Đăng xuất",
		"signed_in_as": "Đang đăng nhập:", "skip": "Bỏ qua, đến nội dung chính",
		"not_enough": "Chưa đủ số lượt đánh giá", "no_data": "Chưa có dữ liệu",
		"download_csv": "Tải CSV", "download_xlsx": "Tải Excel",
	}, map[string]string{
		"app": "Hài Lòng", "other_lang": "Tiếng Việt", "nav": "Pages",
		"nav_overview": "Overview", "nav_units": "Units", "nav_comments": "Comments",
		"nav_kiosks": "Kiosks", "nav_reports": "Reports", "nav_admin": "Administration",
		"nav_password": "Change password", "nav_tokens": "API tokens", "nav_subscriptions": "Email subscriptions", "nav_logout": "Sign out",
		"signed_in_as": "Signed in as", "skip": "Skip to the main content",
		"not_enough": "Not enough ratings", "no_data": "No data yet",
		"download_csv": "Download CSV", "download_xlsx": "Download Excel",
	})
	funcs["num"] = func(lang string, v any) string { return formatNumber(lang, v, 0) }
	funcs["dec"] = func(lang string, v any, digits int) string { return formatNumber(lang, v, digits) }
	funcs["rate"] = formatRate
	funcs["interval"] = formatInterval
	funcs["day"] = formatDate
	funcs["period"] = periodLabel
	// dict passes named values to a shared template part.
	funcs["dict"] = func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	}
	funcs["query"] = func(v url.Values, kv ...string) template.URL { return template.URL(withQuery(v, kv...)) }
	// said writes in lang a message a service wrote as it stands (a
	// delivery's failure, why a subscription was disabled): saidIn, or,
	// for "what: detail" whose what alone is known, its Vietnamese with
	// the detail (a TLS library's words) kept as given.
	funcs["said"] = func(lang, msg string) string {
		if s := saidIn(lang, msg, nil); s != msg {
			return s
		}
		if what, detail, ok := strings.Cut(msg, ": "); ok {
			if s := saidIn(lang, what, nil); s != what {
				return s + ": " + detail
			}
		}
		return msg
	}
}

// addAreaWords adds the words of an area of pages under keys prefixed
// with the area's name and "_" ("account_login"); areaWords gives the
// area's pages their words without the prefix.
func addAreaWords(area string, vi, en map[string]string) {
	prefix := func(ws map[string]string) map[string]string {
		out := make(map[string]string, len(ws))
		for k, v := range ws {
			out[area+"_"+k] = v
		}
		return out
	}
	addWords(prefix(vi), prefix(en))
}

// areaViews caches areaWords: words do not change after start.
var areaViews sync.Map

// areaWords returns the words of lang, with those of area also under
// their keys without the area's prefix, for the pages of that area.
func areaWords(lang, area string) map[string]string {
	if v, ok := areaViews.Load(lang + "/" + area); ok {
		return v.(map[string]string)
	}
	out := make(map[string]string, len(words[lang]))
	for k, v := range words[lang] {
		out[k] = v
	}
	for k, v := range words[lang] {
		if short, ok := strings.CutPrefix(k, area+"_"); ok {
			out[short] = v
		}
	}
	areaViews.Store(lang+"/"+area, out)
	return out
}

// Frame is what the layout of every workspace page shows around the page:
// the language and its switch, the reader and what they may open.
type Frame struct {
	Lang      string
	OtherLang string // the address of this page in the other language
	CSRF      string
	T         map[string]string
	User      *hailong.Principal
	// Title is the page's title; Section the navigation entry that is
	// current ("overview", "units", "comments", "kiosks", "reports",
	// "admin").
	Title, Section string
	// Query is the page's query, kept by links and downloads so a view can
	// be bookmarked and shared.
	Query url.Values
	// Class is the page body's class besides "workspace": "account" for
	// the narrow sign-in and password forms, "admin" for administration.
	Class string
	// Stale says, on a national aggregator, which provinces' figures are
	// older than the last attempt to pull them.
	Stale []string
}

// frame makes the frame of a page in the language the reader asked for.
func (s *Server) frame(c *fiber.Ctx, section, titleKey string) Frame {
	lang := pageLang(c)
	q, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	other := url.Values{}
	for k, v := range q {
		other[k] = v
	}
	if lang == "vi" {
		other.Set("lang", "en")
	} else {
		other.Set("lang", "vi")
	}
	csrf, _ := c.Locals(csrfKey).(string)
	f := Frame{Lang: lang, T: words[lang], User: principalOf(c), Section: section, Query: q, CSRF: csrf,
		OtherLang: c.Path() + "?" + other.Encode()}
	f.Title = f.T[titleKey]
	if f.User != nil {
		f.Stale = s.staleNotes(lang)
	}
	return f
}

// render writes a page with its status.
func (s *Server) render(c *fiber.Ctx, status int, name string, data any) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.tmpl.ExecuteTemplate(c.Response().BodyWriter(), name, data)
}

// formatNumber writes an integer or float with digits decimals; nil and
// nil pointers write "–".
func formatNumber(lang string, v any, digits int) string {
	var f float64
	switch v := v.(type) {
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	case float64:
		f = v
	case *float64:
		if v == nil {
			return "–"
		}
		f = *v
	default:
		return fmt.Sprint(v)
	}
	return export.Number(lang, f, digits)
}

// formatRate writes a share 0–1 as a percentage with one decimal: 83,6 %
// in Vietnamese, 83.6% in English; "–" for none.
func formatRate(lang string, v *float64) string {
	if v == nil {
		return "–"
	}
	return export.Percent(lang, *v)
}

// formatInterval writes a 95% interval as 80,1–86,7 %.
func formatInterval(lang string, ci *[2]float64) string {
	if ci == nil {
		return ""
	}
	lo, hi := formatNumber(lang, ci[0]*100, 1), formatNumber(lang, ci[1]*100, 1)
	if lang == "vi" {
		return lo + "–" + hi + "\u00a0%"
	}
	return lo + "–" + hi + "%"
}

// formatDate writes a date as 30/11/2026 in Vietnamese and 30 Nov 2026 in
// English.
func formatDate(lang string, d hailong.Date) string {
	return export.Date(lang, d)
}

// withQuery returns "?"+v with the given key/value pairs set (an empty
// value removes the key), for links that keep a page's filters.
func withQuery(v url.Values, kv ...string) string {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return "?" + out.Encode()
}

// periodLabel names a period for a page: "Quý 3/2026", "Tháng 11/2026",
// "Năm 2026", or "01/07/2026 – 30/11/2026".
func periodLabel(lang string, p report.Period) string {
	y, m := p.From.YearMonth()
	switch p.Kind {
	case report.Quarter:
		if lang == "vi" {
			return fmt.Sprintf("Quý %d/%d", (int(m)-1)/3+1, y)
		}
		return fmt.Sprintf("Q%d %d", (int(m)-1)/3+1, y)
	case report.Month:
		if lang == "vi" {
			return fmt.Sprintf("Tháng %d/%d", int(m), y)
		}
		return fmt.Sprintf("%s %d", m, y)
	case report.Year:
		if lang == "vi" {
			return fmt.Sprintf("Năm %d", y)
		}
		return fmt.Sprint(y)
	}
	return formatDate(lang, p.From) + " – " + formatDate(lang, p.To)
}
