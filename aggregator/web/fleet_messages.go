package web

import (
	"regexp"
)

// csvMessagesVI are the Vietnamese words of the per-line errors of the
// unit and procedure files (hierarchy.ReadCSV, procedure.ReadCSV,
// csvimport), which speak English; a message not here is shown as it is.
var csvMessagesVI = []struct {
	re *regexp.Regexp
	vi string
}{
	{regexp.MustCompile(`^("[^"]*") must be 1 to 32 letters, digits, '\.' or '-'$`), "$1 phải gồm 1 đến 32 chữ cái, chữ số, '.' hoặc '-'"},
	{regexp.MustCompile(`^is required, in UTF-8$`), "bắt buộc, mã hoá UTF-8"},
	{regexp.MustCompile(`^("[^"]*") is not province, district, commune or centre$`), "$1 không phải province, district, commune hoặc centre"},
	{regexp.MustCompile(`^must be after valid_from$`), "phải sau valid_from"},
	{regexp.MustCompile(`^only a unit with valid_to can have a successor$`), "chỉ đơn vị có valid_to mới có successor"},
	{regexp.MustCompile(`^a unit cannot be its own parent$`), "đơn vị không thể là cấp trên của chính nó"},
	{regexp.MustCompile(`^no rows after the header$`), "không có dòng nào sau dòng tiêu đề"},
	{regexp.MustCompile(`^the header must be (.*)$`), "dòng tiêu đề phải là $1"},
	{regexp.MustCompile(`^(\S+) is already on line (\d+)$`), "$1 đã có ở dòng $2"},
	{regexp.MustCompile(`^is required$`), "bắt buộc"},
	{regexp.MustCompile(`^("[^"]*") is not a number of days from 0 to 3650$`), "$1 không phải số ngày từ 0 đến 3650"},
	{regexp.MustCompile(`^needs a rate in percent and a year$`), "cần tỷ lệ (%) và năm"},
}

// messageVI returns an import error's message in Vietnamese when known.
func messageVI(m string) string {
	for _, t := range csvMessagesVI {
		if t.re.MatchString(m) {
			return t.re.ReplaceAllString(m, t.vi)
		}
	}
	return m
}
