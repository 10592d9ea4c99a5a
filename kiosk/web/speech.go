package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
)

// Spoken prompts are recordings of the questionnaires' texts, made offline
// (scripts/speech.sh, with espeak-ng and opusenc) and embedded under
// assets/kiosk/audio/<lang>/, each named by SpeechFile after the text it
// speaks: a text the aggregator publishes later, or changes, simply has
// no recording until the script is run again, and never a wrong one.

// SpeechFile is the file name of the recording of text: the first 16 hex
// digits of its SHA-256, with the Ogg extension (Opus inside).
func SpeechFile(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:8]) + ".ogg"
}

// audioFor returns the address of the recording of text in lang, or ""
// when there is none.
func (s *Server) audioFor(lang, text string) string {
	name := path.Join(lang, SpeechFile(text))
	if _, err := fs.Stat(s.Assets, path.Join("kiosk/audio", name)); err != nil {
		return ""
	}
	return "/audio/" + name
}
