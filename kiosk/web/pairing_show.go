package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/kiosk/terminals"
)

type pairText struct {
	Title, Lead, Steps, Waiting, Done string
}

var pairTexts = map[string]pairText{
	"vi": {
		Title:   "Màn hình chưa được ghép nối",
		Lead:    "Mã ghép nối của màn hình này:",
		Steps:   "Quản trị viên của trung tâm ghép nối màn hình bằng lệnh: kiosk pairings pair MÃ -name TÊN (thêm -counter QUẦY cho máy tính bảng tại quầy).",
		Waiting: "Đang chờ ghép nối…",
		Done:    "Đã ghép nối. Đang mở màn hình đánh giá…",
	},
	"en": {
		Title:   "This screen is not paired",
		Lead:    "This screen's pairing code:",
		Steps:   "The centre's administrator pairs it with: kiosk pairings pair CODE -name NAME (add -counter COUNTER for a counter's tablet).",
		Waiting: "Waiting to be paired…",
		Done:    "Paired. Opening the rating screen…",
	},
}

// pairedScreen serves the screen to paired terminals; an unpaired browser
// gets its pairing code instead. A screen shows where it is paired, which
// its address cannot change: a counter's tablet always its counter, and a
// screen paired in the lobby no counter. A lobby screen opened at a
// counter's address would otherwise show that counter and have every tap
// refused (ownCounter), asking citizens to tap again for nothing.
func (s *Server) pairedScreen(c *fiber.Ctx) error {
	t, ok := s.terminalOf(c)
	if !ok {
		return s.pairingShow(c)
	}
	// On a lobby screen, a counter the address names wrongly (not a
	// code, or twice) is refused by the screen itself, naming the
	// parameter; a counter's tablet is sent to its own counter anyway.
	counter := c.Context().QueryArgs().PeekMulti("counter")
	valid := t.Counter != "" || len(counter) == 0 || len(counter) == 1 && hailong.CheckRef(string(counter[0])) == nil
	if t.Kind == terminals.Screen && valid && c.Query("counter") != t.Counter {
		v, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
		if t.Counter == "" {
			s.Logger.Warn("a screen paired in the lobby was opened at a counter's address: it shows the lobby; pair it again with -counter to rate at the counter",
				"terminal", t.Name, "counter", hailong.ScrubText(c.Query("counter")))
			v.Del("counter")
		} else {
			v.Set("counter", t.Counter)
		}
		return c.Redirect("/?"+v.Encode(), http.StatusSeeOther)
	}
	return c.Next()
}

// pairingShow shows an unpaired browser its code; pair.js waits for the
// administrator and then opens the screen.
func (s *Server) pairingShow(c *fiber.Ctx) error {
	lang := language(c)
	code, err := s.pairingCode(c)
	var busy *hailong.Error
	if errors.As(err, &busy) && busy.Code == hailong.ERATELIMITED {
		return s.refuse(c, lang, busy, refusalTexts[lang].BusyTitle, []string{refusalTexts[lang].Busy}, "")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Status(http.StatusUnauthorized)
	return s.pairPage.ExecuteTemplate(c.Response().BodyWriter(), "pair.html", pairView{
		Lang: lang, T: pairTexts[lang], Code: code, UnitName: s.UnitName,
	})
}

// pairView is what the pairing page shows: the code an admin types to
// pair this browser, in the page's language.
type pairView struct {
	Lang     string
	T        pairText
	Code     string
	UnitName string
}

// pairingCode returns the code of the asking browser, giving it a key
// cookie the first time.
func (s *Server) pairingCode(c *fiber.Ctx) (string, error) {
	key := c.Cookies(pairingCookie)
	if len(key) < 32 {
		key = terminals.NewKey()
		c.Cookie(&fiber.Cookie{Name: pairingCookie, Value: key, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
			Expires: s.Now().Add(terminals.CodeTTL + time.Hour)})
	}
	return s.Terminals.Code(key, c.IP(), c.Query("counter"))
}

type pairingJSON struct {
	Paired bool   `json:"paired"`
	Code   string `json:"code,omitempty"`
}

// pairingStatus answers the waiting screen: once its code is paired, it
// gets its device token as a cookie, once.
func (s *Server) pairingStatus(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if _, ok := s.terminalOf(c); ok {
		return c.JSON(pairingJSON{Paired: true})
	}
	if key := c.Cookies(pairingCookie); key != "" {
		if token, ok := s.Terminals.Collect(key); ok {
			c.Cookie(&fiber.Cookie{Name: TerminalCookie, Value: token, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
				Expires: s.Now().AddDate(10, 0, 0)})
			c.Cookie(&fiber.Cookie{Name: pairingCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), HTTPOnly: true})
			return c.JSON(pairingJSON{Paired: true})
		}
	}
	code, err := s.pairingCode(c)
	if err != nil {
		return err
	}
	return c.JSON(pairingJSON{Code: code})
}
