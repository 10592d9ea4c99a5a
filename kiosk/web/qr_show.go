package web

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"hailong"
	"hailong/qrtoken"
)

// qrShow answers a PNG QR code of a token's link. Only this kiosk's own
// valid tokens are drawn, so the endpoint cannot be used to print
// arbitrary codes under the centre's name.
//
// Error correction is level M (15%): a receipt may be creased or smudged,
// while higher levels would make the code denser for the same link. The
// default 320 px prints sharply at about 3 cm on a 203 dpi receipt printer.
func (s *Server) qrShow(c *fiber.Ctx) error {
	tok, ok := strings.CutSuffix(c.Params("token"), ".png")
	if !ok {
		return fiber.ErrNotFound
	}
	if s.Signer == nil {
		return hailong.Errorf(hailong.EUNAVAILABLE, "This kiosk node has no credential yet.")
	}
	if _, err := qrtoken.Verify(s.Signer.Public().(ed25519.PublicKey), tok, s.Now()); err != nil {
		if errors.Is(err, qrtoken.ErrExpired) {
			return hailong.Errorf(hailong.EGONE, "This rating link has expired.")
		}
		return hailong.Errorf(hailong.ENOTFOUND, "This is not a rating link of this kiosk.")
	}
	size := 320
	if v := c.Query("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 128 || n > 1024 {
			return hailong.Invalid("The QR size is not valid.", hailong.FieldError{Field: "size", Message: "must be a whole number of pixels from 128 to 1024"})
		}
		size = n
	}
	png, err := qrcode.Encode(s.ratingURL(tok), qrcode.Medium, size)
	if err != nil {
		return fmt.Errorf("encode QR: %w", err)
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "private, max-age=86400")
	return c.Send(png)
}
