package runlog

// Test helpers: tests/server/wbserver.py (the local W&B-protocol server)
// started on 127.0.0.1 with a free port, its admin API, and an HTTPExecutor
// that records what it carries.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// wbDefaultKey is the API key wbserver.py accepts by default.
const wbDefaultKey = "0123456789abcdef0123456789abcdef01234567"

type wbServer struct {
	URL    string
	APIKey string
	CA     string // the CA bundle of an HTTPS server ("" for HTTP)
	cmd    *exec.Cmd
	out    *lockedBuffer
	admin  *http.Client
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startWBServer starts wbserver.py on 127.0.0.1 (a free port) and stops it
// when the test ends. It skips the test only when python3 is missing.
func startWBServer(t *testing.T, extra ...string) *wbServer {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: the online tests run the local W&B-protocol server tests/server/wbserver.py (apt-get install -y python3)")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "tests", "server", "wbserver.py"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("the local W&B server is missing: %v", err)
	}
	info := filepath.Join(t.TempDir(), "info.json")
	args := append([]string{script, "--host", "127.0.0.1", "--port", "0", "--info-file", info,
		"--max-lifetime", "900", "--exit-with-parent", "--seed", "7"}, extra...)
	cmd := exec.Command(py, args...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", script, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s := &wbServer{cmd: cmd, out: out,
		admin: &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}, Timeout: 30 * time.Second}}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, err := os.ReadFile(info)
		if err == nil && len(b) > 0 && b[len(b)-1] == '\n' {
			var m struct {
				URL    string  `json:"url"`
				APIKey string  `json:"api_key"`
				Port   int     `json:"port"`
				CA     *string `json:"ca"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("wbserver info file: %v: %s", err, b)
			}
			if !strings.HasPrefix(m.URL, "http://127.0.0.1:"+strconv.Itoa(m.Port)) &&
				!strings.HasPrefix(m.URL, "https://127.0.0.1:"+strconv.Itoa(m.Port)) {
				t.Fatalf("wbserver listens on %q, want 127.0.0.1", m.URL)
			}
			s.URL, s.APIKey = strings.TrimRight(m.URL, "/"), m.APIKey
			if m.CA != nil && *m.CA != "" {
				s.CA = *m.CA
				s.admin.Transport = &http.Transport{Proxy: nil, DisableKeepAlives: true, TLSClientConfig: s.tlsConfig(t)}
			}
			return s
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("wbserver exited before listening (%v):\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("wbserver did not start within 60 s:\n%s", out.String())
		}
	}
}

// tlsConfig trusts the server's CA (and nothing else).
func (s *wbServer) tlsConfig(t *testing.T) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(s.CA)
	if err != nil {
		t.Fatalf("the server's CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", s.CA)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

func (s *wbServer) do(t *testing.T, method, path string, body any, out any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.admin.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, buf.String())
	}
	if out != nil {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v: %.300s", method, path, err, buf.String())
		}
	}
}

// wbState is the part of /_admin/state the tests read.
type wbState struct {
	Runs         []wbRun         `json:"runs"`
	RequestCount int             `json:"request_count"`
	Requests     []wbRequest     `json:"requests"`
	Errors       json.RawMessage `json:"errors"`
}

type wbRun struct {
	Name              string           `json:"name"`
	Project           string           `json:"project"`
	State             string           `json:"state"`
	Complete          bool             `json:"complete"`
	ExitCode          *int             `json:"exitcode"`
	ConfigValues      map[string]any   `json:"config_values"`
	Summary           map[string]any   `json:"summary"`
	History           []map[string]any `json:"history"`
	HistoryOffsets    []int            `json:"history_offsets"`
	HistoryGaps       json.RawMessage  `json:"history_gaps"`
	HistoryOverwrites int              `json:"history_overwrites"`
}

type wbRequest struct {
	Endpoint string            `json:"endpoint"`
	Path     string            `json:"path"`
	Status   *int              `json:"status"`
	Headers  map[string]string `json:"headers"`
}

func (s *wbServer) state(t *testing.T) wbState {
	t.Helper()
	var st wbState
	s.do(t, "GET", "/_admin/state?strict=1", nil, &st)
	return st
}

// run returns the server's copy of run id (fails if absent).
func (s *wbServer) run(t *testing.T, id string) wbRun {
	t.Helper()
	st := s.state(t)
	for _, r := range st.Runs {
		if r.Name == id {
			return r
		}
	}
	t.Fatalf("the server has no run %q (%d runs)", id, len(st.Runs))
	return wbRun{}
}

type wbFault struct {
	Rule    map[string]any `json:"-"`
	Matched int            `json:"matched"`
	Fired   int            `json:"fired"`
}

func (s *wbServer) setFaults(t *testing.T, rules ...map[string]any) {
	t.Helper()
	s.do(t, "POST", "/_admin/faults", map[string]any{"rules": rules, "seed": 1}, nil)
}

func (s *wbServer) faults(t *testing.T) []map[string]any {
	t.Helper()
	var out struct {
		Rules []map[string]any `json:"rules"`
	}
	s.do(t, "GET", "/_admin/faults", nil, &out)
	return out.Rules
}

// recordingExecutor wraps an executor and records every attempt.
type recordingExecutor struct {
	inner HTTPExecutor

	mu            sync.Mutex
	attempts      []attempt
	inFlight      int
	maxInFlight   int
	authorization map[string]bool
}

type attempt struct {
	method, url string
	timeout     time.Duration
	status      int    // 0: no answer
	err         string // when status is 0
	canceled    bool   // the error is context.Canceled
	retryAfter  string
}

func (r *recordingExecutor) Do(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error) {
	r.mu.Lock()
	r.inFlight++
	if r.inFlight > r.maxInFlight {
		r.maxInFlight = r.inFlight
	}
	if r.authorization == nil {
		r.authorization = map[string]bool{}
	}
	r.authorization[req.Header.Get("Authorization")] = true
	r.mu.Unlock()
	resp, err := r.inner.Do(ctx, req)
	a := attempt{method: req.Method, url: req.URL, timeout: req.Timeout}
	if err != nil {
		a.err = err.Error()
		a.canceled = errors.Is(err, context.Canceled)
	} else {
		a.status = resp.StatusCode
		a.retryAfter = resp.Header.Get("Retry-After")
	}
	r.mu.Lock()
	r.inFlight--
	r.attempts = append(r.attempts, a)
	r.mu.Unlock()
	return resp, err
}

func (r *recordingExecutor) snapshot() []attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]attempt(nil), r.attempts...)
}

// concurrency returns the most requests seen in flight at once and the
// distinct Authorization headers.
func (r *recordingExecutor) concurrency() (int, map[string]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	auth := map[string]bool{}
	for k := range r.authorization {
		auth[k] = true
	}
	return r.maxInFlight, auth
}

// statusCounts counts attempts by status (0 = no answer).
func (r *recordingExecutor) statusCounts() map[int]int {
	m := map[int]int{}
	for _, a := range r.snapshot() {
		m[a.status]++
	}
	return m
}

// messages collects a run's Logger output.
type messages struct {
	mu   sync.Mutex
	list []string
}

func (m *messages) log(level Level, msg string) {
	m.mu.Lock()
	m.list = append(m.list, level.String()+": "+msg)
	m.mu.Unlock()
}

func (m *messages) all() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.list...)
}

// waitFor polls cond until it holds, failing the test after limit. Used for
// state that settles asynchronously (an upload, goroutines ending), never to
// measure speed.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	if !poll(limit, cond) {
		t.Fatalf("timed out after %s waiting for %s", limit, what)
	}
}

// poll reports whether cond held within limit.
func poll(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
