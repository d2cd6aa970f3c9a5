package runlog

// Online mode through the Go transport plug-in (NetHTTPExecutor over
// net/http, behind the C runlog_http interface) against the local
// W&B-protocol server tests/server/wbserver.py.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const onlineRows = 300

// onlineOptions are fast-paced options for a silent online run against srv.
func onlineOptions(t *testing.T, srv *wbServer, x HTTPExecutor, msgs *messages) Options {
	return Options{
		Mode:             "online",
		Project:          "go-online",
		Dir:              t.TempDir(),
		Silent:           Bool(false), // every message goes to msgs (not stderr)
		BaseURL:          srv.URL,
		APIKey:           srv.APIKey,
		HTTP:             x,
		Logger:           msgs.log,
		TransmitInterval: 50 * time.Millisecond,
		RetryWaitMin:     20 * time.Millisecond,
		RetryWaitMax:     200 * time.Millisecond,
		HTTPTimeout:      20 * time.Second,
		UploadTimeout:    60 * time.Second,
	}
}

func logRows(t *testing.T, run *Run, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		must(t, run.Log(map[string]any{"i": i, "loss": 1 / float64(i+1), "nested": map[string]any{"sq": i * i}}))
	}
}

// checkRows: the server has exactly rows 0..n-1, in order, once each.
func checkRows(t *testing.T, r wbRun, n int) {
	t.Helper()
	if len(r.History) != n {
		t.Fatalf("server has %d history rows, want %d (gaps %s)", len(r.History), n, r.HistoryGaps)
	}
	if g := strings.TrimSpace(string(r.HistoryGaps)); g != "[]" && g != "" && g != "null" {
		t.Fatalf("history gaps %s", g)
	}
	for k, row := range r.History {
		if row["_step"] != float64(k) || row["i"] != float64(k) {
			t.Fatalf("history row %d: _step %v i %v (want %d): %v", k, row["_step"], row["i"], k, row)
		}
		if got, want := row["loss"].(float64), 1/float64(k+1); math.Abs(got-want) > 1e-12 {
			t.Fatalf("history row %d: loss %v want %v", k, got, want)
		}
		if nested, _ := row["nested"].(map[string]any); nested == nil || nested["sq"] != float64(k*k) {
			t.Fatalf("history row %d: nested %v", k, row["nested"])
		}
		if _, ok := row["_timestamp"].(float64); !ok {
			t.Fatalf("history row %d has no _timestamp: %v", k, row)
		}
	}
	for k, off := range r.HistoryOffsets {
		if off != k {
			t.Fatalf("history offset %d is %d", k, off)
		}
	}
}

// noKey fails if any text holds the API key (raw, or in a Basic header).
func noKey(t *testing.T, key string, texts ...string) {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte("api:" + key))
	for _, s := range texts {
		if strings.Contains(s, key) || strings.Contains(s, basic) {
			t.Fatalf("a message carries the API key: %q", s)
		}
	}
}

// httpEntries counts the runlog_http plug-ins not yet destroyed by runlog.
func httpEntries() int {
	n := 0
	callbackTable.Range(func(_, v any) bool {
		if _, ok := v.(*httpEntry); ok {
			n++
		}
		return true
	})
	return n
}

func TestOnlineNetHTTP(t *testing.T) {
	srv := startWBServer(t)
	rec := &recordingExecutor{inner: &NetHTTPExecutor{}}
	msgs := &messages{}
	o := onlineOptions(t, srv, rec, msgs)
	o.Config = map[string]any{"lr": 0.01, "layers": []any{64, 32}, "opt": "adam"}
	run, err := Init(o)
	must(t, err)
	defer run.Close()
	if run.Mode() != "online" {
		t.Fatalf("mode %q", run.Mode())
	}
	logRows(t, run, onlineRows)
	must(t, run.Summary().Update(map[string]any{"best": 42, "note": "go"}))
	must(t, run.Config().Update(map[string]any{"epochs": 3}))

	// Stats v2 while the run is open: the rows get acknowledged.
	var st Stats
	waitFor(t, 60*time.Second, "the server to acknowledge every row", func() bool {
		st, err = run.Stats()
		must(t, err)
		return st.RowsUploaded == onlineRows
	})
	if st.UploadState != UploadStreaming || st.UploadRequests == 0 || st.RowsLogged != onlineRows {
		t.Fatalf("stats while streaming: %+v", st)
	}
	must(t, run.Finish(0))

	r := srv.run(t, run.ID())
	checkRows(t, r, onlineRows)
	if r.HistoryOverwrites != 0 {
		t.Fatalf("%d history lines were sent twice without a fault", r.HistoryOverwrites)
	}
	if !r.Complete || r.ExitCode == nil || *r.ExitCode != 0 || r.State != "finished" || r.Project != "go-online" {
		t.Fatalf("run end: complete %v exitcode %v state %q project %q", r.Complete, r.ExitCode, r.State, r.Project)
	}
	if r.ConfigValues["lr"] != 0.01 || r.ConfigValues["opt"] != "adam" || r.ConfigValues["epochs"] != 3.0 {
		t.Fatalf("config on the server: %v", r.ConfigValues)
	}
	if r.Summary["best"] != 42.0 || r.Summary["note"] != "go" || r.Summary["i"] != float64(onlineRows-1) {
		t.Fatalf("summary on the server: %v", r.Summary)
	}

	// Every request the server saw came through the Go executor, one at a
	// time, each with runlog's per-attempt timeout and the Basic key.
	attempts := rec.snapshot()
	state := srv.state(t)
	if len(state.Requests) != len(attempts) || len(attempts) < 3 {
		t.Fatalf("server logged %d requests, the Go executor made %d", len(state.Requests), len(attempts))
	}
	for _, a := range attempts {
		if a.status != 200 || !strings.HasPrefix(a.url, srv.URL+"/") || a.method != "POST" || a.timeout != 20*time.Second {
			t.Fatalf("attempt %+v", a)
		}
	}
	maxInFlight, auth := rec.concurrency()
	if maxInFlight != 1 {
		t.Fatalf("%d requests of one run in flight at once", maxInFlight)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("api:"+srv.APIKey))
	if len(auth) != 1 || !auth[basic] {
		t.Fatalf("Authorization headers seen: %d distinct", len(auth))
	}
	noKey(t, srv.APIKey, msgs.all()...)
	waitFor(t, 10*time.Second, "runlog to destroy the HTTP plug-in", func() bool { return httpEntries() == 0 })
}

func TestOnlineFaults(t *testing.T) {
	srv := startWBServer(t)
	srv.setFaults(t,
		map[string]any{"endpoint": "graphql", "operation": "UpsertBucket", "status": 503, "count": 1},
		// a lost answer: stored, then 500; the resend must overwrite
		map[string]any{"endpoint": "file_stream", "file": "wandb-history.jsonl", "status": 500, "apply": true, "count": 1},
		map[string]any{"endpoint": "file_stream", "status": 503, "count": 2},
		map[string]any{"endpoint": "file_stream", "status": 429, "retry_after": 1, "count": 1},
		map[string]any{"endpoint": "file_stream", "action": "reset", "count": 1},
	)
	rec := &recordingExecutor{inner: &NetHTTPExecutor{}}
	msgs := &messages{}
	run, err := Init(onlineOptions(t, srv, rec, msgs))
	must(t, err)
	defer run.Close()
	logRows(t, run, onlineRows)
	var st Stats
	waitFor(t, 60*time.Second, "the server to acknowledge every row", func() bool {
		st, err = run.Stats()
		must(t, err)
		return st.RowsUploaded == onlineRows
	})
	must(t, run.Finish(2))

	for _, f := range srv.faults(t) {
		if fmt.Sprint(f["fired"]) != fmt.Sprint(f["count"]) {
			t.Fatalf("fault rule did not fire: %v", f)
		}
	}
	counts := rec.statusCounts()
	if counts[503] != 3 || counts[500] != 1 || counts[429] != 1 || counts[0] != 1 {
		t.Fatalf("the executor saw %v (want 503×3, 500×1, 429×1, one reset)", counts)
	}
	var sawRetryAfter, sawReset bool
	for _, a := range rec.snapshot() {
		sawRetryAfter = sawRetryAfter || (a.status == 429 && a.retryAfter == "1")
		sawReset = sawReset || (a.status == 0 && a.err != "")
	}
	if !sawRetryAfter || !sawReset {
		t.Fatalf("Retry-After seen %v, reset error seen %v", sawRetryAfter, sawReset)
	}
	if st.UploadRetries < 6 {
		t.Fatalf("upload retries %d, want >= 6: %+v", st.UploadRetries, st)
	}

	r := srv.run(t, run.ID())
	checkRows(t, r, onlineRows)
	if r.HistoryOverwrites == 0 {
		t.Fatal("the history post answered with an injected 500 after it was stored was not resent")
	}
	if !r.Complete || r.ExitCode == nil || *r.ExitCode != 2 || r.State != "failed" {
		t.Fatalf("run end: complete %v exitcode %v state %q", r.Complete, r.ExitCode, r.State)
	}
	noKey(t, srv.APIKey, msgs.all()...)
}

func TestOnlineWrongKey(t *testing.T) {
	srv := startWBServer(t)
	rec := &recordingExecutor{inner: &NetHTTPExecutor{}}
	msgs := &messages{}
	o := onlineOptions(t, srv, rec, msgs)
	badKey := "fedcba9876543210fedcba9876543210fedcba98"
	o.APIKey = badKey
	run, err := Init(o)
	must(t, err)
	defer run.Close()
	logRows(t, run, 10)
	var st Stats
	waitFor(t, 60*time.Second, "the upload to fail", func() bool {
		st, err = run.Stats()
		must(t, err)
		return st.UploadState == UploadFailed
	})
	ferr := run.Finish(0)
	texts := msgs.all()
	if ferr != nil {
		texts = append(texts, ferr.Error())
	}
	noKey(t, badKey, texts...)
	noKey(t, srv.APIKey, texts...)
	named := false
	for _, m := range texts {
		l := strings.ToLower(m)
		named = named || (strings.Contains(l, "api key") && strings.Contains(l, "401"))
	}
	if !named {
		t.Fatalf("no message names the rejected API key; messages:\n%s", strings.Join(texts, "\n"))
	}
	if c := rec.statusCounts(); c[401] == 0 {
		t.Fatalf("the executor saw %v, want a 401", c)
	}
	if st.RowsUploaded != 0 {
		t.Fatalf("rows uploaded with a wrong key: %+v", st)
	}
	// Nothing is lost: the run is complete on disk, for Sync with a good key.
	cli := cliPath()
	if cli == "" {
		t.Skip("runlog CLI not found (set RUNLOG_CLI)")
	}
	if rows, _ := showRun(t, cli, run.Dir())["history"].([]any); len(rows) != 10 {
		t.Fatalf("local journal has %d rows, want 10", len(rows))
	}
}

// httpGoroutines returns the stacks of the goroutines that perform requests
// or hold net/http client connections, by goroutine header line.
func httpGoroutines() map[string]string {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	found := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "(*httpEntry).perform") || strings.Contains(g, "net/http.(*persistConn)") {
			head, _, _ := strings.Cut(g, " [")
			found[head] = g
		}
	}
	return found
}

func TestOnlineGoroutinesEnd(t *testing.T) {
	srv := startWBServer(t)
	before := httpGoroutines() // other tests' clients, if any
	leftover := func() string {
		var out []string
		for head, g := range httpGoroutines() {
			if _, old := before[head]; !old {
				out = append(out, g)
			}
		}
		return strings.Join(out, "\n\n")
	}
	for round := 0; round < 2; round++ {
		x := &NetHTTPExecutor{}
		msgs := &messages{}
		run, err := Init(onlineOptions(t, srv, x, msgs))
		must(t, err)
		logRows(t, run, 50)
		must(t, run.Finish(0))
		checkRows(t, srv.run(t, run.ID()), 50)
		// Finish returned: the requests are done; runlog destroyed the
		// plug-in, which closed the executor's idle connections.
		if !poll(10*time.Second, func() bool {
			return httpInFlight.Load() == 0 && httpEntries() == 0 && leftover() == ""
		}) {
			t.Fatalf("10 s after Finish: %d requests in flight, %d plug-ins not destroyed, goroutines left:\n%s",
				httpInFlight.Load(), httpEntries(), leftover())
		}
	}
}

func TestOnlineTimeoutAndExecutorFailures(t *testing.T) {
	srv := startWBServer(t)
	// The first UpsertBucket answer comes after 3 s; runlog's per-attempt
	// timeout is 300 ms, so the executor's context must end that attempt.
	srv.setFaults(t, map[string]any{"endpoint": "graphql", "operation": "UpsertBucket", "delay_ms": 3000, "count": 1})
	netx := &NetHTTPExecutor{}
	defer netx.CloseIdleConnections() // an HTTPExecutorFunc has no CloseIdleConnections
	inner := &recordingExecutor{inner: netx}
	var calls atomic.Int32
	var authSeen atomic.Value // string
	x := HTTPExecutorFunc(func(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error) {
		switch calls.Add(1) {
		case 1: // an executor that fails and echoes the credentials
			auth := req.Header.Get("Authorization")
			authSeen.Store(auth)
			return nil, errors.New("proxy refused request with " + auth)
		case 2:
			panic("executor bug")
		case 3:
			return nil, nil // neither an answer nor an error
		}
		return inner.Do(ctx, req)
	})
	msgs := &messages{}
	o := onlineOptions(t, srv, x, msgs)
	o.HTTPTimeout = 300 * time.Millisecond
	run, err := Init(o)
	must(t, err)
	defer run.Close()
	logRows(t, run, 20)
	must(t, run.Finish(0))
	checkRows(t, srv.run(t, run.ID()), 20)
	timedOut := false
	for _, a := range inner.snapshot() {
		timedOut = timedOut || (a.status == 0 && strings.Contains(a.err, "deadline exceeded"))
	}
	if !timedOut {
		t.Fatalf("no attempt ended by the 300 ms timeout: %+v", inner.snapshot())
	}
	if calls.Load() < 5 {
		t.Fatalf("%d executor calls", calls.Load())
	}
	noKey(t, srv.APIKey, msgs.all()...)
	authLeak, _ := authSeen.Load().(string)
	if authLeak == "" {
		t.Fatal("the request had no Authorization header")
	}
	for _, m := range msgs.all() {
		if strings.Contains(m, strings.TrimPrefix(authLeak, "Basic ")) {
			t.Fatalf("message carries the credentials: %q", m)
		}
	}
}

// Finish stops waiting for the upload (UploadTimeout) while a request is
// in flight: runlog destroys the plug-in, which cancels the request, so its
// goroutine ends instead of waiting for the server.
func TestOnlineFinishCancelsRequestInFlight(t *testing.T) {
	srv := startWBServer(t)
	srv.setFaults(t, map[string]any{"endpoint": "file_stream", "delay_ms": 4000})
	rec := &recordingExecutor{inner: &NetHTTPExecutor{}}
	msgs := &messages{}
	o := onlineOptions(t, srv, rec, msgs)
	o.UploadTimeout = 200 * time.Millisecond
	run, err := Init(o)
	must(t, err)
	defer run.Close()
	logRows(t, run, 5)
	waitFor(t, 60*time.Second, "a file_stream request in flight", func() bool {
		for _, r := range srv.state(t).Requests {
			if r.Endpoint == "file_stream" {
				return true
			}
		}
		return false
	})
	must(t, run.Finish(0))
	waitFor(t, 60*time.Second, "the request goroutine to end", func() bool { return httpInFlight.Load() == 0 })
	var last attempt
	for _, a := range rec.snapshot() {
		if strings.Contains(a.url, "/file_stream") {
			last = a
		}
	}
	if !last.canceled {
		t.Fatalf("the file_stream request in flight at Finish was not cancelled: %+v", last)
	}
	// The run is complete on disk; the upload's rest waits for Sync.
	joined := strings.Join(msgs.all(), "\n")
	if !strings.Contains(joined, "runlog sync") {
		t.Fatalf("no message points at runlog sync:\n%s", joined)
	}
}

// No server: every attempt ends without an answer (status 0 and the
// net/http error); runlog retries RetryMax times, then gives up and points
// at runlog sync. The run itself is unaffected.
func TestOnlineConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	must(t, ln.Close()) // nothing listens there now
	rec := &recordingExecutor{inner: &NetHTTPExecutor{}}
	msgs := &messages{}
	o := onlineOptions(t, &wbServer{URL: "http://" + addr, APIKey: wbDefaultKey}, rec, msgs)
	o.RetryMax = 2
	run, err := Init(o)
	must(t, err)
	defer run.Close()
	logRows(t, run, 5)
	var st Stats
	waitFor(t, 60*time.Second, "the upload to give up", func() bool {
		st, err = run.Stats()
		must(t, err)
		return st.UploadState == UploadGaveUp
	})
	must(t, run.Finish(0))
	if c := rec.statusCounts(); c[0] != 3 || len(c) != 1 {
		t.Fatalf("the executor saw %v, want 3 attempts without an answer (1 + RetryMax 2)", c)
	}
	joined := strings.Join(msgs.all(), "\n")
	if !strings.Contains(joined, "connection refused") || !strings.Contains(joined, "runlog sync") {
		t.Fatalf("messages:\n%s", joined)
	}
	if st.RowsLogged != 5 || st.RowsUploaded != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// HTTPS: NetHTTPExecutor.Client carries the TLS configuration (here: trust
// the test server's CA). Without it, the handshake fails (status 0, a
// certificate error), runlog gives up after RetryMax, nothing is sent.
func TestOnlineHTTPSWithClientTLS(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not found: wbserver.py makes its TLS certificates with it")
	}
	srv := startWBServer(t, "--tls-dir", t.TempDir())
	if !strings.HasPrefix(srv.URL, "https://") || srv.CA == "" {
		t.Fatalf("not an HTTPS server: %q (CA %q)", srv.URL, srv.CA)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: srv.tlsConfig(t)}}
	x := &NetHTTPExecutor{Client: client}
	defer x.CloseIdleConnections()
	msgs := &messages{}
	run, err := Init(onlineOptions(t, srv, x, msgs))
	must(t, err)
	defer run.Close()
	logRows(t, run, 25)
	must(t, run.Finish(0))
	checkRows(t, srv.run(t, run.ID()), 25)

	rec := &recordingExecutor{inner: &NetHTTPExecutor{}} // the system's roots
	msgs2 := &messages{}
	o := onlineOptions(t, srv, rec, msgs2)
	o.RetryMax = 1
	run2, err := Init(o)
	must(t, err)
	defer run2.Close()
	logRows(t, run2, 5)
	waitFor(t, 60*time.Second, "the upload to give up", func() bool {
		st, err := run2.Stats()
		must(t, err)
		return st.UploadState == UploadGaveUp
	})
	must(t, run2.Finish(0))
	for _, a := range rec.snapshot() {
		if a.status != 0 || !strings.Contains(a.err, "certificate") {
			t.Fatalf("attempt against an untrusted server: %+v", a)
		}
	}
	if joined := strings.Join(msgs2.all(), "\n"); !strings.Contains(joined, "certificate") {
		t.Fatalf("no message names the certificate problem:\n%s", joined)
	}
	for _, r := range srv.state(t).Runs {
		if r.Name == run2.ID() {
			t.Fatal("the run reached a server whose certificate is not trusted")
		}
	}
}

// A redirect is not followed: it goes back to runlog, which stops the
// upload (nothing with the key is sent to the redirect's target).
func TestOnlineRedirectNotFollowed(t *testing.T) {
	srv := startWBServer(t)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	if !strings.HasPrefix(redirector.URL, "http://127.0.0.1:") {
		t.Fatalf("httptest server on %s", redirector.URL)
	}
	rec := &recordingExecutor{inner: &NetHTTPExecutor{}}
	msgs := &messages{}
	o := onlineOptions(t, srv, rec, msgs)
	o.BaseURL = redirector.URL
	run, err := Init(o)
	must(t, err)
	defer run.Close()
	logRows(t, run, 5)
	waitFor(t, 60*time.Second, "the upload to stop", func() bool {
		st, err := run.Stats()
		must(t, err)
		return st.UploadState == UploadFailed
	})
	ferr := run.Finish(0)
	if c := rec.statusCounts(); c[307] == 0 || len(c) != 1 {
		t.Fatalf("the executor saw %v, want only 307s", c)
	}
	if n := len(srv.state(t).Requests); n != 0 {
		t.Fatalf("the redirect target got %d requests", n)
	}
	texts := msgs.all()
	if ferr != nil {
		texts = append(texts, ferr.Error())
	}
	if !strings.Contains(strings.Join(texts, "\n"), "307") {
		t.Fatalf("no message names HTTP 307:\n%s", strings.Join(texts, "\n"))
	}
}

func TestSyncThroughGoExecutor(t *testing.T) {
	srv := startWBServer(t)
	run, _ := newRun(t, Options{Project: "go-sync", Config: map[string]any{"lr": 0.5}})
	logRows(t, run, 120)
	must(t, run.Summary().Update(map[string]any{"best": 1}))
	must(t, run.Finish(3))

	srv.setFaults(t, map[string]any{"endpoint": "file_stream", "status": 503, "count": 1})
	rec := &recordingExecutor{inner: &NetHTTPExecutor{}}
	msgs := &messages{}
	so := SyncOptions{BaseURL: srv.URL, APIKey: srv.APIKey, HTTP: rec, Logger: msgs.log, Silent: Bool(true),
		RetryWaitMin: 20 * time.Millisecond, RetryWaitMax: 200 * time.Millisecond}
	st, err := Sync(run.Dir(), so)
	must(t, err)
	if !st.Finished || st.State != UploadDone || st.RowsSent != 120 || st.RowsUploaded != 120 || st.Retries < 1 {
		t.Fatalf("sync status %+v", st)
	}
	r := srv.run(t, run.ID())
	checkRows(t, r, 120)
	if !r.Complete || r.ExitCode == nil || *r.ExitCode != 3 || r.ConfigValues["lr"] != 0.5 || r.Summary["best"] != 1.0 {
		t.Fatalf("synced run: complete %v exitcode %v config %v summary %v", r.Complete, r.ExitCode, r.ConfigValues, r.Summary)
	}
	if c := rec.statusCounts(); c[503] != 1 || c[200] < 2 {
		t.Fatalf("the executor saw %v", c)
	}

	// A second sync sends no rows again.
	st2, err := Sync(run.Dir(), so)
	must(t, err)
	if !st2.Finished || st2.State != UploadDone || st2.RowsSent != 0 {
		t.Fatalf("second sync status %+v", st2)
	}
	if r2 := srv.run(t, run.ID()); len(r2.History) != 120 || r2.HistoryOverwrites != r.HistoryOverwrites {
		t.Fatalf("second sync changed the history: %d rows, %d overwrites", len(r2.History), r2.HistoryOverwrites)
	}
	noKey(t, srv.APIKey, msgs.all()...)

	// A cancelled context stops a sync; the plug-in is released.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := SyncContext(ctx, run.Dir(), so); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled sync: %v", err)
	}
	waitFor(t, 10*time.Second, "runlog to destroy the sync's HTTP plug-in", func() bool { return httpEntries() == 0 })
	// A sync that cannot open its run releases the plug-in too.
	if _, err := Sync(filepath.Join(t.TempDir(), "no-such-run"), so); err == nil {
		t.Fatal("Sync of a missing run succeeded")
	}
	if n := httpEntries(); n != 0 {
		t.Fatalf("%d HTTP plug-ins left after a failed Sync", n)
	}
	// A wrong key on a run not uploaded yet: an error naming the key
	// problem, without the key; nothing reaches the server.
	run2, _ := newRun(t, Options{Project: "go-sync"})
	logRows(t, run2, 5)
	must(t, run2.Finish(0))
	bad := so
	bad.APIKey = "fedcba9876543210fedcba9876543210fedcba98"
	st3, err := Sync(run2.Dir(), bad)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(strings.ToLower(e.Message), "api key") || st3.State != UploadFailed {
		t.Fatalf("sync with a wrong key: %v (status %+v)", err, st3)
	}
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("sync with a wrong key: status %s, want RUNLOG_E_REFUSED", e.Status.Name())
	}
	noKey(t, bad.APIKey, e.Message)
	for _, r := range srv.state(t).Runs {
		if r.Name == run2.ID() {
			t.Fatalf("run %s reached the server with a wrong key", run2.ID())
		}
	}
}

func TestHeaderLines(t *testing.T) {
	h := parseHeaderLines("Content-Type: application/json\r\nAuthorization: Basic YXBpOms=\r\nX-A: 1\r\nx-a: 2\r\nbad line\r\n\r\n")
	if h.Get("Content-Type") != "application/json" || h.Get("Authorization") != "Basic YXBpOms=" ||
		strings.Join(h.Values("X-A"), ",") != "1,2" || len(h) != 3 {
		t.Fatalf("parsed %v", h)
	}
	out := formatHeaderLines(http.Header{"Retry-After": {"3"}, "B": {"x\r\ny", "z"}})
	if out != "B: x  y\r\nB: z\r\nRetry-After: 3\r\n" {
		t.Fatalf("formatted %q", out)
	}
	secrets := requestSecrets(http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("api:sekrit-key"))}})
	msg := scrubSecrets("dial failed, sent api:sekrit-key and "+base64.StdEncoding.EncodeToString([]byte("api:sekrit-key")), secrets)
	if strings.Contains(msg, "sekrit") || strings.Contains(msg, base64.StdEncoding.EncodeToString([]byte("api:sekrit-key"))) {
		t.Fatalf("scrubbed %q", msg)
	}
	if got := redactURL("https://user:pw@example.invalid/graphql"); got != "https://xxxxx@example.invalid/graphql" {
		t.Fatalf("redacted %q", got)
	}
}

func TestOptionsWithoutServer(t *testing.T) {
	// Offline runs keep working with online-mode options set, and Stats v2
	// reads zero upload counters.
	run, _ := newRun(t, Options{BaseURL: "http://127.0.0.1:9", APIKey: wbDefaultKey, HTTP: &NetHTTPExecutor{}})
	must(t, run.Log(map[string]any{"a": 1}))
	st, err := run.Stats()
	must(t, err)
	if st.UploadState != UploadNone || st.RowsUploaded != 0 || st.UploadRequests != 0 {
		t.Fatalf("offline stats %+v", st)
	}
	must(t, run.Finish(0))
	waitFor(t, 10*time.Second, "runlog to destroy the unused HTTP plug-in", func() bool { return httpEntries() == 0 })
	// A failed Init destroys the plug-in too (its token is released).
	_, err = Init(Options{Mode: "offline", Dir: t.TempDir(), Silent: Bool(true), Resume: "bogus",
		HTTP: &NetHTTPExecutor{}, APIKey: wbDefaultKey})
	wantStatus(t, err, ErrInvalidArgument)
	if n := httpEntries(); n != 0 {
		t.Fatalf("%d HTTP plug-ins left after a failed Init", n)
	}
	if UploadDone.String() != "done" || UploadState(99).String() != "upload state(99)" {
		t.Fatal("UploadState.String")
	}
}
