package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
	"hailong/kiosk/terminals"
	"hailong/qrtoken"
)

type tokenRequest struct {
	Dossier   string `json:"dossier"`
	Procedure string `json:"procedure"`
	Official  string `json:"official"`
	Counter   string `json:"counter"`
}

type tokenResponse struct {
	Token   string    `json:"token"`
	URL     string    `json:"url"`
	QRPNG   string    `json:"qr_png"`
	Expires time.Time `json:"expires"`
}

// tokenCreate issues a one-time rating link for a dossier, signed with this
// kiosk's key. It needs no network: the aggregator checks the signature.
func (s *Server) tokenCreate(c *fiber.Ctx) error {
	if s.Signer == nil {
		return hailong.Errorf(hailong.EUNAVAILABLE, "This kiosk node has no credential yet, so it cannot sign rating links.")
	}
	if err := s.clockWrong(); err != nil {
		return err // the link's expiry would be wrong
	}
	var req tokenRequest
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	t, _ := s.terminalOf(c)
	if t.Kind != terminals.Software && t.Counter == "" {
		return hailong.Errorf(hailong.EFORBIDDEN, "Only the one-stop software or a counter's tablet may issue rating links.")
	}
	if t.Kind == terminals.Screen {
		if err := ownCounter(t, req.Counter, "issues links"); err != nil {
			return err
		}
		req.Counter = t.Counter
	}
	if fields := checkRefs(true, req.Dossier, req.Procedure, req.Official, req.Counter); len(fields) > 0 {
		return hailong.Invalid("The link cannot be issued.", fields...)
	}
	// The code in its normal form, as a rating of it at the counter
	// keeps it: every version of the aggregator then makes the same
	// rating id of it.
	claims := qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: s.Kiosk, Unit: s.Unit, Dossier: hailong.NormalizeDossierCode(req.Dossier),
		Procedure: req.Procedure, Official: req.Official, Counter: req.Counter,
		Expires: s.Now().Add(s.TokenTTL).Truncate(time.Second).UTC()}
	tok, err := qrtoken.Sign(s.Signer, claims)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(tokenResponse{
		Token: tok, URL: s.ratingURL(tok), QRPNG: "/qr/" + tok + ".png", Expires: claims.Expires,
	})
}

// ratingURL is the aggregator's phone page for a token: phones cannot
// reach the centre's LAN, so the link points to the aggregator.
func (s *Server) ratingURL(tok string) string {
	return s.PublicURL + "/r/" + url.PathEscape(tok)
}

// checkRefs checks what a link or an opened rating is about: the dossier
// (required or not), procedure, official and counter, each when given.
func checkRefs(dossierRequired bool, dossier, procedure, official, counter string) []hailong.FieldError {
	var fields []hailong.FieldError
	check := func(field, v string, f func(string) error, required bool) {
		switch {
		case v == "" && required:
			fields = append(fields, hailong.FieldError{Field: field, Message: "is required"})
		case v != "":
			if err := f(v); err != nil {
				fields = append(fields, hailong.FieldError{Field: field, Message: err.Error()})
			}
		}
	}
	check("dossier", dossier, hailong.CheckDossierCode, dossierRequired)
	check("procedure", procedure, hailong.CheckProcedureCode, false)
	check("official", official, hailong.CheckRef, false)
	check("counter", counter, hailong.CheckRef, false)
	return fields
}
