// Package apidoc checks that an OpenAPI document and a Fiber application
// describe the same routes, so the published API cannot drift from the code.
package apidoc

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"
	"go.yaml.in/yaml/v3"
)

// Routes returns "METHOD /path" for every operation in the document, with
// path parameters written Fiber's way (:name).
func Routes(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// A parameter with a literal extension ({token}.png) is one Fiber
	// parameter that the handler checks the extension of.
	param := regexp.MustCompile(`\{([^}]+)\}(\.[a-z]+)?`)
	var out []string
	for p, ops := range doc.Paths {
		for method := range ops {
			out = append(out, strings.ToUpper(method)+" "+param.ReplaceAllString(p, ":$1"))
		}
	}
	sort.Strings(out)
	return out, nil
}

// AppRoutes returns "METHOD /path" for every handler route of app; HEAD
// (added by Fiber for each GET), middleware and embedded files are left out.
func AppRoutes(app *fiber.App) []string {
	var out []string
	for _, r := range app.GetRoutes(true) {
		if r.Method == fiber.MethodHead || r.Path == "/static" || strings.HasPrefix(r.Path, "/static/") {
			continue
		}
		route := r.Method + " " + r.Path
		if !slices.Contains(out, route) {
			out = append(out, route)
		}
	}
	sort.Strings(out)
	return out
}

// Validate loads an OpenAPI document with a standard loader and validates
// it against the OpenAPI specification, so that what other programs generate
// clients from is a document their tools accept. YAML's flow mappings are
// the usual trap: a comma inside `{description: a, b}` splits it into keys.
func Validate(ctx context.Context, path string) error {
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Security returns, for every operation of the document ("METHOD /path",
// Fiber's way), the names of the security schemes it accepts (any one of
// them), sorted: an empty list for an operation declared public
// (`security: []`). An operation that declares no security, which the
// OpenAPI default would leave to a top-level `security`, is an error: each
// must say who may call it.
func Security(path string) (map[string][]string, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	param := regexp.MustCompile(`\{([^}]+)\}(\.[a-z]+)?`)
	out := map[string][]string{}
	var missing []string
	for p, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			route := strings.ToUpper(method) + " " + param.ReplaceAllString(p, ":$1")
			if op.Security == nil {
				missing = append(missing, route)
				continue
			}
			names := []string{}
			for _, req := range *op.Security {
				for name := range req {
					if !slices.Contains(names, name) {
						names = append(names, name)
					}
				}
			}
			sort.Strings(names)
			out[route] = names
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return out, fmt.Errorf("%s: operations without security: %s", path, strings.Join(missing, ", "))
	}
	return out, nil
}

// Extension returns, for every operation of the document that sets the
// extension name (for example x-permission), its value as text, by
// "METHOD /path" written Fiber's way.
func Extension(path, name string) (map[string]string, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	param := regexp.MustCompile(`\{([^}]+)\}(\.[a-z]+)?`)
	out := map[string]string{}
	for p, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if v, ok := op.Extensions[name]; ok {
				out[strings.ToUpper(method)+" "+param.ReplaceAllString(p, ":$1")] = fmt.Sprint(v)
			}
		}
	}
	return out, nil
}
