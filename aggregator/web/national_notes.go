package web

import (
	"fmt"
	"strings"
)

// The words of the national view's note on every page.
func init() {
	addWords(map[string]string{
		"national_stale":       "Số liệu của %s là của lần lấy lúc %s; các lần lấy sau đó không thành công (%s).",
		"national_never":       "Chưa lấy được số liệu của %s (%s).",
		"national_province":    "tỉnh, thành phố %s",
		"national_unreachable": "không kết nối được",
	}, map[string]string{
		"national_stale":       "The figures of %s are as pulled at %s; the pulls since have failed (%s).",
		"national_never":       "No figures of %s could be pulled yet (%s).",
		"national_province":    "province %s",
		"national_unreachable": "cannot be reached",
	})
}

// staleNotes says, in the page's language, which provinces' figures on a
// national aggregator are older than its last attempt to pull them: a
// province whose aggregator is down shows its last pulled figures, and
// every page says so.
func (s *Server) staleNotes(lang string) []string {
	if s.National == nil {
		return nil
	}
	w := words[lang]
	var notes []string
	for _, st := range s.National.Sources() {
		if st.Error == "" {
			continue
		}
		who := fmt.Sprintf(w["national_province"], strings.Join(st.Provinces, ", "))
		if st.Pulled.IsZero() {
			notes = append(notes, fmt.Sprintf(w["national_never"], who, w["national_unreachable"]))
			continue
		}
		notes = append(notes, fmt.Sprintf(w["national_stale"], who, vnDate(st.Pulled), w["national_unreachable"]))
	}
	return notes
}
