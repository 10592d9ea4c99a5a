package mail

import (
	"html"
	"strings"
)

// Compose writes the plain text and the simple HTML of an email from its
// heading and paragraphs; a paragraph's lines stay lines. Everything is
// escaped in the HTML: texts come from unit and rule names people typed.
func Compose(heading string, paragraphs ...string) (text, htmlBody string) {
	var t, h strings.Builder
	t.WriteString(heading + "\n\n")
	h.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + html.EscapeString(heading) + `</title></head>` +
		`<body style="font-family:sans-serif;line-height:1.5;max-width:40em"><h1 style="font-size:1.25em">` +
		html.EscapeString(heading) + "</h1>\n")
	for _, p := range paragraphs {
		if p == "" {
			continue
		}
		t.WriteString(p + "\n\n")
		h.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(p), "\n", "<br>\n") + "</p>\n")
	}
	h.WriteString("</body></html>\n")
	return strings.TrimRight(t.String(), "\n") + "\n", h.String()
}
