package runlog

// The transport plug-in (runlog_http) in Go. runlog builds every request of
// the W&B protocol and decides about retries; an HTTPExecutor only moves the
// bytes. C calls start() with a request it owns; runlogGoHTTPStart copies it
// into Go memory and returns at once, a goroutine performs it and reports the
// answer with runlog_http_complete(). C only ever holds an integer token (the
// user_data) and its own runlog_http_call pointer; Go keeps no C memory after
// the call that lent it, C keeps no Go memory at all.

// #include "shim.h"
import "C"

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// HTTPRequest is one request runlog wants sent. It is a copy: the executor
// may keep or modify it.
type HTTPRequest struct {
	Method string      // "POST"
	URL    string      // absolute http:// or https:// URL
	Header http.Header // Authorization included: never log it
	Body   []byte
	// Timeout is runlog's budget for the whole attempt (Options.HTTPTimeout).
	// The context given to Do already carries it as a deadline.
	Timeout time.Duration
}

// HTTPResponse is the server's answer. Header may be nil; Body is the whole
// body (decoded if the transport decoded it).
type HTTPResponse struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// HTTPExecutor carries runlog's requests in online mode (Options.HTTP,
// SyncOptions.HTTP) instead of runlog's built-in HTTP client.
//
// Do performs exactly one attempt and returns the answer, whatever its
// status (a 503 is an answer, not an error). It returns an error only when
// no answer arrived: connection refused or reset, DNS or TLS failure, ctx
// done (the deadline is runlog's per-attempt timeout; the context is also
// cancelled when the run or sync that issued the request is released). The
// error's text is shown to the user: never put the Authorization header in
// it. Do must not retry (runlog retries with W&B's backoff and Retry-After)
// and must be safe for concurrent use (each run has at most one request in
// flight, several runs may share an executor). Do runs on its own goroutine;
// a panic is recovered and reported to runlog as a failed attempt.
//
// When a run or sync that used the executor is released, runlog's binding
// calls the executor's CloseIdleConnections method if it has one.
type HTTPExecutor interface {
	Do(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error)
}

// HTTPExecutorFunc adapts a function to HTTPExecutor.
type HTTPExecutorFunc func(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error)

// Do calls f(ctx, req).
func (f HTTPExecutorFunc) Do(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error) {
	return f(ctx, req)
}

// DefaultMaxResponseBytes bounds the answer NetHTTPExecutor reads when its
// MaxResponseBytes is 0. W&B's answers are small JSON documents.
const DefaultMaxResponseBytes = 64 << 20

// NetHTTPExecutor is an HTTPExecutor over net/http. The zero value is ready
// to use: it sends through a private clone of http.DefaultTransport
// (proxies from HTTPS_PROXY/HTTP_PROXY/NO_PROXY, the system's CA roots —
// SSL_CERT_FILE/SSL_CERT_DIR honoured by Go — HTTP/2 when the server offers
// it). Set Client to use your own proxies, TLS configuration (RootCAs,
// client certificates) or RoundTripper; Client.Timeout, if set, applies on
// top of runlog's per-attempt timeout. Options.CABundle only configures
// runlog's built-in client, not this one.
//
// Redirects are not followed unless FollowRedirects is set: a 3xx answer
// goes back to runlog, which stops the upload with a message naming the
// status (runlog's requests carry the API key; a redirect usually means a
// wrong base URL, e.g. http:// where the server wants https://). net/http
// would otherwise resend a POST only on 307/308 and silently turn it into a
// GET on 301/302/303.
//
// Safe for concurrent use; do not copy it after first use.
type NetHTTPExecutor struct {
	Client           *http.Client
	FollowRedirects  bool
	MaxResponseBytes int64 // 0: DefaultMaxResponseBytes

	once   sync.Once
	client *http.Client
}

// NewNetHTTPExecutor returns a NetHTTPExecutor over client (nil: a private
// transport, see NetHTTPExecutor).
func NewNetHTTPExecutor(client *http.Client) *NetHTTPExecutor {
	return &NetHTTPExecutor{Client: client}
}

func (x *NetHTTPExecutor) init() {
	x.once.Do(func() {
		var c http.Client
		if x.Client != nil {
			c = *x.Client // shares the Transport (and its connections)
		} else {
			c.Transport = http.DefaultTransport.(*http.Transport).Clone()
		}
		if !x.FollowRedirects {
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		}
		x.client = &c
	})
}

// Do sends req once and reads the whole answer.
func (x *NetHTTPExecutor) Do(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error) {
	x.init()
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return nil, err
	}
	for name, values := range req.Header {
		switch http.CanonicalHeaderKey(name) {
		case "Host":
			if len(values) > 0 {
				hreq.Host = values[0]
			}
		case "Content-Length", "Transfer-Encoding", "Connection":
			// net/http frames the body itself and manages connections.
		default:
			hreq.Header[name] = append([]string(nil), values...)
		}
	}
	resp, err := x.client.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	limit := x.MaxResponseBytes
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer to %s %s: %w", req.Method, redactURL(req.URL), err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("the answer to %s %s is over %d bytes", req.Method, redactURL(req.URL), limit)
	}
	return &HTTPResponse{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// CloseIdleConnections closes the idle connections of the executor's
// client (so that their goroutines end).
func (x *NetHTTPExecutor) CloseIdleConnections() {
	x.init()
	x.client.CloseIdleConnections()
}

// ---- the runlog_http plug-in -------------------------------------------

// httpEntry is one runlog_http plug-in handed to C (one per run or sync).
type httpEntry struct {
	exec   HTTPExecutor
	ctx    context.Context // cancelled by destroy
	cancel context.CancelFunc
	plugin *C.runlog_http // C memory, freed by destroy
}

// httpInFlight counts the goroutines performing requests (tests read it).
var httpInFlight atomic.Int64

// newHTTPPlugin registers exec and returns a runlog_http for the options.
// Its destroy callback (called by runlog exactly once, also when init
// fails) releases the token and frees the struct.
func newHTTPPlugin(exec HTTPExecutor) *C.runlog_http {
	ctx, cancel := context.WithCancel(context.Background())
	e := &httpEntry{exec: exec, ctx: ctx, cancel: cancel}
	e.plugin = (*C.runlog_http)(C.calloc(1, C.sizeof_runlog_http))
	C.runlog_go_make_http(e.plugin, C.uintptr_t(registerCallback(e)))
	return e.plugin
}

//export runlogGoHTTPStart
func runlogGoHTTPStart(userData unsafe.Pointer, req *C.runlog_http_request, call *C.runlog_http_call, cerr *C.runlog_error) (rc C.int) {
	defer func() {
		if p := recover(); p != nil {
			setCError(cerr, C.RUNLOG_E_CALLBACK, fmt.Sprintf("the Go HTTP executor panicked: %v", p))
			rc = C.RUNLOG_E_CALLBACK
		}
	}()
	v, ok := callbackTable.Load(uintptr(userData))
	if !ok {
		setCError(cerr, C.RUNLOG_E_CALLBACK, "the Go HTTP executor was already released")
		return C.RUNLOG_E_CALLBACK
	}
	e := v.(*httpEntry)
	if e.ctx.Err() != nil {
		setCError(cerr, C.RUNLOG_E_CALLBACK, "the Go HTTP executor was already released")
		return C.RUNLOG_E_CALLBACK
	}
	if req == nil || call == nil {
		setCError(cerr, C.RUNLOG_E_INVALID_ARGUMENT, "runlog_http.start: NULL request or call")
		return C.RUNLOG_E_INVALID_ARGUMENT
	}
	// Everything in *req is borrowed for this call only: copy it.
	r := &HTTPRequest{
		Method:  C.GoString(req.method),
		URL:     C.GoString(req.url),
		Header:  parseHeaderLines(C.GoString(req.headers)),
		Timeout: time.Duration(req.timeout_ms) * time.Millisecond,
	}
	if r.Method == "" {
		r.Method = http.MethodPost
	}
	if n := uintptr(req.body_len); n > 0 && req.body != nil {
		r.Body = make([]byte, n)
		copy(r.Body, unsafe.Slice((*byte)(unsafe.Pointer(req.body)), n))
	}
	httpInFlight.Add(1)
	go e.perform(r, call)
	return C.RUNLOG_OK
}

//export runlogGoHTTPDestroy
func runlogGoHTTPDestroy(userData unsafe.Pointer) {
	v, ok := callbackTable.LoadAndDelete(uintptr(userData))
	if !ok {
		return
	}
	e := v.(*httpEntry)
	e.cancel() // requests still in flight end now; completing them only frees the calls
	C.free(unsafe.Pointer(e.plugin))
	e.plugin = nil
	if c, ok := e.exec.(interface{ CloseIdleConnections() }); ok {
		func() {
			defer func() { _ = recover() }()
			c.CloseIdleConnections()
		}()
	}
}

// perform runs one request on its own goroutine and completes the call
// exactly once.
func (e *httpEntry) perform(r *HTTPRequest, call *C.runlog_http_call) {
	defer httpInFlight.Add(-1)
	ctx, cancel := e.ctx, context.CancelFunc(func() {})
	if r.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, r.Timeout)
	}
	defer cancel()
	secrets := requestSecrets(r.Header)
	resp, err := safeDo(ctx, e.exec, r)
	if err == nil && (resp == nil || resp.StatusCode < 100 || resp.StatusCode > 999) {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		err = fmt.Errorf("the HTTP executor returned no valid status (%d) and no error", code)
	}
	if err != nil {
		msg := describeFailure(ctx, e.ctx, r, err)
		completeCall(call, 0, "", nil, scrubSecrets(msg, secrets))
		return
	}
	completeCall(call, resp.StatusCode, formatHeaderLines(resp.Header), resp.Body, "")
}

func safeDo(ctx context.Context, x HTTPExecutor, r *HTTPRequest) (resp *HTTPResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("the HTTP executor panicked: %v", p)
		}
	}()
	return x.Do(ctx, r)
}

// describeFailure is the message runlog shows for an attempt without an
// answer.
func describeFailure(ctx, owner context.Context, r *HTTPRequest, err error) string {
	switch {
	case owner.Err() != nil:
		return fmt.Sprintf("%s %s: cancelled (the run or sync was released)", r.Method, redactURL(r.URL))
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("%s %s: no answer within %s (timeout)", r.Method, redactURL(r.URL), r.Timeout)
	}
	return err.Error()
}

func completeCall(call *C.runlog_http_call, status int, headers string, body []byte, msg string) {
	var ch, cm *C.char
	if headers != "" {
		ch = C.CString(headers)
		defer C.free(unsafe.Pointer(ch))
	}
	if msg != "" {
		cm = C.CString(msg)
		defer C.free(unsafe.Pointer(cm))
	}
	var cb unsafe.Pointer
	if len(body) > 0 {
		cb = C.CBytes(body)
		defer C.free(cb)
	}
	C.runlog_http_complete(call, C.int(status), ch, (*C.uint8_t)(cb), C.size_t(len(body)), cm)
}

// parseHeaderLines reads "Name: value\r\n" lines (bare \n accepted).
func parseHeaderLines(s string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		i := strings.IndexByte(line, ':')
		if i <= 0 {
			continue
		}
		name := strings.TrimSpace(line[:i])
		if name == "" {
			continue
		}
		h.Add(name, strings.TrimSpace(line[i+1:]))
	}
	return h
}

// formatHeaderLines writes h as "Name: value\r\n" lines, names sorted; CR
// and LF inside values become spaces.
func formatHeaderLines(h http.Header) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	clean := strings.NewReplacer("\r", " ", "\n", " ", "\x00", " ")
	for _, k := range names {
		for _, v := range h[k] {
			b.WriteString(clean.Replace(k))
			b.WriteString(": ")
			b.WriteString(clean.Replace(v))
			b.WriteString("\r\n")
		}
	}
	return b.String()
}

// requestSecrets returns the credentials of a request's Authorization
// header (the header value, its token and a Basic password), so that a
// failure message can never carry them even if an executor echoes headers.
func requestSecrets(h http.Header) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	for _, v := range h.Values("Authorization") {
		add(v)
		if _, tok, ok := strings.Cut(v, " "); ok {
			tok = strings.TrimSpace(tok)
			add(tok)
			if raw, err := base64.StdEncoding.DecodeString(tok); err == nil {
				if _, pw, ok := strings.Cut(string(raw), ":"); ok {
					add(pw)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

func scrubSecrets(msg string, secrets []string) string {
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "<api key>")
	}
	return msg
}

// redactURL drops a password from a URL for messages.
func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	host, path, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = "xxxxx@" + host[at+1:]
	}
	if path != "" || strings.Contains(rest, "/") {
		return scheme + "://" + host + "/" + path
	}
	return scheme + "://" + host
}

func setCError(cerr *C.runlog_error, status C.int, msg string) {
	if cerr == nil {
		return
	}
	cm := C.CString(msg)
	defer C.free(unsafe.Pointer(cm))
	C.runlog_go_set_error(cerr, status, cm)
}
