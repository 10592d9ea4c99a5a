package report_test

import (
	"strings"
	"testing"

	"hailong/aggregator/report"
)

// TestProblemQuotesWhatItCannotShow: a value sent back in a message has
// its controls written as code points, so that a bidirectional override
// cannot turn the message around on the page.
func TestProblemQuotesWhatItCannotShow(t *testing.T) {
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			msg := report.Problem{Field: "procedure", Code: "procedure", Args: []any{"\u202eabc\x01"}}.Message(lang)
			if strings.ContainsAny(msg, "\u202e\x01") || !strings.Contains(msg, "[U+202E]abc[U+0001]") {
				t.Errorf("%q, want the controls as code points", msg)
			}
		})
	}
}
