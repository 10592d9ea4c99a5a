package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
)

// enrolRequest is the body of POST /api/v1/kiosks and /api/v1/clients.
type enrolRequest struct {
	ID   string `json:"id"`
	Unit string `json:"unit"`
}

// credentialJSON answers an enrolment or a rotation: the credential, shown
// this once; the aggregator keeps only its hash.
type credentialJSON struct {
	ID         string `json:"id"`
	Unit       string `json:"unit"`
	Credential string `json:"credential"`
}

// mediaType is the request's content type without parameters.
func mediaType(c *fiber.Ctx) string {
	return strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
}

// notFromForm refuses, on the administration API, a request carried by a
// session cookie whose body a page of another site could send without a
// CORS preflight (a form: urlencoded, multipart or text/plain, or no
// body). Browsers use the admin pages, whose forms carry a CSRF token;
// programs send JSON or CSV, or use an API token.
func notFromForm(c *fiber.Ctx, want ...string) error {
	p := principalOf(c)
	if p == nil || p.Via != "session" {
		return nil
	}
	mt := mediaType(c)
	for _, w := range want {
		if mt == w {
			return nil
		}
	}
	return hailong.Errorf(hailong.EUNSUPPORTED, "With a session cookie, send the body as %s, or use the admin pages.", strings.Join(want, " or "))
}
