//go:build !runlog_local

package runlog

// Default linking: pkg-config finds the installed library
// (`cmake --install build/<preset> --prefix P` writes P/lib/pkgconfig/runlog.pc).
// Point PKG_CONFIG_PATH at P/lib/pkgconfig if P is not a system prefix, and
// LD_LIBRARY_PATH at P/lib (or link with -Wl,-rpath) to run the program.

// #cgo pkg-config: runlog
import "C"
