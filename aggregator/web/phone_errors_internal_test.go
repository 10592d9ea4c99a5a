package web

import (
	"strings"
	"testing"

	"hailong"
	"hailong/assets"
)

// TestPhoneErrors: what the domain refuses in a citizen's answers is said
// on the phone page in the page's language, naming the question, by the
// kind of refusal the domain made (its format, or a *hailong.TextError),
// never by matching words of the English message.
func TestPhoneErrors(t *testing.T) {
	catalog, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatal(err)
	}
	q, ok := catalog.Latest("counter-quick")
	if !ok {
		t.Fatal("no counter-quick questionnaire")
	}
	cases := []struct {
		name    string
		answers hailong.Answers
		field   string // the question, as the page names it
		word    string // phoneTexts key of what the page says
	}{
		{"the headline not answered", hailong.Answers{"comment": hailong.Str("ngon")}, "headline", "err_required"},
		{"a comment too long", hailong.Answers{"overall": hailong.Int(3), "comment": hailong.Str(strings.Repeat("à", hailong.MaxTextAnswer+1))}, "comment", "err_long"},
		{"a control character in the comment", hailong.Answers{"overall": hailong.Int(3), "comment": hailong.Str("ngon\x01")}, "comment", "err_text"},
		{"a bidirectional control in the comment", hailong.Answers{"overall": hailong.Int(3), "comment": hailong.Str("abc \u202e")}, "comment", "err_text"},
		{"invalid UTF-8 in the comment", hailong.Answers{"overall": hailong.Int(3), "comment": hailong.Str("ngon\xff")}, "comment", "err_text"},
		{"an option the question does not have", hailong.Answers{"overall": hailong.Int(9)}, "headline", "err_option"},
		{"text for a scale", hailong.Answers{"overall": hailong.Str("3")}, "headline", "err_option"},
	}
	for _, lang := range []string{"vi", "en"} {
		for _, c := range cases {
			t.Run(lang+"/"+c.name, func(t *testing.T) {
				fields := hailong.ErrorFields(q.Validate(c.answers))
				got := phoneErrors(q, lang, fields)
				if len(got) != 1 {
					t.Fatalf("%d errors %+v, want one", len(got), got)
				}
				name := phoneTexts[lang][c.field]
				if c.field != "headline" {
					qu, _ := q.Question(c.field)
					name = qu.Text.In(lang)
				}
				if want := (hailong.FieldError{Field: name, Message: phoneTexts[lang][c.word]}); got[0] != want {
					t.Errorf("%+v, want %+v", got[0], want)
				}
			})
		}
	}
}
