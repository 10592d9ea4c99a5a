// Command speechtexts lists every text the kiosk screen can speak, one a
// line as "<lang> <file> <text>" (tab-separated): the questions, options and
// SIPAS element titles of the questionnaires under assets/questionnaires.
// scripts/speech.sh records each with espeak-ng into the named file.
package main

import (
	"fmt"
	"os"

	"hailong"
	"hailong/assets"
	"hailong/kiosk/web"
)

func main() {
	catalog, err := hailong.LoadCatalog(assets.FS("assets"), assets.QuestionnaireDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "speechtexts:", err)
		os.Exit(1)
	}
	seen := map[string]bool{}
	say := func(t hailong.Text) {
		for _, lang := range hailong.Languages {
			text := t.In(lang)
			if line := lang + "\t" + web.SpeechFile(text) + "\t" + text; !seen[line] {
				seen[line] = true
				fmt.Println(line)
			}
		}
	}
	for _, q := range catalog.All() {
		for _, e := range q.Elements {
			say(e.Title)
		}
		for _, qu := range q.Questions {
			say(qu.Text)
			for _, o := range qu.Options {
				say(o.Label)
			}
		}
	}
}
