package runlog

// Callbacks from C. C must not hold Go pointers, so it gets an integer token
// (the user_data) that names an entry of a Go-side table. A token that is no
// longer in the table (its run finished) is ignored rather than trusted.

// #include "shim.h"
import "C"

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

var (
	callbackTable sync.Map // uintptr -> any (logger or sinkEntry)
	lastToken     atomic.Uintptr
)

func registerCallback(v any) uintptr {
	t := lastToken.Add(1)
	callbackTable.Store(t, v)
	return t
}

func releaseCallback(t uintptr) {
	if t != 0 {
		callbackTable.Delete(t)
	}
}

type sinkEntry struct {
	fn func(kind string, record []byte) error
}

//export runlogGoLog
func runlogGoLog(userData unsafe.Pointer, level C.int, message *C.char) {
	v, ok := callbackTable.Load(uintptr(userData))
	if !ok {
		return
	}
	fn, ok := v.(func(Level, string))
	if !ok || fn == nil {
		return
	}
	msg := C.GoString(message)
	defer func() { _ = recover() }() // a panic must not unwind through C
	fn(Level(level), msg)
}

//export runlogGoSinkRecord
func runlogGoSinkRecord(userData unsafe.Pointer, kind *C.char, json *C.char, n C.size_t) (rc C.int) {
	v, ok := callbackTable.Load(uintptr(userData))
	if !ok {
		return 0
	}
	e := v.(*sinkEntry)
	k := C.GoString(kind)
	data := append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(json)), int(n))...)
	defer func() {
		if recover() != nil {
			rc = 1
		}
	}()
	if err := e.fn(k, data); err != nil {
		return 1
	}
	return 0
}

//export runlogGoSinkDestroy
func runlogGoSinkDestroy(userData unsafe.Pointer) {
	releaseCallback(uintptr(userData))
}
