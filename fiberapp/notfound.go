package fiberapp

import (
	"regexp"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// NotFound answers what no route took, as the last handler of an app:
// 405 with Allow naming the methods a path is served for, when it is
// served for others, rather than a 404 that says it does not exist; 404
// otherwise, also for a method a path takes whose handler passed the
// request on (a static file not found). Call it once every route is added:
// it reads them then.
func NotFound(app *fiber.App) fiber.Handler {
	type served struct {
		path    *regexp.Regexp
		methods []string
	}
	byPath := map[string][]string{}
	var paths []string
	for _, r := range app.GetRoutes(true) {
		if byPath[r.Path] == nil {
			paths = append(paths, r.Path)
		}
		byPath[r.Path] = append(byPath[r.Path], r.Method)
	}
	all := make([]served, 0, len(paths))
	for _, p := range paths {
		all = append(all, served{path: pathPattern(p), methods: byPath[p]})
	}
	return func(c *fiber.Ctx) error {
		var takes []string
		for _, s := range all {
			if s.path.MatchString(c.Path()) {
				takes = append(takes, s.methods...)
			}
		}
		if len(takes) == 0 || slices.Contains(takes, c.Method()) {
			return fiber.ErrNotFound
		}
		allow := strings.Join(slices.Compact(slices.Sorted(slices.Values(takes))), ", ")
		c.Set(fiber.HeaderAllow, allow)
		return hailong.Errorf(hailong.EMETHOD, "%s takes %s, not %s.", c.Path(), allow, c.Method())
	}
}

// pathPattern matches the paths a route's path stands for: ":name" one
// segment, "*" the rest.
func pathPattern(p string) *regexp.Regexp {
	var re strings.Builder
	re.WriteString("^")
	for _, seg := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		re.WriteString("/")
		switch {
		case strings.HasPrefix(seg, ":"):
			re.WriteString("[^/]+")
		case seg == "*":
			re.WriteString(".*")
		default:
			re.WriteString(regexp.QuoteMeta(seg))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String())
}
