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
