// Package runlog is the Go binding of runlog, an experiment-tracking client
// core (W&B's init → log → summary → finish) behind the C ABI of
// capi/runlog.h.
//
//	run, err := runlog.Init(runlog.Options{Project: "demo", Config: map[string]any{"lr": 0.01}})
//	if err != nil { ... }
//	defer run.Close()
//	run.Log(map[string]any{"loss": 0.5})         // step 0
//	run.Log(map[string]any{"loss": math.NaN()})  // step 1; NaN is kept
//	run.Summary().Update(map[string]any{"best": 0.1})
//	if err := run.Finish(0); err != nil { ... }
//
// Linking: pkg-config (package "runlog") by default; build with
// -tags runlog_local to take the header from this repository and the
// library from CGO_LDFLAGS instead (see cgo_local.go).
//
// Every method of Run is safe from many goroutines at once, except the
// staging calls (Stage, StageInt, CommitRow), which fill one staging row per
// run: use them from one goroutine at a time. Errors are *Error values that
// carry the runlog status; test them with errors.Is(err, runlog.ErrStepOrder).
package runlog

// #include "shim.h"
import "C"

import (
	"log"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Version is the version of the runlog library loaded at run time, e.g. "0.1.0".
func Version() string { return C.GoString(C.runlog_version()) }

// VersionNumber is MAJOR*10000 + MINOR*100 + PATCH of the loaded library.
func VersionNumber() uint32 { return uint32(C.runlog_version_number()) }

// ABIVersion is the ABI version of the loaded library (1).
func ABIVersion() uint32 { return uint32(C.runlog_abi_version()) }

// HasThreads reports whether the loaded library can run a background writer.
func HasThreads() bool { return C.runlog_has_threads() != 0 }

// Level is the severity of one of runlog's messages.
type Level int

// Message levels.
const (
	LevelDebug Level = C.RUNLOG_LEVEL_DEBUG
	LevelInfo  Level = C.RUNLOG_LEVEL_INFO // the banner: run name, id, where it is stored
	LevelWarn  Level = C.RUNLOG_LEVEL_WARN
	LevelError Level = C.RUNLOG_LEVEL_ERROR
)

func (l Level) String() string {
	switch l {
	case LevelDebug:
		return "debug"
	case LevelInfo:
		return "info"
	case LevelWarn:
		return "warn"
	case LevelError:
		return "error"
	}
	return "level(" + strconv.Itoa(int(l)) + ")"
}

// Threading selects how a run writes its journal.
type Threading int

// Threading modes.
const (
	ThreadingDefault    Threading = C.RUNLOG_THREADING_DEFAULT    // background when available
	ThreadingBackground Threading = C.RUNLOG_THREADING_BACKGROUND // one writer thread per run
	ThreadingManual     Threading = C.RUNLOG_THREADING_MANUAL     // no thread: call Run.Pump
)

// QueueFull selects what Log does when the write queue is full.
type QueueFull int

// Queue-full policies.
const (
	QueueFullBlock QueueFull = C.RUNLOG_QUEUE_FULL_BLOCK // wait for the writer (default)
	QueueFullDrop  QueueFull = C.RUNLOG_QUEUE_FULL_DROP  // refuse the row with ErrQueueFull
)

// Durability selects when the journal is fsync'ed.
type Durability int

// Durability policies.
const (
	DurabilityInterval    Durability = C.RUNLOG_DURABILITY_INTERVAL     // flush, finish and every FsyncInterval (default)
	DurabilityFlushOnly   Durability = C.RUNLOG_DURABILITY_FLUSH_ONLY   // flush and finish only
	DurabilityNone        Durability = C.RUNLOG_DURABILITY_NONE         // never
	DurabilityEveryRecord Durability = C.RUNLOG_DURABILITY_EVERY_RECORD // after each written batch
)

// Options of Init. Zero values mean "default": the matching WANDB_*
// environment variable if set, else runlog's default.
type Options struct {
	Project string   // WANDB_PROJECT; default "uncategorized"
	Entity  string   // WANDB_ENTITY
	Name    string   // WANDB_NAME; default: a readable random name
	Notes   string   // WANDB_NOTES
	Group   string   // WANDB_RUN_GROUP
	JobType string   // WANDB_JOB_TYPE
	Tags    []string // WANDB_TAGS
	RunID   string   // WANDB_RUN_ID; default: 8 characters [a-z0-9]
	Mode    string   // WANDB_MODE: online|offline|disabled|dryrun
	Resume  string   // WANDB_RESUME: allow|must|never|auto
	Dir     string   // WANDB_DIR; runs go to <Dir>/runlog/

	// Config is the run's initial config (W&B's wandb.init(config=...)).
	Config map[string]any

	Silent *bool // WANDB_SILENT; nil: default

	Threading          Threading
	QueueFull          QueueFull
	QueueCapacityBytes uint64 // 0: 16 MiB
	MaxPayloadBytes    uint64 // 0: 10 MiB
	Durability         Durability
	FsyncInterval      time.Duration // 0: 1 s
	FinishTimeout      time.Duration // 0: 60 s; how long Finish waits for the writer

	// Logger receives runlog's messages for this run instead of stderr. It
	// may be called from runlog's writer thread and must not call back into
	// the run. It is no longer called once Finish has returned.
	Logger func(level Level, message string)

	// Sink receives every record after it was journaled: its kind ("run",
	// "history", "summary", "config", "metric", "exit") and its JSON text
	// (bare NaN/Infinity included). Called from the writer thread, never
	// concurrently for one run; must not call back into the run. A non-nil
	// error is counted and logged by runlog; the run goes on.
	Sink func(kind string, record []byte) error

	// Online mode (Mode "online", the default when an API key is found).
	// The journal always comes first: Log never waits for the network, and
	// what is not uploaded by Finish is uploaded later by Sync.

	BaseURL string // WANDB_BASE_URL; default https://api.wandb.ai
	// APIKey is WANDB_API_KEY (else the ~/.netrc entry of BaseURL's host).
	// runlog never writes it to the journal, the run files or messages.
	APIKey string
	// HTTP carries the upload's requests; nil: runlog's built-in client.
	// &NetHTTPExecutor{} sends them through Go's net/http.
	HTTP     HTTPExecutor
	CABundle string // built-in client only: REQUESTS_CA_BUNDLE, SSL_CERT_FILE

	TransmitInterval time.Duration // between history posts; 0: 15 s
	HTTPTimeout      time.Duration // one request attempt; 0: 60 s
	RetryMax         uint32        // retries of one request; 0: W&B's default
	RetryWaitMin     time.Duration // first backoff; 0: 2 s
	RetryWaitMax     time.Duration // backoff cap; 0: 60 s
	// UploadTimeout is how long Finish waits for the upload after the
	// journal is written; 0: 120 s; negative: no limit.
	UploadTimeout time.Duration
}

// usesV2 reports whether o sets a field of runlog_options version 2.
func (o *Options) usesV2() bool {
	return o.BaseURL != "" || o.APIKey != "" || o.HTTP != nil || o.CABundle != "" ||
		o.TransmitInterval != 0 || o.HTTPTimeout != 0 || o.RetryMax != 0 ||
		o.RetryWaitMin != 0 || o.RetryWaitMax != 0 || o.UploadTimeout != 0
}

// Bool returns a pointer to b, for the *bool fields of the options.
func Bool(b bool) *bool { return &b }

// Run is one run. Create it with Init; end it with Finish or Close.
type Run struct {
	c *core
}

// core is everything the safety-net cleanup needs; it never points back to
// the Run, so the Run can become unreachable.
type core struct {
	ptr *C.runlog_run // stays valid after finish: the C tombstone

	id, name, project, entity, mode, dir string

	logTok uintptr
	logger func(Level, string)

	finishMu  sync.Mutex  // serialises Finish and the cleanup
	finishing atomic.Bool // Finish was called (or the cleanup ran)
}

func newCError() C.runlog_error {
	return C.runlog_error{version: C.RUNLOG_ERROR_VERSION}
}

// scratch is per-call memory handed to C: the caller-owned runlog_error
// (520 bytes) and room for a NUL-terminated key. Pooled so that the hot
// calls (Log, Stage) do not allocate them each time; it holds no Go
// pointers, so passing it to C is allowed.
type scratch struct {
	err C.runlog_error
	key [128]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch {
	s := scratchPool.Get().(*scratch)
	s.err.version = C.RUNLOG_ERROR_VERSION
	s.err.status = 0
	s.err.message[0] = 0
	return s
}

func putScratch(s *scratch) { scratchPool.Put(s) }

// cKey returns key NUL-terminated, in s when it fits, else in C memory that
// the returned function frees.
func (s *scratch) cKey(key string) (*C.char, func()) {
	if len(key) < len(s.key) && strings.IndexByte(key, 0) < 0 {
		n := copy(s.key[:], key)
		s.key[n] = 0
		return (*C.char)(unsafe.Pointer(&s.key[0])), func() {}
	}
	k := C.CString(key)
	return k, func() { C.free(unsafe.Pointer(k)) }
}

func tristate(b *bool) C.int {
	switch {
	case b == nil:
		return C.RUNLOG_DEFAULT
	case *b:
		return C.RUNLOG_YES
	default:
		return C.RUNLOG_NO
	}
}

func millis32(d time.Duration) C.uint32_t {
	if d <= 0 {
		return 0
	}
	ms := d.Milliseconds()
	if ms == 0 {
		ms = 1
	}
	if ms > math.MaxUint32 {
		ms = math.MaxUint32
	}
	return C.uint32_t(ms)
}

// Init starts a run (W&B's wandb.init).
func Init(o Options) (*Run, error) {
	if got := uint32(C.runlog_abi_version()); got != C.RUNLOG_ABI_VERSION {
		return nil, &Error{Status: StatusInvalidArgument,
			Message: "the loaded librunlog has ABI version " + strconv.FormatUint(uint64(got), 10) + ", this binding needs 1: install a matching library"}
	}
	var opts C.runlog_options
	if rc := C.runlog_options_init(&opts, C.RUNLOG_OPTIONS_VERSION); rc != C.RUNLOG_OK {
		// A library older than this header (same ABI, options version 1):
		// fine unless an online-mode field is set.
		if o.usesV2() {
			return nil, &Error{Status: Status(rc), Message: "the loaded librunlog " + Version() +
				" does not know online-mode options (runlog_options version " +
				strconv.Itoa(C.RUNLOG_OPTIONS_VERSION) + "): install a newer library"}
		}
		if rc := C.runlog_options_init(&opts, 1); rc != C.RUNLOG_OK {
			return nil, &Error{Status: Status(rc), Message: "runlog_options_init refused version 1"}
		}
	}
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
	opts.project = cstr(o.Project)
	opts.entity = cstr(o.Entity)
	opts.name = cstr(o.Name)
	opts.notes = cstr(o.Notes)
	opts.group = cstr(o.Group)
	opts.job_type = cstr(o.JobType)
	opts.tags = cstr(strings.Join(o.Tags, ","))
	opts.run_id = cstr(o.RunID)
	opts.mode = cstr(o.Mode)
	opts.resume = cstr(o.Resume)
	opts.dir = cstr(o.Dir)
	if o.Config != nil {
		cfg, err := appendStringMap(nil, o.Config, 0)
		if err != nil {
			return nil, err
		}
		opts.config_json = cstr(string(cfg))
	}
	opts.silent = tristate(o.Silent)
	opts.threading = C.int(o.Threading)
	opts.queue_full = C.int(o.QueueFull)
	opts.queue_capacity_bytes = C.uint64_t(o.QueueCapacityBytes)
	opts.max_payload_bytes = C.uint64_t(o.MaxPayloadBytes)
	opts.durability = C.int(o.Durability)
	opts.fsync_interval_ms = millis32(o.FsyncInterval)
	opts.finish_timeout_ms = millis32(o.FinishTimeout)
	if opts.version >= 2 {
		opts.base_url = cstr(o.BaseURL)
		opts.api_key = cstr(o.APIKey)
		opts.ca_bundle = cstr(o.CABundle)
		opts.transmit_interval_ms = millis32(o.TransmitInterval)
		opts.http_timeout_ms = millis32(o.HTTPTimeout)
		opts.retry_max = C.uint32_t(o.RetryMax)
		opts.retry_wait_min_ms = millis32(o.RetryWaitMin)
		opts.retry_wait_max_ms = millis32(o.RetryWaitMax)
		if o.UploadTimeout < 0 {
			opts.upload_timeout_ms = math.MaxUint32
		} else {
			opts.upload_timeout_ms = millis32(o.UploadTimeout)
		}
	}

	var logTok uintptr
	if o.Logger != nil {
		logTok = registerCallback(o.Logger)
		C.runlog_go_set_log_fn(&opts, C.uintptr_t(logTok))
	}
	if o.Sink != nil {
		// The struct is copied at init; the token belongs to the run from
		// then on and is released by the sink's destroy callback.
		sink := (*C.runlog_sink)(C.calloc(1, C.sizeof_runlog_sink))
		allocs = append(allocs, unsafe.Pointer(sink))
		C.runlog_go_make_sink(sink, C.uintptr_t(registerCallback(&sinkEntry{fn: o.Sink})))
		opts.sink = sink
	}
	if o.HTTP != nil {
		// Last before runlog_init: from here on runlog owns the plug-in and
		// destroys it (also when init fails), which releases its token.
		opts.http = newHTTPPlugin(o.HTTP)
	}

	cerr := newCError()
	var ptr *C.runlog_run
	rc := C.runlog_init(&ptr, &opts, &cerr)
	if rc != C.RUNLOG_OK {
		releaseCallback(logTok)
		return nil, statusError(rc, &cerr)
	}
	c := &core{ptr: ptr, logTok: logTok, logger: o.Logger}
	// The accessors' strings live until finish; copy them now so that a
	// getter racing with Finish on another goroutine never reads freed memory.
	c.id = C.GoString(C.runlog_run_id(ptr))
	c.name = C.GoString(C.runlog_run_name(ptr))
	c.project = C.GoString(C.runlog_run_project(ptr))
	c.entity = C.GoString(C.runlog_run_entity(ptr))
	c.mode = C.GoString(C.runlog_run_mode(ptr))
	c.dir = C.GoString(C.runlog_run_dir(ptr))
	r := &Run{c: c}
	runtime.AddCleanup(r, (*core).cleanup, c)
	return r, nil
}

// cleanup is the safety net for a Run dropped without Finish/Close.
func (c *core) cleanup() {
	c.finishMu.Lock()
	defer c.finishMu.Unlock()
	if c.finishing.Load() {
		return
	}
	c.warn("runlog: run " + c.id + " was garbage-collected without Finish or Close; finishing it with exit code 0 (call run.Close())")
	c.finishLocked(0)
}

func (c *core) warn(msg string) {
	if c.logger != nil {
		func() {
			defer func() { _ = recover() }()
			c.logger(LevelWarn, msg)
		}()
		return
	}
	log.Print(msg)
}

func (c *core) finishLocked(code int) error {
	c.finishing.Store(true)
	cerr := newCError()
	rc := C.runlog_finish(c.ptr, C.int(code), &cerr)
	// The run is released: runlog calls the logger no more.
	releaseCallback(c.logTok)
	c.logTok = 0
	return statusError(rc, &cerr)
}

// ID is the run id (8 characters [a-z0-9] unless given).
func (r *Run) ID() string { return r.c.id }

// Name is the run's display name.
func (r *Run) Name() string { return r.c.name }

// Project is the run's project.
func (r *Run) Project() string { return r.c.project }

// Entity is the run's entity ("" when unset).
func (r *Run) Entity() string { return r.c.entity }

// Mode is "online", "offline" or "disabled".
func (r *Run) Mode() string { return r.c.mode }

// Dir is the run's directory ("" when disabled).
func (r *Run) Dir() string { return r.c.dir }

// Finished reports whether Finish (or Close) was called.
func (r *Run) Finished() bool { return r.c.finishing.Load() }

// LogOption modifies one Log or CommitRow call.
type LogOption struct {
	step      int64
	hasStep   bool
	commit    C.int
	hasCommit bool
}

// WithStep logs at an explicit step (W&B's step=). It must not be negative.
func WithStep(step int64) LogOption { return LogOption{step: step, hasStep: true} }

// WithCommit sets W&B's commit=: true records the row now, false only
// merges into the pending row. Without it, a row is committed when no step
// is given.
func WithCommit(commit bool) LogOption {
	if commit {
		return LogOption{commit: C.RUNLOG_COMMIT_YES, hasCommit: true}
	}
	return LogOption{commit: C.RUNLOG_COMMIT_NO, hasCommit: true}
}

func logArgs(opts []LogOption) (C.int64_t, C.int, error) {
	step := C.int64_t(C.RUNLOG_STEP_AUTO)
	commit := C.int(C.RUNLOG_COMMIT_DEFAULT)
	for _, o := range opts {
		if o.hasStep {
			if o.step < 0 {
				return 0, 0, argError("step %d is negative: steps start at 0 (omit WithStep to use the current step)", o.step)
			}
			step = C.int64_t(o.step)
		}
		if o.hasCommit {
			commit = o.commit
		}
	}
	return step, commit, nil
}

// Log is W&B's run.log(data, step=, commit=). Values may be numbers
// (NaN and ±Inf included, kept as such), strings, bools, nil, nested maps
// with string keys, slices, json.Marshaler values and structs (through
// encoding/json, so without NaN). Keys are written in sorted order.
func (r *Run) Log(data map[string]any, opts ...LogOption) error {
	if data == nil {
		return r.LogJSON([]byte("{}"), opts...)
	}
	bp := encodePool.Get().(*[]byte)
	buf, err := appendStringMap((*bp)[:0], data, 0)
	if err == nil {
		err = r.LogJSON(buf, opts...) // runlog copies the text during the call
	}
	if cap(buf) <= 64<<10 { // do not keep huge rows alive
		*bp = buf
		encodePool.Put(bp)
	}
	return err
}

var encodePool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

var emptyText = [1]byte{0}

// bytesArg passes b to C without copying: C only reads it during the call.
func bytesArg(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return (*C.char)(unsafe.Pointer(&emptyText[0])), 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// LogJSON is Log with a ready JSON object (bare NaN, Infinity and -Infinity
// accepted).
func (r *Run) LogJSON(json []byte, opts ...LogOption) error {
	step, commit, err := logArgs(opts)
	if err != nil {
		return err
	}
	p, n := bytesArg(json)
	sc := getScratch()
	defer putScratch(sc)
	rc := C.runlog_log_json(r.c.ptr, p, n, step, commit, &sc.err)
	runtime.KeepAlive(json)
	runtime.KeepAlive(r)
	return statusError(rc, &sc.err)
}

// Stage puts key = value into the run's staging row (the typed fast path,
// no JSON; NaN and ±Inf are kept). CommitRow logs the staged values. The
// staging row is shared by the run: stage and commit from one goroutine.
func (r *Run) Stage(key string, value float64) error {
	sc := getScratch()
	defer putScratch(sc)
	k, free := sc.cKey(key)
	defer free()
	rc := C.runlog_stage_double(r.c.ptr, k, C.double(value), &sc.err)
	runtime.KeepAlive(r)
	return statusError(rc, &sc.err)
}

// StageInt is Stage for an integer value.
func (r *Run) StageInt(key string, value int64) error {
	sc := getScratch()
	defer putScratch(sc)
	k, free := sc.cKey(key)
	defer free()
	rc := C.runlog_stage_int(r.c.ptr, k, C.int64_t(value), &sc.err)
	runtime.KeepAlive(r)
	return statusError(rc, &sc.err)
}

// CommitRow logs the staged values as one Log call (with the same step
// and commit options) and clears the staging row. An empty staging row is
// allowed, like W&B's run.log({}).
func (r *Run) CommitRow(opts ...LogOption) error {
	step, commit, err := logArgs(opts)
	if err != nil {
		return err
	}
	sc := getScratch()
	defer putScratch(sc)
	rc := C.runlog_commit_row(r.c.ptr, step, commit, &sc.err)
	runtime.KeepAlive(r)
	return statusError(rc, &sc.err)
}

// Flush waits until everything accepted so far is written and durable, at
// most timeout (negative: no limit). ErrTimeout if time ran out (nothing is
// lost: writing goes on).
func (r *Run) Flush(timeout time.Duration) error {
	ms := C.int32_t(-1)
	if timeout >= 0 {
		m := timeout.Milliseconds()
		if m > math.MaxInt32 {
			m = math.MaxInt32
		}
		ms = C.int32_t(m)
	}
	cerr := newCError()
	rc := C.runlog_flush(r.c.ptr, ms, &cerr)
	runtime.KeepAlive(r)
	return statusError(rc, &cerr)
}

// Pump writes up to maxRecords queued records (0: all) on the calling
// goroutine. Only needed with ThreadingManual; a no-op otherwise.
func (r *Run) Pump(maxRecords uint32) error {
	cerr := newCError()
	rc := C.runlog_pump(r.c.ptr, C.uint32_t(maxRecords), &cerr)
	runtime.KeepAlive(r)
	return statusError(rc, &cerr)
}

// Finish is W&B's run.finish(exit_code): it records the pending row, the
// exit record and the summary and config files, waits for the writer (up to
// Options.FinishTimeout) and releases the run. It is idempotent: a later
// call (or Close) waits for the first one and returns nil. Other calls on a
// finished run return ErrFinished.
func (r *Run) Finish(exitCode int) error {
	c := r.c
	c.finishMu.Lock()
	defer c.finishMu.Unlock()
	if c.finishing.Load() {
		return nil
	}
	err := c.finishLocked(exitCode)
	runtime.KeepAlive(r)
	return err
}

// Close is Finish(0) unless the run was finished already (then nil), so
// `defer run.Close()` is always safe.
func (r *Run) Close() error { return r.Finish(0) }

// Stats are the run's counters.
type Stats struct {
	Step                 int64  // current step
	RowsLogged           uint64 // history rows recorded
	StepsRefused         uint64 // Log calls refused: step < current
	RowsRefusedQueueFull uint64 // refused under QueueFullDrop
	RecordsQueued        uint64 // accepted, not yet written
	BytesQueued          uint64
	RecordsWritten       uint64 // written to the store
	JournalBytes         uint64
	StoreErrors          uint64 // failed store calls (retried)

	// Upload (online mode; zero otherwise, and with a library older than
	// runlog_stats version 2).
	UploadState        UploadState
	RowsUploaded       uint64 // history rows the server acknowledged
	UploadRequests     uint64 // HTTP requests answered
	UploadRetries      uint64 // of which retried (5xx, 429, resets…)
	UploadBytesPending uint64 // history bytes read, not yet acknowledged
}

// UploadState is the state of a run's (or a sync's) upload.
type UploadState int

// Upload states.
const (
	UploadNone       UploadState = C.RUNLOG_UPLOAD_NONE       // offline or disabled
	UploadConnecting UploadState = C.RUNLOG_UPLOAD_CONNECTING // checking the key, creating the run
	UploadStreaming  UploadState = C.RUNLOG_UPLOAD_STREAMING  // sending history, summary, config
	UploadDone       UploadState = C.RUNLOG_UPLOAD_DONE       // everything, the exit included, is uploaded
	UploadGaveUp     UploadState = C.RUNLOG_UPLOAD_GAVE_UP    // retries spent: the rest waits for Sync
	UploadFailed     UploadState = C.RUNLOG_UPLOAD_FAILED     // refused (bad key, no permission): see the log
)

func (s UploadState) String() string {
	switch s {
	case UploadNone:
		return "none"
	case UploadConnecting:
		return "connecting"
	case UploadStreaming:
		return "streaming"
	case UploadDone:
		return "done"
	case UploadGaveUp:
		return "gave up"
	case UploadFailed:
		return "failed"
	}
	return "upload state(" + strconv.Itoa(int(s)) + ")"
}

// Stats returns the run's counters.
func (r *Run) Stats() (Stats, error) {
	s := C.runlog_stats{version: C.RUNLOG_STATS_VERSION}
	cerr := newCError()
	rc := C.runlog_get_stats(r.c.ptr, &s, &cerr)
	if rc == C.RUNLOG_E_INVALID_ARGUMENT {
		// A library older than runlog_stats version 2.
		s = C.runlog_stats{version: 1}
		cerr = newCError()
		rc = C.runlog_get_stats(r.c.ptr, &s, &cerr)
	}
	runtime.KeepAlive(r)
	if err := statusError(rc, &cerr); err != nil {
		return Stats{}, err
	}
	return Stats{
		UploadState:          UploadState(s.upload_state),
		RowsUploaded:         uint64(s.rows_uploaded),
		UploadRequests:       uint64(s.upload_requests),
		UploadRetries:        uint64(s.upload_retries),
		UploadBytesPending:   uint64(s.upload_bytes_pending),
		Step:                 int64(s.step),
		RowsLogged:           uint64(s.rows_logged),
		StepsRefused:         uint64(s.steps_refused),
		RowsRefusedQueueFull: uint64(s.rows_refused_queue_full),
		RecordsQueued:        uint64(s.records_queued),
		BytesQueued:          uint64(s.bytes_queued),
		RecordsWritten:       uint64(s.records_written),
		JournalBytes:         uint64(s.journal_bytes),
		StoreErrors:          uint64(s.store_errors),
	}, nil
}

// SummaryOp selects the summary statistics of a metric; combine with |.
type SummaryOp uint32

// Summary statistics for DefineMetric.
const (
	SummaryDefault SummaryOp = C.RUNLOG_SUMMARY_DEFAULT // last value
	SummaryMin     SummaryOp = C.RUNLOG_SUMMARY_MIN
	SummaryMax     SummaryOp = C.RUNLOG_SUMMARY_MAX
	SummaryMean    SummaryOp = C.RUNLOG_SUMMARY_MEAN
	SummaryFirst   SummaryOp = C.RUNLOG_SUMMARY_FIRST
	SummaryLast    SummaryOp = C.RUNLOG_SUMMARY_LAST
	SummaryNone    SummaryOp = C.RUNLOG_SUMMARY_NONE // no summary for this metric
)

// MetricOptions are W&B's define_metric arguments.
type MetricOptions struct {
	StepMetric string    // x-axis metric name, or ""
	Summary    SummaryOp // 0: last value
	Hidden     bool      // hide from the default charts
	StepSync   *bool     // nil: true when StepMetric is set
}

// DefineMetric is W&B's run.define_metric(name, step_metric=, summary=,
// hidden=). name may end with "*" (a glob over keys with that prefix).
func (r *Run) DefineMetric(name string, o MetricOptions) error {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	mo := C.runlog_metric_options{version: C.RUNLOG_METRIC_OPTIONS_VERSION}
	if o.StepMetric != "" {
		sm := C.CString(o.StepMetric)
		defer C.free(unsafe.Pointer(sm))
		mo.step_metric = sm
	}
	mo.summary = C.uint32_t(o.Summary)
	if o.Hidden {
		mo.hidden = 1
	}
	mo.step_sync = tristate(o.StepSync)
	cerr := newCError()
	rc := C.runlog_define_metric(r.c.ptr, cname, &mo, &cerr)
	runtime.KeepAlive(r)
	return statusError(rc, &cerr)
}

// Config is the run's config (W&B's run.config).
type Config struct{ r *Run }

// Summary is the run's summary (W&B's run.summary).
type Summary struct{ r *Run }

// Config returns the run's config.
func (r *Run) Config() Config { return Config{r} }

// Summary returns the run's summary.
func (r *Run) Summary() Summary { return Summary{r} }

func encodeObject(m map[string]any) ([]byte, error) {
	if m == nil {
		return []byte("{}"), nil
	}
	return appendStringMap(nil, m, 0)
}

// Update merges m's top-level keys into the config (W&B's config.update).
func (c Config) Update(m map[string]any) error {
	b, err := encodeObject(m)
	if err != nil {
		return err
	}
	return c.UpdateJSON(b)
}

// UpdateJSON is Update with a ready JSON object.
func (c Config) UpdateJSON(json []byte) error {
	p, n := bytesArg(json)
	cerr := newCError()
	rc := C.runlog_config_update_json(c.r.c.ptr, p, n, &cerr)
	runtime.KeepAlive(json)
	runtime.KeepAlive(c.r)
	return statusError(rc, &cerr)
}

// JSON returns the config as a JSON object (bare NaN/Infinity possible).
func (c Config) JSON() ([]byte, error) {
	var out C.runlog_buf
	cerr := newCError()
	rc := C.runlog_config_get_json(c.r.c.ptr, &out, &cerr)
	runtime.KeepAlive(c.r)
	return takeBuf(rc, &out, &cerr)
}

// All returns the whole config.
func (c Config) All() (map[string]any, error) {
	b, err := c.JSON()
	if err != nil {
		return nil, err
	}
	return decodeObject(b)
}

// Get returns one config value; ErrNotFound if the key is not set.
func (c Config) Get(key string) (any, error) {
	m, err := c.All()
	if err != nil {
		return nil, err
	}
	v, ok := m[key]
	if !ok {
		return nil, &Error{Status: StatusNotFound, Message: "no config key " + quote(key)}
	}
	return v, nil
}

// Update sets each top-level key of m (W&B's summary.update). An explicit
// value replaces the computed summary of the key until it is logged again;
// a nil value removes the key.
func (s Summary) Update(m map[string]any) error {
	b, err := encodeObject(m)
	if err != nil {
		return err
	}
	return s.UpdateJSON(b)
}

// UpdateJSON is Update with a ready JSON object.
func (s Summary) UpdateJSON(json []byte) error {
	p, n := bytesArg(json)
	cerr := newCError()
	rc := C.runlog_summary_update_json(s.r.c.ptr, p, n, &cerr)
	runtime.KeepAlive(json)
	runtime.KeepAlive(s.r)
	return statusError(rc, &cerr)
}

// Delete removes keys from the summary.
func (s Summary) Delete(keys ...string) error {
	m := make(map[string]any, len(keys))
	for _, k := range keys {
		m[k] = nil
	}
	return s.Update(m)
}

// KeyJSON returns the summary of one top-level key as JSON (all of it when
// key is ""); ErrNotFound if the key has no summary.
func (s Summary) KeyJSON(key string) ([]byte, error) {
	var ckey *C.char
	if key != "" {
		ckey = C.CString(key)
		defer C.free(unsafe.Pointer(ckey))
	}
	var out C.runlog_buf
	cerr := newCError()
	rc := C.runlog_summary_get_json(s.r.c.ptr, ckey, &out, &cerr)
	runtime.KeepAlive(s.r)
	return takeBuf(rc, &out, &cerr)
}

// JSON returns the whole summary as a JSON object.
func (s Summary) JSON() ([]byte, error) { return s.KeyJSON("") }

// All returns the whole summary.
func (s Summary) All() (map[string]any, error) {
	b, err := s.JSON()
	if err != nil {
		return nil, err
	}
	return decodeObject(b)
}

// Get returns the summary of one key: a number (float64, NaN and ±Inf
// possible), a string, a nested map, or for metrics with statistics a map
// such as {"min": 0.1, "max": 0.9}. ErrNotFound if the key has none.
func (s Summary) Get(key string) (any, error) {
	if key == "" {
		return nil, argError("summary key is empty (use All for the whole summary)")
	}
	b, err := s.KeyJSON(key)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

func takeBuf(rc C.int, out *C.runlog_buf, cerr *C.runlog_error) ([]byte, error) {
	defer C.runlog_buf_free(out)
	if err := statusError(rc, cerr); err != nil {
		return nil, err
	}
	if out.data == nil {
		return []byte{}, nil
	}
	return C.GoBytes(unsafe.Pointer(out.data), C.int(out.size)), nil
}

func decodeObject(b []byte) (map[string]any, error) {
	v, err := decodeJSON(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Status: StatusInternal, Message: "runlog returned JSON that is not an object"}
	}
	return m, nil
}

func quote(s string) string { return string(appendString(nil, s)) }
