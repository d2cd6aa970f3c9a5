package runlog

// #include "shim.h"
import "C"

import (
	"fmt"
)

// Status is a runlog status code: 0 for success, a negative RUNLOG_E_* code
// otherwise. The values are those of capi/runlog.h and never change.
type Status int

// The status codes of capi/runlog.h.
const (
	StatusOK              Status = C.RUNLOG_OK
	StatusInvalidArgument Status = C.RUNLOG_E_INVALID_ARGUMENT
	StatusInvalidJSON     Status = C.RUNLOG_E_INVALID_JSON
	StatusNotObject       Status = C.RUNLOG_E_NOT_OBJECT
	StatusInvalidUTF8     Status = C.RUNLOG_E_INVALID_UTF8
	StatusReservedKey     Status = C.RUNLOG_E_RESERVED_KEY
	StatusTooLarge        Status = C.RUNLOG_E_TOO_LARGE
	StatusStepOrder       Status = C.RUNLOG_E_STEP_ORDER
	StatusFinished        Status = C.RUNLOG_E_FINISHED
	StatusIO              Status = C.RUNLOG_E_IO
	StatusNoSpace         Status = C.RUNLOG_E_NO_SPACE
	StatusPermission      Status = C.RUNLOG_E_PERMISSION
	StatusTimeout         Status = C.RUNLOG_E_TIMEOUT
	StatusQueueFull       Status = C.RUNLOG_E_QUEUE_FULL
	StatusNotFound        Status = C.RUNLOG_E_NOT_FOUND
	StatusExists          Status = C.RUNLOG_E_EXISTS
	StatusNoMem           Status = C.RUNLOG_E_NOMEM
	StatusCallback        Status = C.RUNLOG_E_CALLBACK
	StatusInternal        Status = C.RUNLOG_E_INTERNAL
	StatusNetwork         Status = C.RUNLOG_E_NETWORK // the server could not be reached (retries spent)
	StatusRefused         Status = C.RUNLOG_E_REFUSED // the server refused: API key, permission, bad request
)

// String returns the constant name and a one-line description, e.g.
// "RUNLOG_E_INVALID_JSON: the text is not valid JSON".
func (s Status) String() string {
	return C.GoString(C.runlog_status_string(C.int(s)))
}

// Name returns only the constant name, e.g. "RUNLOG_E_STEP_ORDER".
func (s Status) Name() string {
	str := s.String()
	for i := 0; i < len(str); i++ {
		if str[i] == ':' {
			return str[:i]
		}
	}
	return str
}

// Error is a failed runlog call: the status it returned and the message
// runlog wrote into the call's own runlog_error (never the thread-local
// message, which is meaningless once a goroutine has moved threads).
//
// Compare with the sentinels through errors.Is: errors.Is(err, ErrStepOrder).
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "runlog: " + e.Status.String()
	}
	return fmt.Sprintf("runlog: %s [%s]", e.Message, e.Status.Name())
}

// Is reports whether target is a *Error with the same status, so that every
// sentinel below matches any error of its status.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status
}

// Sentinels for errors.Is, one per status.
var (
	ErrInvalidArgument = &Error{Status: StatusInvalidArgument}
	ErrInvalidJSON     = &Error{Status: StatusInvalidJSON}
	ErrNotObject       = &Error{Status: StatusNotObject}
	ErrInvalidUTF8     = &Error{Status: StatusInvalidUTF8}
	ErrReservedKey     = &Error{Status: StatusReservedKey}
	ErrTooLarge        = &Error{Status: StatusTooLarge}
	ErrStepOrder       = &Error{Status: StatusStepOrder}
	ErrFinished        = &Error{Status: StatusFinished}
	ErrIO              = &Error{Status: StatusIO}
	ErrNoSpace         = &Error{Status: StatusNoSpace}
	ErrPermission      = &Error{Status: StatusPermission}
	ErrTimeout         = &Error{Status: StatusTimeout}
	ErrQueueFull       = &Error{Status: StatusQueueFull}
	ErrNotFound        = &Error{Status: StatusNotFound}
	ErrExists          = &Error{Status: StatusExists}
	ErrNoMem           = &Error{Status: StatusNoMem}
	ErrCallback        = &Error{Status: StatusCallback}
	ErrInternal        = &Error{Status: StatusInternal}
	ErrNetwork         = &Error{Status: StatusNetwork}
	ErrRefused         = &Error{Status: StatusRefused}
)

// statusError turns a C status and its runlog_error into a Go error (nil for
// RUNLOG_OK).
func statusError(rc C.int, cerr *C.runlog_error) error {
	if rc == C.RUNLOG_OK {
		return nil
	}
	msg := ""
	if cerr != nil {
		msg = C.GoString(&cerr.message[0])
	}
	return &Error{Status: Status(rc), Message: msg}
}

// argError is an error found by the binding before calling runlog.
func argError(format string, args ...any) error {
	return &Error{Status: StatusInvalidArgument, Message: fmt.Sprintf(format, args...)}
}
