//go:build runlog_local

package runlog

// `go build -tags runlog_local`: no pkg-config. The header comes from this
// repository's capi/ directory; the library's directory comes from the
// environment, as cgo always allows:
//
//	CGO_LDFLAGS="-L$PWD/build/dev/core -Wl,-rpath,$PWD/build/dev/core" \
//	  go test -tags runlog_local ./...
//
// CGO_CFLAGS="-I/other/include" works the same way for another header.

// #cgo CFLAGS: -I${SRCDIR}/../../capi
// #cgo LDFLAGS: -lrunlog
import "C"
