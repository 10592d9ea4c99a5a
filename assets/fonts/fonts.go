// Package fonts embeds the fonts of generated documents: Noto Sans, which
// covers Vietnamese with its stacked diacritics (ệ, ở, ữ), under the SIL
// Open Font License 1.1 (OFL.txt). Reports are made offline, so the font
// travels inside the binary.
package fonts

import _ "embed"

// Regular is Noto Sans Regular.
//
//go:embed NotoSans-Regular.ttf
var Regular []byte

// Bold is Noto Sans Bold.
//
//go:embed NotoSans-Bold.ttf
var Bold []byte
