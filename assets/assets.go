// Package assets embeds everything a person sees or the system loads as data:
// questionnaires, demo administrative units, templates, styles and scripts.
// Kiosks sit on closed LANs, so nothing is fetched at run time.
package assets

import (
	"embed"
	"io/fs"
	"os"
)

//go:embed questionnaires units procedures targets.json kiosk aggregator
var embedded embed.FS

// FS returns the embedded assets, or the assets directory on disk when dir is
// not empty (the -dev flag), so templates and styles can be edited live.
func FS(dir string) fs.FS {
	if dir != "" {
		return os.DirFS(dir)
	}
	return embedded
}

// QuestionnaireDir is the folder of questionnaire files within FS.
const QuestionnaireDir = "questionnaires"

// Targets is the path of the built-in targets of the measures within FS.
const Targets = "targets.json"

// DemoProcedures is the path of the demo procedure catalogue within FS.
const DemoProcedures = "procedures/demo.csv"

// DemoUnits is the path of the demo administrative units within FS.
const DemoUnits = "units/demo.csv"

// Sub returns the folder dir of fsys; dir is a constant of this program, so
// a missing one is a programming error.
func Sub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
