package web

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

type langLink struct {
	Code    string
	Label   string
	Href    string
	Current bool
}

type screenText struct {
	Thanks, ThanksMore, Failed, PhoneTitle, PhoneMore                         string
	Recorded, FollowIntro, Done, Next, Back, Step, Speak, Large, Counter      string
	Official, IdleTitle, IdleMore, Continue, Listen, Tools, Rate, ThanksShort string
}

var screenTexts = map[string]screenText{
	"vi": {
		Thanks: "Xin cảm ơn Ông/Bà!", ThanksShort: "Đã ghi nhận",
		ThanksMore:  "Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn.",
		Failed:      "Chưa ghi nhận được, xin Ông/Bà chạm lại.",
		PhoneTitle:  "Đánh giá trên điện thoại",
		PhoneMore:   "Quét mã này bằng điện thoại, hoặc chạm vào một khuôn mặt bên dưới.",
		Recorded:    "Đánh giá của Ông/Bà đã được ghi nhận.",
		FollowIntro: "Ông/Bà có thể trả lời thêm vài câu, hoặc bấm Xong.",
		Done:        "Xong", Next: "Tiếp", Back: "Quay lại", Step: "Bước %d / %d",
		Speak: "Đọc to", Large: "Chữ lớn", Counter: "Quầy", Official: "Công chức",
		IdleTitle: "Ông/Bà còn tiếp tục không?",
		IdleMore:  "Màn hình sẽ trở về đầu sau %s giây.",
		Continue:  "Tiếp tục", Listen: "Nghe", Tools: "Hỗ trợ", Rate: "Chọn mức độ hài lòng",
	},
	"en": {
		Thanks: "Thank you!", ThanksShort: "Recorded",
		ThanksMore:  "Your answers help us serve you better.",
		Failed:      "Not recorded yet; please touch it again.",
		PhoneTitle:  "Rate on your phone",
		PhoneMore:   "Scan this code with your phone, or touch a face below.",
		Recorded:    "Your rating has been recorded.",
		FollowIntro: "You may answer a few more questions, or press Done.",
		Done:        "Done", Next: "Next", Back: "Back", Step: "Step %d of %d",
		Speak: "Read aloud", Large: "Large text", Counter: "Counter", Official: "Official",
		IdleTitle: "Are you still there?",
		IdleMore:  "The screen will start over in %s seconds.",
		Continue:  "Continue", Listen: "Listen", Tools: "Help", Rate: "Choose how satisfied you are",
	},
}

// screenFuncs are the screen template's functions: dict passes named
// values to a sub-template (the speaker button).
var screenFuncs = template.FuncMap{
	"dict": func(kv ...string) map[string]string {
		m := make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	},
}

// screenOption is one answer a citizen can tap, with its recording.
type screenOption struct {
	Value int
	Label string
	Audio string
	// Mood is the face and colour of a headline level: very-bad, bad,
	// neutral, good or very-good.
	Mood string
}

// screenQuestion is a question as the screen shows it.
type screenQuestion struct {
	ID, Kind, Text, Audio string
	Options               []screenOption
}

// screenPage is one page of the follow-up questions: a SIPAS element, or
// one question on its own.
type screenPage struct {
	Title, Audio string
	Questions    []screenQuestion
}

// screenShow renders the touchscreen survey. A terminal is pointed at
// /?q=<questionnaire>&counter=<counter>&official=<official>&terminal=<id>
// (and &official_name=<name> where the centre shows names) once, when it
// is set up. The citizen taps a face, which is the rating; optional
// follow-up questions come one page at a time. After a while untouched, a
// lobby screen offers a code to rate on a phone beside the faces. An
// address it cannot open is refused in the page's language, naming the
// parameter at fault (refuse).
func (s *Server) screenShow(c *fiber.Ctx) error {
	lang := language(c)
	qid := c.Query("q", s.Questionnaires[0])
	q, ok := s.offered(qid)
	if !ok {
		return s.refuse(c, lang, hailong.Errorf(hailong.ENOTFOUND, "Questionnaire %q is not offered at this node.", qid),
			refusalTexts[lang].BadAddress, s.notOffered(lang, qid), refusalTexts[lang].Fix)
	}
	counter, official, terminal := c.Query("counter"), c.Query("official"), c.Query("terminal")
	officialName := c.Query("official_name")
	given := terminal // a terminal named after its counter is not blamed for the counter's name
	if terminal == "" {
		terminal = counter
	}
	if terminal == "" {
		terminal = "lobby"
	}
	var fields []hailong.FieldError
	var problems []string // the fields' problems in the page's language
	// A parameter given twice is refused rather than read as its first:
	// which one the person setting up the screen meant cannot be told.
	for _, name := range []string{"q", "counter", "official", "official_name", "terminal"} {
		if len(c.Context().QueryArgs().PeekMulti(name)) > 1 {
			fields = append(fields, hailong.FieldError{Field: name, Message: "is given more than once"})
			problems = append(problems, fmt.Sprintf(refusalTexts[lang].Twice, name))
		}
	}
	for _, f := range []struct{ name, value string }{{"counter", counter}, {"official", official}, {"terminal", given}} {
		if f.value == "" {
			continue
		}
		if err := hailong.CheckRef(f.value); err != nil {
			fields = append(fields, hailong.FieldError{Field: f.name, Message: err.Error()})
			problems = append(problems, badRef(lang, f.name, f.value))
		}
	}
	if officialName != "" {
		if err := hailong.CheckText(officialName); err != nil || len([]rune(officialName)) > 64 {
			fields = append(fields, hailong.FieldError{Field: "official_name", Message: "must be a name of at most 64 characters"})
			problems = append(problems, badName(lang, officialName))
		}
	}
	if len(fields) > 0 {
		return s.refuse(c, lang, hailong.Invalid("The terminal address is not valid.", fields...),
			refusalTexts[lang].BadAddress, problems, refusalTexts[lang].Fix)
	}
	var langs []langLink
	for _, l := range hailong.Languages {
		v := url.Values{"q": {q.ID}, "lang": {l}}
		for k, val := range map[string]string{"counter": counter, "official": official, "official_name": officialName, "terminal": c.Query("terminal")} {
			if val != "" {
				v.Set(k, val)
			}
		}
		label := map[string]string{"vi": "Tiếng Việt", "en": "English"}[l]
		langs = append(langs, langLink{Code: l, Label: label, Href: "/?" + v.Encode(), Current: l == lang})
	}
	headline, pages := s.screenQuestions(q, lang)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.screen.ExecuteTemplate(c.Response().BodyWriter(), "screen.html", screenView{
		Lang: lang, Q: q, Counter: counter, Official: official,
		OfficialShown: s.officialShown(official, officialName),
		UnitName:      s.UnitName, Langs: langs, T: screenTexts[lang],
		Headline: headline, Pages: pages,
		ResetSeconds: int(s.ResetAfter.Seconds()),
		Terminal:     terminal, WalkIn: s.Signer != nil && s.PublicURL != "",
		IdleSeconds:      int(s.IdleQR.Seconds()),
		IdleResetSeconds: int(s.IdleReset.Seconds()), IdleWarnSeconds: int(s.IdleWarning.Seconds()),
		Speak: s.Speak,
	})
}

// screenView is what the rating screen shows: the questionnaire's
// headline question and its pages, in the page's language, for the
// terminal, counter and official it rates, with the timings its script
// keeps.
type screenView struct {
	Lang     string
	Q        *hailong.Questionnaire
	Counter  string
	Official string
	// OfficialShown is what the screen says of the official rated
	// (ShowOfficial): the badge, the name or nothing.
	OfficialShown string
	UnitName      string
	Langs         []langLink
	T             screenText
	Headline      screenQuestion
	Pages         []screenPage
	Terminal      string
	// WalkIn: the idle screen shows a QR code to rate from a phone.
	WalkIn bool
	Speak  bool
	// The script's timings, in seconds: back to the start after a rating,
	// the idle QR code, and the idle reset with its warning.
	ResetSeconds, IdleSeconds, IdleResetSeconds, IdleWarnSeconds int
}

// officialShown is what a counter tablet says of the official being
// rated, as the centre chose (ShowOfficial).
func (s *Server) officialShown(badge, name string) string {
	switch s.ShowOfficial {
	case "none":
		return ""
	case "name":
		if name != "" {
			return name
		}
	}
	return badge
}

// screenQuestions splits a questionnaire into the headline, shown as faces,
// and the follow-up pages: the statements of each SIPAS element together,
// every other question on a page of its own, in the questionnaire's order.
func (s *Server) screenQuestions(q *hailong.Questionnaire, lang string) (screenQuestion, []screenPage) {
	var headline screenQuestion
	var pages []screenPage
	element := map[string]int{} // element id → its page
	for _, qu := range q.Questions {
		sq := screenQuestion{ID: qu.ID, Kind: qu.Kind, Text: qu.Text.In(lang), Audio: s.audioFor(lang, qu.Text.In(lang))}
		for _, o := range qu.Options {
			label := o.Label.In(lang)
			sq.Options = append(sq.Options, screenOption{Value: o.Value, Label: label, Audio: s.audioFor(lang, label)})
		}
		if qu.ID == q.Headline {
			for i := range sq.Options {
				sq.Options[i].Mood = mood(&qu, sq.Options[i].Value)
			}
			headline = sq
			continue
		}
		if qu.Element != "" {
			if i, ok := element[qu.Element]; ok {
				pages[i].Questions = append(pages[i].Questions, sq)
				continue
			}
			for _, e := range q.Elements {
				if e.ID == qu.Element {
					element[qu.Element] = len(pages)
					title := e.Title.In(lang)
					pages = append(pages, screenPage{Title: title, Audio: s.audioFor(lang, title), Questions: []screenQuestion{sq}})
				}
			}
			if _, ok := element[qu.Element]; ok {
				continue
			}
		}
		pages = append(pages, screenPage{Questions: []screenQuestion{sq}})
	}
	return headline, pages
}

// mood places a headline level on the faces' scale: the levels that count
// as dissatisfied frown (the lowest of several the most), the satisfied
// smile (the highest of several the most), any other is neutral.
func mood(q *hailong.Question, v int) string {
	extreme := func(levels []int, pick func([]int) int) bool {
		return len(levels) > 1 && v == pick(levels)
	}
	switch {
	case slices.Contains(q.Dissatisfied, v) && extreme(q.Dissatisfied, slices.Min[[]int, int]):
		return "very-bad"
	case slices.Contains(q.Dissatisfied, v):
		return "bad"
	case slices.Contains(q.Satisfied, v) && extreme(q.Satisfied, slices.Max[[]int, int]):
		return "very-good"
	case slices.Contains(q.Satisfied, v):
		return "good"
	}
	return "neutral"
}
