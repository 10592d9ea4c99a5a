package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
)

// refusalText is what a screen says when it cannot open: to whoever sets
// the screen up, not to a citizen, so it names the parameter of the
// address at fault and says how to mend it.
type refusalText struct {
	// BadAddress heads a refusal of the screen's address; Fix ends it.
	BadAddress, Fix string
	// NotOffered says q names a questionnaire the node does not offer
	// (q, the offered ones); UseDefault adds that leaving q out opens the
	// default one; NoneOffered says the node offers none at all.
	NotOffered, UseDefault, NoneOffered string
	// BadRef says a code parameter is not a code (parameter, what it
	// is, value); Refs names what each such parameter is.
	BadRef string
	Refs   map[string]string
	// BadName says official_name is not a name, and why: TooLong, or
	// what hailong.TextError.Said says.
	BadName, TooLong string
	// Twice says a parameter is given more than once (parameter).
	Twice string
	// Busy refuses the pairing page while too many screens wait.
	BusyTitle, Busy string
	Other           string // the link to the page in the other language
}

var refusalTexts = map[string]refusalText{
	"vi": {
		BadAddress: "Địa chỉ màn hình không hợp lệ",
		Fix:        "Xin sửa địa chỉ của màn hình này rồi tải lại trang. Địa chỉ có dạng /?q=MÃ-PHIẾU&counter=MÃ-QUẦY&official=MÃ-CÔNG-CHỨC; màn hình ở sảnh chỉ cần /.",
		NotOffered: "Tham số “q”: ki-ốt này không có phiếu khảo sát “%s”. Xin ghi tham số “q” là mã của một phiếu có tại đây: %s.",
		UseDefault: "Hoặc bỏ tham số “q” để mở phiếu mặc định “%s”.",
		NoneOffered: "Tham số “q”: ki-ốt này không có phiếu khảo sát “%s”, và hiện chưa có phiếu nào. " +
			"Xin quản trị viên kiểm tra cấu hình ki-ốt và kết nối với hệ thống tổng hợp.",
		BadRef: "Tham số “%s”: “%s” không phải %s hợp lệ. Xin ghi mã gồm 1 đến 64 chữ cái, chữ số, dấu chấm, gạch dưới hoặc gạch nối, " +
			"bắt đầu bằng chữ cái hoặc chữ số; hoặc bỏ tham số này.",
		Refs:      map[string]string{"counter": "mã quầy", "official": "mã công chức", "terminal": "tên màn hình"},
		BadName:   "Tham số “official_name”: tên công chức %s. Xin ghi tên bằng văn bản thường, tối đa 64 ký tự; hoặc bỏ tham số này.",
		TooLong:   "dài %d ký tự",
		Twice:     "Tham số “%s” có nhiều lần trong địa chỉ. Xin chỉ ghi một lần.",
		BusyTitle: "Chưa thể hiện mã ghép nối",
		Busy:      "Đang có quá nhiều màn hình chờ ghép nối. Xin thử lại sau ít phút.",
		Other:     "English",
	},
	"en": {
		BadAddress: "The screen's address is not valid",
		Fix:        "Correct the address this screen opens, then reload the page. It reads /?q=QUESTIONNAIRE&counter=COUNTER&official=OFFICIAL; a lobby screen needs only /.",
		NotOffered: "Parameter “q”: this kiosk offers no questionnaire “%s”. Set “q” to the code of one offered here: %s.",
		UseDefault: "Or leave “q” out to open the default questionnaire, “%s”.",
		NoneOffered: "Parameter “q”: this kiosk offers no questionnaire “%s”, nor any other yet. " +
			"The administrator should check the kiosk's configuration and its connection to the aggregator.",
		BadRef: "Parameter “%s”: “%s” is not a valid %s. Write a code of 1 to 64 letters, digits, dots, underscores or hyphens, " +
			"starting with a letter or digit; or leave the parameter out.",
		Refs:      map[string]string{"counter": "counter code", "official": "official's code", "terminal": "screen name"},
		BadName:   "Parameter “official_name”: the official's name %s. Write the name as plain text of at most 64 characters; or leave the parameter out.",
		TooLong:   "is %d characters long",
		Twice:     "Parameter “%s” is given more than once in the address. Give it once.",
		BusyTitle: "The pairing code cannot be shown yet",
		Busy:      "Too many screens are waiting to be paired. Please try again in a few minutes.",
		Other:     "Tiếng Việt",
	},
}

// refusalPage is a screen's refusal in the page's language. It borrows
// the pairing screen's frame and style: it is seen where that is, by the
// same people.
var refusalPage = template.Must(template.New("refusal").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="stylesheet" href="/static/terminal.css">
</head>
<body class="pairing">
<main id="pairing">
  {{with .UnitName}}<p class="pair-centre">{{.}}</p>{{end}}
  <h1>{{.Title}}</h1>
  <div role="alert">{{range .Problems}}
    <p>{{.}}</p>{{end}}
  </div>
  {{with .Fix}}<p>{{.}}</p>{{end}}
  <p><a href="{{.OtherHref}}" lang="{{.OtherLang}}">{{.Other}}</a></p>
</main>
</body>
</html>
`))

// refuse answers a refusal of one of the screen's pages. A browser asking
// for a page gets a page in the page's language, with err's status,
// saying under title what is wrong (problems) and how to mend it (fix);
// a program gets err, which the error handler answers as problem+json in
// the API's English, as ever.
func (s *Server) refuse(c *fiber.Ctx, lang string, err *hailong.Error, title string, problems []string, fix string) error {
	if !fiberapp.WantsHTML(c) {
		return err
	}
	other := "en"
	if lang == "en" {
		other = "vi"
	}
	v, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	v.Set("lang", other)
	c.Status(fiberapp.Status(err.Code))
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentLanguage, lang)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return refusalPage.Execute(c.Response().BodyWriter(), refusalView{
		Lang: lang, Title: title, Problems: problems, Fix: fix, UnitName: s.UnitName,
		Other: refusalTexts[lang].Other, OtherLang: other, OtherHref: c.Path() + "?" + v.Encode(),
	})
}

// refusalView is what the refusal page shows: what was wrong with the
// address, how to mend it, and a link to the same page in the other
// language.
type refusalView struct {
	Lang, Title string
	Problems    []string
	Fix         string
	UnitName    string
	// Other names the other language; OtherHref is this address in it.
	Other, OtherLang, OtherHref string
}

// notOffered says in lang that q names no questionnaire offered here, and
// which are.
func (s *Server) notOffered(lang, qid string) []string {
	t := refusalTexts[lang]
	var offered []string
	for _, id := range s.Questionnaires {
		if _, ok := s.offered(id); ok {
			offered = append(offered, "“"+id+"”")
		}
	}
	if len(offered) == 0 {
		return []string{fmt.Sprintf(t.NoneOffered, hailong.Shown(qid))}
	}
	out := []string{fmt.Sprintf(t.NotOffered, hailong.Shown(qid), strings.Join(offered, ", "))}
	if def := s.Questionnaires[0]; def != qid {
		if _, ok := s.offered(def); ok {
			out = append(out, fmt.Sprintf(t.UseDefault, def))
		}
	}
	return out
}

// badRef says in lang that parameter, a code, holds value, which is not one.
func badRef(lang, parameter, value string) string {
	t := refusalTexts[lang]
	return fmt.Sprintf(t.BadRef, parameter, hailong.Shown(value), t.Refs[parameter])
}

// badName says in lang why name is not an official's name.
func badName(lang, name string) string {
	t := refusalTexts[lang]
	why := fmt.Sprintf(t.TooLong, len([]rune(name)))
	var te *hailong.TextError
	if errors.As(hailong.CheckText(name), &te) {
		why = te.Said(lang)
	}
	return fmt.Sprintf(t.BadName, why)
}
