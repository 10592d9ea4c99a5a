package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hailong/browsertest"
)

// TestTheStaffButtonIsAStaffControl: on a 1280×800 counter tablet and on
// a 360 px phone-sized screen, the official's "open a rating" is a small
// control marked for staff in the corner below the citizen's faces — not
// a bar across the screen — within the screen, reached by the keyboard
// after the faces, and Enter on it opens a rating.
func TestTheStaffButtonIsAStaffControl(t *testing.T) {
	script := browsertest.AxeScript(t)
	for _, size := range []struct {
		name          string
		width, height int
	}{{"tablet", 1280, 800}, {"phone", 360, 740}} {
		t.Run(size.name, func(t *testing.T) {
			s, _, _ := newServerB(t)
			ctx := screen(t, size.width, size.height)
			pairBrowser(t, ctx, s, base[s], "Q1")
			steps(t, ctx, chromedp.WaitVisible(css(".open-rating")))
			type box struct{ Left, Right, Top, Bottom, Width, FacesBottom, InnerWidth, InnerHeight, ScrollWidth, ScrollHeight float64 }
			b := run(t, ctx, chromedp.Evaluate[box](`(() => {
				const r = document.querySelector(".open-rating").getBoundingClientRect();
				const faces = Math.max(...[...document.querySelectorAll(".face")].map(f => f.getBoundingClientRect().bottom));
				const d = document.documentElement;
				return {Left: r.left, Right: r.right, Top: r.top, Bottom: r.bottom, Width: r.width, FacesBottom: faces,
					InnerWidth: innerWidth, InnerHeight: innerHeight, ScrollWidth: d.scrollWidth, ScrollHeight: d.scrollHeight};
			})()`))
			shot(t, ctx, "kiosk-"+size.name+"-staff.png", 1)
			if b.Width > b.InnerWidth/2 {
				t.Errorf("the staff button is %.0f px wide on a %.0f px screen: a bar, not a control", b.Width, b.InnerWidth)
			}
			if b.Top < b.FacesBottom {
				t.Errorf("the staff button (top %.0f) is not below the faces (bottom %.0f)", b.Top, b.FacesBottom)
			}
			if b.Right > b.InnerWidth || b.Left < 0 || b.ScrollWidth > b.InnerWidth {
				t.Errorf("the staff button (%.0f–%.0f) or the page (%.0f) leaves a %.0f px screen", b.Left, b.Right, b.ScrollWidth, b.InnerWidth)
			}
			if size.name == "tablet" && (b.Bottom > b.InnerHeight || b.ScrollHeight > b.InnerHeight) {
				t.Errorf("on the tablet the staff button ends at %.0f, the page at %.0f, below the %.0f px screen", b.Bottom, b.ScrollHeight, b.InnerHeight)
			}
			group := browsertest.Eval(ctx, t, `document.querySelector(".open-rating").closest("[role=group]")?.getAttribute("aria-label") ?? ""`)
			if label := browsertest.Eval(ctx, t, `document.querySelector(".open-rating").textContent`).(string); group != "Dành cho cán bộ" || !strings.Contains(label, "Cán bộ") {
				t.Errorf("the staff button says %q in group %q: not marked for staff", label, group)
			}
			browsertest.CheckAxe(ctx, t, script, "counter-staff-"+size.name)
			// By keyboard: Tab reaches it after the faces; Enter opens a
			// rating.
			faceFirst := false
			reached := false
			for range 40 {
				steps(t, ctx, chromedp.KeyEvent("\t"))
				cls := browsertest.Eval(ctx, t, `document.activeElement.className`).(string)
				faceFirst = faceFirst || strings.Contains(cls, "face")
				if strings.Contains(cls, "open-rating") {
					reached = true
					break
				}
			}
			if !reached || !faceFirst {
				t.Fatalf("Tab reached the staff button: %v, after a face: %v", reached, faceFirst)
			}
			steps(t, ctx, chromedp.KeyEvent("\r"), chromedp.WaitVisible(css("#opened")))
			if banner := browsertest.Text(ctx, t, "#opened"); !strings.Contains(banner, "Mời Ông/Bà") {
				t.Errorf("Enter on the staff button shows %q", banner)
			}
		})
	}
}
