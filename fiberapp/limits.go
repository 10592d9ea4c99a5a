package fiberapp

import "log/slog"

// Connection caps derived from the open-file limit. Every connection is a
// file descriptor; the rest of the limit stays for what else the process
// opens (the bbolt file, the embedded database's files and its driver's
// connections to it, uploads, logs), a quarter of it and 64 more.
const (
	// maxConnsCeiling bounds the cap where the limit is huge: beyond it a
	// flood costs memory (buffers, goroutines) more than descriptors.
	maxConnsCeiling = 16384
	minConns        = 16
	// fallbackLimit is assumed where the limit cannot be read: Linux's
	// usual soft limit.
	fallbackLimit = 1024
)

// ConnLimits returns the default caps for an open-file limit: concurrent
// connections in all, and from one client address.
func ConnLimits(openFiles uint64) (maxConns, perAddress int) {
	if openFiles == 0 {
		openFiles = fallbackLimit
	}
	reserve := 64 + openFiles/4
	n := minConns
	if openFiles > reserve+minConns {
		n = int(min(openFiles-reserve, maxConnsCeiling))
	}
	return n, max(n/4, 4)
}

// RaiseOpenFileLimit raises the soft limit on open files to the hard
// limit, so that the caps derived from it are as high as the system
// allows, and logs both. Go's runtime does the same at start-up on Linux;
// doing it here makes it explicit and visible in the log.
func RaiseOpenFileLimit(log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	before, hard, err := raiseNofile()
	if err != nil {
		log.Warn("open-file limit not raised", "err", err)
		return
	}
	conns, perAddr := ConnLimits(hard)
	attrs := []any{"limit", hard, "max_conns", conns, "max_conns_per_address", perAddr}
	if before < hard {
		attrs = append(attrs, "raised_from", before)
	}
	log.Info("open-file limit", attrs...)
}
