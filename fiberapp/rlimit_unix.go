//go:build unix

package fiberapp

import "syscall"

// openFileLimit returns the soft limit on open files, 0 if unknown.
func openFileLimit() uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0
	}
	return uint64(r.Cur)
}

// raiseNofile sets the soft limit on open files to the hard limit.
func raiseNofile() (before, after uint64, err error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, err
	}
	before = uint64(r.Cur)
	if r.Cur < r.Max {
		r.Cur = r.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
			return before, before, err
		}
	}
	return before, uint64(r.Max), nil
}
