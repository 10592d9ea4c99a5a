package national

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// ReadSources reads the sources of a national view from CSV: a header
// provinces,url,token and one line per provincial aggregator, its
// provinces separated by spaces ("48 49"). The file holds credentials:
// keep it readable by the service only.
func ReadSources(r io.Reader) ([]Source, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || !slices.Equal(rows[0], []string{"provinces", "url", "token"}) {
		return nil, errors.New("national sources: the first line must be provinces,url,token")
	}
	var out []Source
	for i, row := range rows[1:] {
		s := Source{Provinces: strings.Fields(row[0]), URL: strings.TrimSpace(row[1]), Token: strings.TrimSpace(row[2])}
		if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("national sources, line %d: %q is not an http(s) URL", i+2, s.URL)
		}
		if len(s.Provinces) == 0 || s.Token == "" {
			return nil, fmt.Errorf("national sources, line %d: provinces and token are required", i+2)
		}
		s.Token = strings.TrimPrefix(s.Token, "Bearer ")
		out = append(out, s)
	}
	return out, nil
}
