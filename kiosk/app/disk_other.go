//go:build !(linux || darwin || freebsd)

package app

// freeDisk is unknown on this system.
func freeDisk(string) int64 { return -1 }
