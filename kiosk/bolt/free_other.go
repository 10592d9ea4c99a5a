//go:build !(linux || darwin || freebsd)

package bolt

// freeSpace is unknown on this system.
func freeSpace(string) int64 { return -1 }
