package web_test

import (
	"strings"
	"testing"

	"hailong/aggregator/comments"
)

// TestAnAbsentPartIsNotADatabaseFault: a server without alerts answers
// its alerts page that they are not available on this server, not that
// the database cannot be read now, as a page whose data cannot be read
// does.
func TestAnAbsentPartIsNotADatabaseFault(t *testing.T) {
	base := commentsServer(t, comments.New())
	a := do(t, nil, "GET", base+"/alerts?lang=en", managerProvince, nil, "Accept", "text/html")
	if a.status != 503 || strings.Contains(a.body, "cannot be read from the database") || !strings.Contains(a.body, "not available") {
		t.Errorf("status %d, a server without alerts says: %s", a.status, excerpt(a.body))
	}
}

// excerpt is the start of a page's main part, for a failure's message.
func excerpt(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	return s[:min(len(s), 600)]
}
