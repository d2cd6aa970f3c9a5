package runlog

// #include "shim.h"
import "C"

import (
	"context"
	"runtime"
	"time"
	"unsafe"
)

// SyncOptions are the options of Sync (W&B's `wandb sync`). Zero values
// mean "default", as in Options.
type SyncOptions struct {
	Entity   string // upload under this entity instead of the run's (--entity)
	Project  string // upload under this project instead of the run's (--project)
	NewRunID string // upload under another run id (--id)

	BaseURL  string       // WANDB_BASE_URL; default https://api.wandb.ai
	APIKey   string       // WANDB_API_KEY, else ~/.netrc
	HTTP     HTTPExecutor // nil: runlog's built-in client
	CABundle string       // built-in client only

	HTTPTimeout  time.Duration // one request attempt; 0: 60 s
	RetryMax     uint32        // retries of one request; 0: W&B's default
	RetryWaitMin time.Duration // first backoff; 0: 2 s
	RetryWaitMax time.Duration // backoff cap; 0: 60 s

	// CloseUnfinished: nil or true closes a run without an exit record
	// (crashed, killed) with exit code 1, as W&B does; false leaves it
	// running on the server, to sync more of it later.
	CloseUnfinished *bool

	Logger func(level Level, message string) // nil: runlog's global hook (stderr)
	Silent *bool                             // WANDB_SILENT; nil: default
}

// SyncStatus is the progress of a Sync.
type SyncStatus struct {
	State        UploadState
	Finished     bool   // done, gave up or failed
	RowsTotal    uint64 // history rows read from the journal so far
	RowsUploaded uint64 // history rows the server has
	RowsSent     uint64 // acknowledged during this sync (not before)
	Requests     uint64
	Retries      uint64
}

// Sync uploads what the server has not acknowledged yet of the run stored
// at path (a run directory or its journal): a run recorded offline, or an
// online run whose upload did not finish. Progress is kept beside the
// journal, so a second Sync sends nothing and an interrupted one continues.
// It returns when the upload is finished: nil if everything is on the
// server, else the upload's error (a refused key, retries spent…).
func Sync(path string, o SyncOptions) (SyncStatus, error) {
	return SyncContext(context.Background(), path, o)
}

// syncSlice is how long one runlog_sync_run call may work before
// SyncContext looks at its context again.
const syncSlice = 200 * time.Millisecond

// SyncContext is Sync that stops when ctx is done (returning ctx's error and
// the status so far; the progress made is kept for the next Sync).
func SyncContext(ctx context.Context, path string, o SyncOptions) (SyncStatus, error) {
	if path == "" {
		return SyncStatus{}, argError("Sync: the path of a run directory or journal is empty")
	}
	var opts C.runlog_sync_options
	opts.version = C.RUNLOG_SYNC_OPTIONS_VERSION
	var allocs []unsafe.Pointer
	defer func() {
		for _, p := range allocs {
			C.free(p)
		}
	}()
	cstr := func(s string) *C.char {
		if s == "" {
			return nil
		}
		p := C.CString(s)
		allocs = append(allocs, unsafe.Pointer(p))
		return p
	}
	opts.path = cstr(path)
	opts.entity = cstr(o.Entity)
	opts.project = cstr(o.Project)
	opts.new_run_id = cstr(o.NewRunID)
	opts.base_url = cstr(o.BaseURL)
	opts.api_key = cstr(o.APIKey)
	opts.ca_bundle = cstr(o.CABundle)
	opts.http_timeout_ms = millis32(o.HTTPTimeout)
	opts.retry_max = C.uint32_t(o.RetryMax)
	opts.retry_wait_min_ms = millis32(o.RetryWaitMin)
	opts.retry_wait_max_ms = millis32(o.RetryWaitMax)
	opts.close_unfinished = tristate(o.CloseUnfinished)
	opts.silent = tristate(o.Silent)
	var logTok uintptr
	if o.Logger != nil {
		logTok = registerCallback(o.Logger)
		defer releaseCallback(logTok) // after runlog_sync_close: no more messages
		C.runlog_go_set_sync_log_fn(&opts, C.uintptr_t(logTok))
	}
	if o.HTTP != nil {
		opts.http = newHTTPPlugin(o.HTTP) // runlog destroys it (close, or a failed open)
	}

	cerr := newCError()
	var s *C.runlog_sync
	if rc := C.runlog_sync_open(&s, &opts, &cerr); rc != C.RUNLOG_OK {
		return SyncStatus{}, statusError(rc, &cerr)
	}
	defer C.runlog_sync_close(s)

	var st SyncStatus
	for {
		slice := C.int32_t(-1)
		if ctx.Done() != nil {
			slice = C.int32_t(syncSlice / time.Millisecond)
		}
		cs := C.runlog_sync_status{version: C.RUNLOG_SYNC_STATUS_VERSION}
		cerr = newCError()
		rc := C.runlog_sync_run(s, slice, &cs, &cerr)
		st = SyncStatus{
			State:        UploadState(cs.state),
			Finished:     cs.finished != 0,
			RowsTotal:    uint64(cs.rows_total),
			RowsUploaded: uint64(cs.rows_uploaded),
			RowsSent:     uint64(cs.rows_sent),
			Requests:     uint64(cs.requests),
			Retries:      uint64(cs.retries),
		}
		if err := statusError(rc, &cerr); err != nil {
			return st, err
		}
		if st.Finished {
			return st, nil
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		runtime.Gosched()
	}
}
