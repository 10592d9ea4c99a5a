package apidoc_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hailong/apidoc"
)

func TestPublishedDocumentsAreValidOpenAPI(t *testing.T) {
	for _, name := range []string{"aggregator.openapi.yaml", "kiosk.openapi.yaml"} {
		t.Run(name, func(t *testing.T) {
			if err := apidoc.Validate(context.Background(), filepath.Join("..", "docs", "api", name)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestValidateRefusesASplitDescription(t *testing.T) {
	const doc = `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /x:
    get:
      responses:
        "200": {description: one, two}
`
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	err := apidoc.Validate(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "two") {
		t.Fatalf("Validate = %v, want an error naming the stray key", err)
	}
}

func TestSecurityRefusesAnOperationWithout(t *testing.T) {
	const doc = `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /open:
    get:
      security: []
      responses:
        "200": {description: ok}
  /x/{id}:
    get:
      security: [{a: []}, {b: []}]
      responses:
        "200": {description: ok}
  /forgotten:
    post:
      responses:
        "200": {description: ok}
`
	path := filepath.Join(t.TempDir(), "doc.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := apidoc.Security(path)
	if err == nil || !strings.Contains(err.Error(), "POST /forgotten") {
		t.Fatalf("Security error = %v, want one naming POST /forgotten", err)
	}
	if a := got["GET /open"]; a == nil || len(a) != 0 {
		t.Errorf("public operation: %v", a)
	}
	if a := got["GET /x/:id"]; strings.Join(a, ",") != "a,b" {
		t.Errorf("GET /x/:id: %v", a)
	}
}

// TestEveryOperationDeclaresSecurity: each published document says who may
// call each operation, public ones included (security: []).
func TestEveryOperationDeclaresSecurity(t *testing.T) {
	for _, name := range []string{"aggregator.openapi.yaml", "kiosk.openapi.yaml"} {
		t.Run(name, func(t *testing.T) {
			if _, err := apidoc.Security(filepath.Join("..", "docs", "api", name)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
