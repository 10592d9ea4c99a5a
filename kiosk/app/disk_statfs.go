//go:build linux || darwin || freebsd

package app

import "syscall"

// freeDisk returns the bytes free to an unprivileged writer on dir's file
// system, or -1 when unknown.
func freeDisk(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}
