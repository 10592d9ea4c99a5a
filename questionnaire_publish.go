package hailong

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ParseCatalog builds a catalog from questionnaire versions' JSON
// definitions, as the aggregator publishes them to kiosks, each read and
// checked as LoadCatalog does. A definition that does not parse or check is
// left out and named in err, so that one version a kiosk cannot show does
// not take the others with it; the catalog is nil only when no definition
// is good.
func ParseCatalog(defs []json.RawMessage) (c *Catalog, err error) {
	c = &Catalog{byKey: map[string]*Questionnaire{}, latest: map[string]*Questionnaire{}}
	var errs []error
	for i, b := range defs {
		var q Questionnaire
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&q); err != nil {
			errs = append(errs, fmt.Errorf("questionnaire definition %d: parse: %w", i+1, err))
			continue
		}
		if err := c.add(&q); err != nil {
			errs = append(errs, fmt.Errorf("questionnaire definition %d: %w", i+1, err))
		}
	}
	if len(c.byKey) == 0 {
		return nil, errors.Join(append(errs, errors.New("no usable questionnaire"))...)
	}
	return c, errors.Join(errs...)
}
