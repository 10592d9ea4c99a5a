package hailong

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ParseCatalog builds a catalog from questionnaire versions' JSON
// definitions, as Definitions returns them and the aggregator publishes
// them to kiosks, each read and
// checked as LoadCatalog does. A definition that does not parse or check is
// left out and named in err, so that one version a kiosk cannot show does
// not take the others with it; the catalog is nil only when no definition
// is good.
func ParseCatalog(defs []json.RawMessage) (c *Catalog, err error) {
	c = newCatalog()
	var errs []error
	for i, b := range defs {
		if err := c.parse(b); err != nil {
			errs = append(errs, fmt.Errorf("questionnaire definition %d: %w", i+1, err))
		}
	}
	if len(c.byKey) == 0 {
		return nil, errors.Join(append(errs, errors.New("no usable questionnaire"))...)
	}
	return c, errors.Join(errs...)
}
