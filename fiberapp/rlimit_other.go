//go:build !unix

package fiberapp

import "errors"

func openFileLimit() uint64 { return 0 }

func raiseNofile() (before, after uint64, err error) {
	return 0, 0, errors.New("no open-file limit on this system")
}
