package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

type questionnaireJSON struct {
	ID       string         `json:"id"`
	Version  int            `json:"version"`
	Title    string         `json:"title"`
	Titles   hailong.Text   `json:"titles"`
	Headline string         `json:"headline"`
	Lang     string         `json:"lang"`
	Question []questionJSON `json:"questions"`
}

type questionJSON struct {
	ID       string       `json:"id"`
	Kind     string       `json:"kind"`
	Required bool         `json:"required"`
	Text     string       `json:"text"`
	Texts    hailong.Text `json:"texts"`
	Element  string       `json:"element,omitempty"`
	Options  []optionJSON `json:"options"`
}

type optionJSON struct {
	Value  int          `json:"value"`
	Label  string       `json:"label"`
	Labels hailong.Text `json:"labels"`
}

// questionnairesList lists the questionnaires offered here, labels in the
// language asked for (?lang=, Vietnamese by default) and in every language
// beside.
func (s *Server) questionnairesList(c *fiber.Ctx) error {
	lang := language(c)
	out := []questionnaireJSON{}
	for _, id := range s.Questionnaires {
		q, ok := s.catalog().Latest(id)
		if !ok {
			continue
		}
		out = append(out, questionnaireToJSON(q, lang))
	}
	return c.JSON(out)
}

func questionnaireToJSON(q *hailong.Questionnaire, lang string) questionnaireJSON {
	j := questionnaireJSON{ID: q.ID, Version: q.Version, Title: q.Title.In(lang), Titles: q.Title, Headline: q.Headline, Lang: lang, Question: []questionJSON{}}
	for _, qu := range q.Questions {
		qj := questionJSON{ID: qu.ID, Kind: qu.Kind, Required: qu.Required, Text: qu.Text.In(lang), Texts: qu.Text, Element: qu.Element, Options: []optionJSON{}}
		for _, o := range qu.Options {
			qj.Options = append(qj.Options, optionJSON{Value: o.Value, Label: o.Label.In(lang), Labels: o.Label})
		}
		j.Question = append(j.Question, qj)
	}
	return j
}

// language picks the language of a page or answer: ?lang=, else
// Vietnamese. A terminal's browser language says nothing about the citizen
// in front of it, so Accept-Language is not consulted.
func language(c *fiber.Ctx) string {
	l := c.Query("lang")
	if slices.Contains(hailong.Languages, l) {
		return l
	}
	return hailong.Languages[0]
}
