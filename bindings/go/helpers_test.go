package runlog

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// recorder is a Sink that keeps every record.
type recorder struct {
	mu   sync.Mutex
	recs []record
}

type record struct {
	kind string
	json []byte
}

func (r *recorder) sink(kind string, b []byte) error {
	r.mu.Lock()
	r.recs = append(r.recs, record{kind, b})
	r.mu.Unlock()
	return nil
}

// rows returns the decoded history records.
func (r *recorder) rows(t *testing.T) []map[string]any {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]any
	for _, rec := range r.recs {
		if rec.kind != "history" {
			continue
		}
		m, err := decodeObject(rec.json)
		if err != nil {
			t.Fatalf("history record %s: %v", rec.json, err)
		}
		out = append(out, m)
	}
	return out
}

func (r *recorder) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var k []string
	for _, rec := range r.recs {
		k = append(k, rec.kind)
	}
	return k
}

// newRun starts a silent offline run in a temporary directory.
func newRun(t *testing.T, o Options) (*Run, *recorder) {
	t.Helper()
	rec := &recorder{}
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.Mode == "" {
		o.Mode = "offline"
	}
	if o.Silent == nil {
		o.Silent = Bool(true)
	}
	if o.Sink == nil {
		o.Sink = rec.sink
	}
	run, err := Init(o)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Cleanup(func() { _ = run.Close() })
	return run, rec
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantStatus(t *testing.T, err error, sentinel *Error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("want %s, got %v", sentinel.Status.Name(), err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Message == "" {
		t.Fatalf("want a *runlog.Error with a message, got %#v", err)
	}
}

// cliPath finds the runlog CLI: $RUNLOG_CLI, then PATH, then the usual
// build directories of this repository.
func cliPath() string {
	if p := os.Getenv("RUNLOG_CLI"); p != "" {
		return p
	}
	if p, err := exec.LookPath("runlog"); err == nil {
		return p
	}
	matches, _ := filepath.Glob("../../build/*/cli/runlog")
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
			return m
		}
	}
	return ""
}

// showRun runs `runlog show DIR --json --rows 1000000000` and parses it.
func showRun(t *testing.T, cli, dir string) map[string]any {
	t.Helper()
	out, err := exec.Command(cli, "show", dir, "--json", "--rows", "1000000000").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s show %s: %v\n%s", cli, dir, err, ee.Stderr)
		}
		t.Fatalf("%s show %s: %v", cli, dir, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("runlog show --json is not strict JSON: %v\n%s", err, out)
	}
	return m
}
