package browsertest

import (
	"encoding/json"
	"fmt"
	"testing"
)

// Box is where an element is drawn, in CSS pixels from the top left of the
// page (not the viewport), and why it would not be seen, if it would not.
type Box struct {
	Selector string  `json:"selector"` // a short description of the element
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
	Width    float64 `json:"width"`
	Height   float64 `json:"height"`
	// PageWidth and PageHeight are the document's scrollable size.
	PageWidth  float64 `json:"pageWidth"`
	PageHeight float64 `json:"pageHeight"`
	// Hidden names a style that hides the element or an ancestor
	// (display:none, visibility, opacity:0), or is empty.
	Hidden string `json:"hidden"`
}

// Problem says why the element would not be seen, or "" if it would: it has
// no size, is hidden by style, or lies (partly) outside the page.
func (b Box) Problem() string {
	switch {
	case b.Hidden != "":
		return "hidden by " + b.Hidden
	case b.Width <= 0 || b.Height <= 0:
		return fmt.Sprintf("has no area (%g×%g)", b.Width, b.Height)
	case b.X < -0.5 || b.Y < -0.5 || b.X+b.Width > b.PageWidth+0.5 || b.Y+b.Height > b.PageHeight+0.5:
		return fmt.Sprintf("lies outside the page: box (%g,%g) %g×%g, page %g×%g", b.X, b.Y, b.Width, b.Height, b.PageWidth, b.PageHeight)
	}
	return ""
}

// boxesJS measures every match of a selector. Visibility is inherited, so
// the element's own computed value covers its ancestors; display and opacity
// are not, so ancestors are walked.
const boxesJS = `((sel) => {
  const de = document.documentElement, body = document.body;
  const pageWidth = Math.max(de.scrollWidth, body ? body.scrollWidth : 0);
  const pageHeight = Math.max(de.scrollHeight, body ? body.scrollHeight : 0);
  const name = (n) => n.tagName.toLowerCase() + (n.id ? "#" + n.id : "") +
    (n.classList.length ? "." + Array.from(n.classList).join(".") : "");
  return Array.from(document.querySelectorAll(sel)).map((e) => {
    const r = e.getBoundingClientRect();
    let hidden = "";
    const own = getComputedStyle(e);
    if (own.visibility !== "visible") hidden = "visibility:" + own.visibility;
    for (let n = e; n && n.nodeType === 1 && !hidden; n = n.parentElement) {
      const cs = getComputedStyle(n);
      if (cs.display === "none") hidden = "display:none on " + name(n);
      else if (parseFloat(cs.opacity) === 0) hidden = "opacity:0 on " + name(n);
    }
    return {selector: name(e), x: r.left + window.scrollX, y: r.top + window.scrollY,
      width: r.width, height: r.height, pageWidth, pageHeight, hidden};
  });
})(%s)`

// Boxes measures every element matching the CSS selector.
func (p *Page) Boxes(selector string) ([]Box, error) {
	sel, err := json.Marshal(selector)
	if err != nil {
		return nil, err
	}
	return Eval[[]Box](p, fmt.Sprintf(boxesJS, sel))
}

// AssertVisible fails t unless at least one element matches the selector
// and every match is visible: a non-zero box, not hidden by style, within
// the page. It returns the boxes.
func (p *Page) AssertVisible(t testing.TB, selector string) []Box {
	t.Helper()
	boxes, err := p.Boxes(selector)
	if err != nil {
		t.Fatal(err)
	}
	if len(boxes) == 0 {
		t.Errorf("no element matches %q", selector)
	}
	for i, b := range boxes {
		if pr := b.Problem(); pr != "" {
			t.Errorf("%q match %d (%s) is not visible: %s", selector, i+1, b.Selector, pr)
		}
	}
	return boxes
}

// DuplicateIDs returns each id attribute value that more than one element
// carries (aria-labelledby, aria-describedby and in-page links then point at
// whichever comes first).
func (p *Page) DuplicateIDs() ([]string, error) {
	return Eval[[]string](p, `(() => {
  const seen = new Map();
  for (const e of document.querySelectorAll("[id]")) seen.set(e.id, (seen.get(e.id) || 0) + 1);
  return Array.from(seen).filter(([, n]) => n > 1).map(([id]) => id).sort();
})()`)
}

// AssertUniqueIDs fails t for each id that more than one element carries.
func (p *Page) AssertUniqueIDs(t testing.TB) {
	t.Helper()
	ids, err := p.DuplicateIDs()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		t.Errorf("id %q is on more than one element", id)
	}
}
