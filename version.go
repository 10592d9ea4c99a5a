package hailong

import "runtime/debug"

// Version is the programs' version, reported in fleet health. A release
// build sets it with -ldflags '-X hailong.Version=v1.2.3'; otherwise it is
// the main module's version as the go command recorded it, or "dev".
var Version = "dev"

func init() {
	if Version != "dev" {
		return
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		Version = bi.Main.Version
	}
}
