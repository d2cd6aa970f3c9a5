package runlog

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	if ABIVersion() != 1 {
		t.Fatalf("ABI version %d", ABIVersion())
	}
	if v := Version(); v == "" || !strings.Contains(v, ".") {
		t.Fatalf("version %q", v)
	}
	if VersionNumber() == 0 {
		t.Fatal("version number 0")
	}
	_ = HasThreads()
	if s := StatusStepOrder.String(); !strings.HasPrefix(s, "RUNLOG_E_STEP_ORDER") {
		t.Fatalf("status string %q", s)
	}
	if n := StatusFinished.Name(); n != "RUNLOG_E_FINISHED" {
		t.Fatalf("status name %q", n)
	}
}

func TestInitAccessors(t *testing.T) {
	dir := t.TempDir()
	run, rec := newRun(t, Options{Project: "proj", Name: "my-run", RunID: "abc12345", Dir: dir,
		Tags: []string{"a", "b"}, Group: "g", JobType: "train", Notes: "n",
		Config: map[string]any{"lr": 0.01, "layers": []any{64, 32}}})
	if run.ID() != "abc12345" || run.Name() != "my-run" || run.Project() != "proj" || run.Mode() != "offline" {
		t.Fatalf("accessors: %q %q %q %q", run.ID(), run.Name(), run.Project(), run.Mode())
	}
	if run.Entity() != "" {
		t.Fatalf("entity %q", run.Entity())
	}
	if !strings.HasPrefix(run.Dir(), filepath.Join(dir, "runlog")) {
		t.Fatalf("dir %q not under %q", run.Dir(), dir)
	}
	cfg, err := run.Config().All()
	must(t, err)
	if cfg["lr"] != 0.01 || !reflect.DeepEqual(cfg["layers"], []any{64.0, 32.0}) {
		t.Fatalf("config %#v", cfg)
	}
	must(t, run.Finish(0))
	// Accessors still answer after finish (cached at init).
	if run.ID() != "abc12345" || run.Dir() == "" || !run.Finished() {
		t.Fatal("accessors after finish")
	}
	if k := rec.kinds(); len(k) == 0 || k[0] != "run" || k[len(k)-1] != "exit" {
		t.Fatalf("records %v", k)
	}
	if _, err := os.Stat(filepath.Join(run.Dir(), "files", "wandb-summary.json")); err != nil {
		t.Fatalf("summary file: %v", err)
	}
}

func TestLogSteps(t *testing.T) {
	run, rec := newRun(t, Options{})
	must(t, run.Log(map[string]any{"loss": 1.0}))               // step 0
	must(t, run.Log(map[string]any{"loss": 0.5, "acc": 0.1}))   // step 1
	must(t, run.Log(map[string]any{"a": 1}, WithCommit(false))) // pending at 2
	must(t, run.Log(map[string]any{"b": 2}))                    // step 2 = {a, b}
	must(t, run.Log(map[string]any{"c": 3}, WithStep(5)))       // 5 pending
	must(t, run.Log(map[string]any{"d": 4}, WithStep(5)))       // merged
	must(t, run.Log(nil, WithStep(5), WithCommit(true)))        // recorded at 5
	wantStatus(t, run.Log(map[string]any{"x": 1}, WithStep(4)), ErrStepOrder)
	wantStatus(t, run.Log(map[string]any{"x": 1}, WithStep(-2)), ErrInvalidArgument)
	st, err := run.Stats()
	must(t, err)
	if st.Step != 6 || st.RowsLogged != 4 || st.StepsRefused != 1 {
		t.Fatalf("stats %+v", st)
	}
	must(t, run.Finish(0))
	rows := rec.rows(t)
	want := []map[string]any{
		{"_step": 0.0, "loss": 1.0},
		{"_step": 1.0, "loss": 0.5, "acc": 0.1},
		{"_step": 2.0, "a": 1.0, "b": 2.0},
		{"_step": 5.0, "c": 3.0, "d": 4.0},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %v", rows)
	}
	for i, r := range rows {
		if _, ok := r["_runtime"].(float64); !ok {
			t.Errorf("row %d has no _runtime", i)
		}
		if _, ok := r["_timestamp"].(float64); !ok {
			t.Errorf("row %d has no _timestamp", i)
		}
		delete(r, "_runtime")
		delete(r, "_timestamp")
		if !reflect.DeepEqual(r, want[i]) {
			t.Errorf("row %d = %v, want %v", i, r, want[i])
		}
	}
}

func TestNaNAndInfinity(t *testing.T) {
	run, rec := newRun(t, Options{Config: map[string]any{"eps": math.Inf(1)}})
	must(t, run.Log(map[string]any{
		"nan": math.NaN(), "inf": math.Inf(1), "ninf": math.Inf(-1),
		"nested": map[string]any{"v": []float64{math.NaN(), 1}}, "f32": float32(math.Inf(-1)),
	}))
	v, err := run.Summary().Get("nan")
	must(t, err)
	if f, ok := v.(float64); !ok || !math.IsNaN(f) {
		t.Fatalf("summary nan = %#v", v)
	}
	all, err := run.Summary().All()
	must(t, err)
	if !math.IsInf(all["ninf"].(float64), -1) || !math.IsInf(all["f32"].(float64), -1) {
		t.Fatalf("summary %v", all)
	}
	eps, err := run.Config().Get("eps")
	must(t, err)
	if !math.IsInf(eps.(float64), 1) {
		t.Fatalf("config eps = %v", eps)
	}
	must(t, run.Finish(0))
	rows := rec.rows(t)
	if len(rows) != 1 || !math.IsInf(rows[0]["inf"].(float64), 1) {
		t.Fatalf("rows %v", rows)
	}
	arr := rows[0]["nested"].(map[string]any)["v"].([]any)
	if !math.IsNaN(arr[0].(float64)) || arr[1] != 1.0 {
		t.Fatalf("nested %v", arr)
	}
	for _, r := range rec.recs {
		if r.kind == "history" && !strings.Contains(string(r.json), `"nan":NaN`) {
			t.Fatalf("the journal record should hold a bare NaN: %s", r.json)
		}
	}
}

func TestStageCommit(t *testing.T) {
	run, rec := newRun(t, Options{})
	must(t, run.Stage("loss", 0.5))
	must(t, run.StageInt("epoch", 3))
	must(t, run.Stage("loss", math.NaN()))
	must(t, run.CommitRow())
	must(t, run.Stage("x", 1))
	must(t, run.CommitRow(WithStep(4), WithCommit(true)))
	wantStatus(t, run.Stage("_step", 1), ErrReservedKey)
	wantStatus(t, run.StageInt("", 1), ErrInvalidArgument)
	must(t, run.Finish(0))
	rows := rec.rows(t)
	if len(rows) != 2 || rows[0]["epoch"] != 3.0 || !math.IsNaN(rows[0]["loss"].(float64)) || rows[1]["_step"] != 4.0 {
		t.Fatalf("rows %v", rows)
	}
}

func TestConfigAndSummary(t *testing.T) {
	run, _ := newRun(t, Options{Config: map[string]any{"lr": 0.1, "model": map[string]any{"depth": 3}}})
	must(t, run.Config().Update(map[string]any{"lr": 0.01, "batch": 32}))
	cfg, err := run.Config().All()
	must(t, err)
	if cfg["lr"] != 0.01 || cfg["batch"] != 32.0 || cfg["model"].(map[string]any)["depth"] != 3.0 {
		t.Fatalf("config %v", cfg)
	}
	_, err = run.Config().Get("nope")
	wantStatus(t, err, ErrNotFound)
	wantStatus(t, run.Config().UpdateJSON([]byte(`[1]`)), ErrNotObject)
	wantStatus(t, run.Config().Update(map[string]any{"_wandb": 1}), ErrReservedKey)

	must(t, run.Log(map[string]any{"acc": 0.5}))
	must(t, run.Summary().Update(map[string]any{"acc": 0.9, "best": "yes"}))
	v, err := run.Summary().Get("acc")
	must(t, err)
	if v != 0.9 {
		t.Fatalf("summary acc %v", v)
	}
	must(t, run.Summary().Delete("best"))
	_, err = run.Summary().Get("best")
	wantStatus(t, err, ErrNotFound)
	_, err = run.Summary().Get("")
	wantStatus(t, err, ErrInvalidArgument)
	b, err := run.Summary().JSON()
	must(t, err)
	if !strings.Contains(string(b), `"acc":0.9`) {
		t.Fatalf("summary JSON %s", b)
	}
}

func TestDefineMetric(t *testing.T) {
	run, rec := newRun(t, Options{})
	must(t, run.DefineMetric("loss", MetricOptions{Summary: SummaryMin | SummaryMax}))
	must(t, run.DefineMetric("val_acc", MetricOptions{StepMetric: "epoch", Hidden: true}))
	must(t, run.DefineMetric("debug", MetricOptions{Summary: SummaryNone}))
	must(t, run.DefineMetric("raw", MetricOptions{StepMetric: "epoch", StepSync: Bool(false)}))
	wantStatus(t, run.DefineMetric("", MetricOptions{}), ErrInvalidArgument)
	wantStatus(t, run.DefineMetric("bad*name", MetricOptions{}), ErrInvalidArgument)
	must(t, run.Log(map[string]any{"loss": 1.0, "epoch": 0, "debug": 1}))
	must(t, run.Log(map[string]any{"loss": 0.25, "val_acc": 0.5, "raw": 1}))
	s, err := run.Summary().Get("loss")
	must(t, err)
	if !reflect.DeepEqual(s, map[string]any{"min": 0.25, "max": 1.0}) {
		t.Fatalf("loss summary %v", s)
	}
	_, err = run.Summary().Get("debug")
	wantStatus(t, err, ErrNotFound)
	must(t, run.Finish(0))
	rows := rec.rows(t)
	if rows[1]["epoch"] != 0.0 {
		t.Fatalf("step metric not filled in: %v", rows[1])
	}
}

func TestErrors(t *testing.T) {
	run, _ := newRun(t, Options{MaxPayloadBytes: 64})
	wantStatus(t, run.LogJSON([]byte(`{`)), ErrInvalidJSON)
	wantStatus(t, run.LogJSON(nil), ErrInvalidJSON)
	wantStatus(t, run.LogJSON([]byte(`[1]`)), ErrNotObject)
	wantStatus(t, run.Log(map[string]any{"_step": 1}), ErrReservedKey)
	wantStatus(t, run.Log(map[string]any{"bad": "\xff"}), ErrInvalidUTF8)
	wantStatus(t, run.Log(map[string]any{"long": strings.Repeat("x", 100)}), ErrTooLarge)
	wantStatus(t, run.Log(map[string]any{"ch": make(chan int)}), ErrInvalidArgument)
	var e *Error
	err := run.LogJSON([]byte(`{"a":`))
	if !errors.As(err, &e) || e.Status != StatusInvalidJSON || !strings.Contains(err.Error(), "RUNLOG_E_INVALID_JSON") {
		t.Fatalf("error %#v", err)
	}
	if errors.Is(err, ErrStepOrder) {
		t.Fatal("errors.Is matched the wrong status")
	}
	// The run is still usable after errors.
	must(t, run.Log(map[string]any{"ok": 1}))
	st, err := run.Stats()
	must(t, err)
	if st.Step != 1 || st.RowsLogged != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFinishIdempotentAndTombstone(t *testing.T) {
	run, rec := newRun(t, Options{})
	must(t, run.Log(map[string]any{"a": 1}, WithCommit(false)))
	must(t, run.Finish(3))
	must(t, run.Finish(0)) // idempotent
	must(t, run.Close())
	wantStatus(t, run.Log(map[string]any{"b": 1}), ErrFinished)
	wantStatus(t, run.Stage("x", 1), ErrFinished)
	wantStatus(t, run.CommitRow(), ErrFinished)
	wantStatus(t, run.Config().Update(map[string]any{"x": 1}), ErrFinished)
	_, err := run.Config().All()
	wantStatus(t, err, ErrFinished)
	_, err = run.Summary().Get("a")
	wantStatus(t, err, ErrFinished)
	wantStatus(t, run.DefineMetric("a", MetricOptions{}), ErrFinished)
	wantStatus(t, run.Flush(time.Second), ErrFinished)
	_, err = run.Stats()
	wantStatus(t, err, ErrFinished)
	rows := rec.rows(t)
	if len(rows) != 1 || rows[0]["a"] != 1.0 {
		t.Fatalf("the pending row must be recorded at finish: %v", rows)
	}
	last := rec.recs[len(rec.recs)-1]
	if last.kind != "exit" || !strings.Contains(string(last.json), `"exit_code":3`) {
		t.Fatalf("exit record %s %s", last.kind, last.json)
	}
}

func TestInitErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Init(Options{Dir: dir, Mode: "sideways", Silent: Bool(true)})
	wantStatus(t, err, ErrInvalidArgument)
	_, err = Init(Options{Dir: dir, RunID: "missing1", Resume: "must", Silent: Bool(true)})
	wantStatus(t, err, ErrNotFound)
	_, err = Init(Options{Dir: dir, Config: map[string]any{"bad": make(chan int)}, Silent: Bool(true)})
	wantStatus(t, err, ErrInvalidArgument)
	// a sink given to a failed init is destroyed: its token is gone
	var n atomic.Int32
	before := countCallbacks()
	_, err = Init(Options{Dir: dir, Mode: "sideways", Silent: Bool(true),
		Sink: func(string, []byte) error { n.Add(1); return nil }, Logger: func(Level, string) {}})
	wantStatus(t, err, ErrInvalidArgument)
	if after := countCallbacks(); after != before {
		t.Fatalf("callback tokens leaked: %d before, %d after", before, after)
	}
	// resume: a run finished earlier continues at its step
	r1, _ := newRun(t, Options{Dir: dir, RunID: "resume01"})
	must(t, r1.Log(map[string]any{"a": 1}))
	must(t, r1.Finish(0))
	r2, _ := newRun(t, Options{Dir: dir, RunID: "resume01", Resume: "must"})
	st, err := r2.Stats()
	must(t, err)
	if st.Step != 1 {
		t.Fatalf("resumed at step %d", st.Step)
	}
	_, err = Init(Options{Dir: dir, RunID: "resume01", Resume: "never", Silent: Bool(true)})
	wantStatus(t, err, ErrExists)
}

func countCallbacks() int {
	n := 0
	callbackTable.Range(func(any, any) bool { n++; return true })
	return n
}

func TestLoggerAndCallbacksReleased(t *testing.T) {
	before := countCallbacks()
	var mu sync.Mutex
	var msgs []string
	run, err := Init(Options{Dir: t.TempDir(), Silent: Bool(false), Sink: func(string, []byte) error { return nil },
		Logger: func(l Level, m string) { mu.Lock(); msgs = append(msgs, l.String()+": "+m); mu.Unlock() }})
	must(t, err)
	if countCallbacks() != before+2 {
		t.Fatalf("want 2 callback tokens, have %d", countCallbacks()-before)
	}
	_ = run.Log(map[string]any{"a": 1}, WithStep(3))
	_ = run.Log(map[string]any{"a": 1}, WithStep(1))
	must(t, run.Finish(0))
	if countCallbacks() != before {
		t.Fatalf("tokens not released after finish: %d", countCallbacks()-before)
	}
	mu.Lock()
	defer mu.Unlock()
	joined := strings.Join(msgs, "\n")
	if !strings.Contains(joined, run.ID()) {
		t.Fatalf("the banner should name the run; got:\n%s", joined)
	}
}

func TestSinkError(t *testing.T) {
	run, _ := newRun(t, Options{Sink: func(kind string, _ []byte) error {
		if kind == "history" {
			return errors.New("nope")
		}
		return nil
	}})
	must(t, run.Log(map[string]any{"a": 1}))
	must(t, run.Flush(10*time.Second)) // a failing sink does not fail the run
	must(t, run.Finish(0))
}

func TestManualThreading(t *testing.T) {
	run, rec := newRun(t, Options{Threading: ThreadingManual})
	for i := 0; i < 10; i++ {
		must(t, run.Log(map[string]any{"i": i}))
	}
	st, err := run.Stats()
	must(t, err)
	if st.RecordsQueued == 0 {
		t.Fatalf("manual threading: nothing queued? %+v", st)
	}
	must(t, run.Pump(0))
	st, err = run.Stats()
	must(t, err)
	if st.RecordsQueued != 0 {
		t.Fatalf("after pump: %+v", st)
	}
	if len(rec.rows(t)) != 10 {
		t.Fatalf("rows after pump: %d", len(rec.rows(t)))
	}
	must(t, run.Finish(0))
}

func TestDisabledMode(t *testing.T) {
	dir := t.TempDir()
	run, _ := newRun(t, Options{Dir: dir, Mode: "disabled"})
	if run.Mode() != "disabled" || run.Dir() != "" {
		t.Fatalf("mode %q dir %q", run.Mode(), run.Dir())
	}
	must(t, run.Log(map[string]any{"a": 1}))
	must(t, run.Finish(0))
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("disabled run wrote %v", ents)
	}
}

func TestFlushTimeouts(t *testing.T) {
	run, _ := newRun(t, Options{})
	must(t, run.Log(map[string]any{"a": 1}))
	must(t, run.Flush(-1))
	must(t, run.Flush(10*time.Second))
	st, err := run.Stats()
	must(t, err)
	if st.RecordsQueued != 0 || st.RecordsWritten == 0 {
		t.Fatalf("after flush %+v", st)
	}
}

// 8 goroutines x 2000 rows on one run: every row is recorded once, with
// its own step, and the per-goroutine order is kept.
func TestConcurrentLoggers(t *testing.T) {
	const workers, perWorker = 8, 2000
	var rows atomic.Int64
	seen := make([][]int, workers)
	var mu sync.Mutex
	run, _ := newRun(t, Options{Sink: func(kind string, b []byte) error {
		if kind != "history" {
			return nil
		}
		rows.Add(1)
		m, err := decodeObject(b)
		if err != nil {
			return err
		}
		w, i := int(m["w"].(float64)), int(m["i"].(float64))
		mu.Lock()
		seen[w] = append(seen[w], i)
		mu.Unlock()
		return nil
	}})
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				if err := run.Log(map[string]any{"w": w, "i": i, "loss": 1 / float64(i+1)}); err != nil {
					errs <- fmt.Errorf("worker %d row %d: %w", w, i, err)
					return
				}
				if i%500 == 0 {
					if _, err := run.Summary().Get("loss"); err != nil && !errors.Is(err, ErrNotFound) {
						errs <- err
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st, err := run.Stats()
	must(t, err)
	if st.RowsLogged != workers*perWorker || st.Step != workers*perWorker {
		t.Fatalf("stats %+v", st)
	}
	must(t, run.Finish(0))
	if rows.Load() != workers*perWorker {
		t.Fatalf("sink saw %d rows", rows.Load())
	}
	for w := range seen {
		if len(seen[w]) != perWorker {
			t.Fatalf("worker %d: %d rows", w, len(seen[w]))
		}
		for i, v := range seen[w] {
			if v != i {
				t.Fatalf("worker %d: row %d out of order (%d)", w, i, v)
			}
		}
	}
}

// Finish racing with loggers: every call either succeeds or says ErrFinished.
func TestFinishRacesWithLoggers(t *testing.T) {
	run, _ := newRun(t, Options{})
	var wg sync.WaitGroup
	var bad atomic.Value
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				err := run.Log(map[string]any{"i": i})
				if errors.Is(err, ErrFinished) {
					return
				}
				if err != nil {
					bad.Store(err)
					return
				}
				_ = run.ID()
			}
		}()
	}
	time.Sleep(2 * time.Millisecond)
	must(t, run.Finish(0))
	wg.Wait()
	if err := bad.Load(); err != nil {
		t.Fatal(err)
	}
}

// The cleanup is only a safety net: a Run dropped without Finish is
// finished when collected, with a warning.
func TestCleanupFinishesDroppedRun(t *testing.T) {
	dir := t.TempDir()
	warned := make(chan string, 4)
	var runDir string
	func() {
		run, err := Init(Options{Dir: dir, Silent: Bool(true), Logger: func(l Level, m string) {
			if l == LevelWarn && strings.Contains(m, "garbage-collected") {
				warned <- m
			}
		}})
		must(t, err)
		runDir = run.Dir()
		must(t, run.Log(map[string]any{"a": 1}))
	}()
	deadline := time.After(20 * time.Second)
	for {
		runtime.GC()
		select {
		case m := <-warned:
			t.Logf("warning: %s", m)
			// the run was finished: its summary file exists
			// the cleanup goroutine finishes the run after warning
			summary := filepath.Join(runDir, "files", "wandb-summary.json")
			for i := 0; i < 500; i++ {
				if _, err := os.Stat(summary); err == nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Fatalf("no %s after the cleanup finished the run", summary)
		case <-deadline:
			t.Fatal("the dropped run was not finished by its cleanup")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// The CLI reads what the binding wrote.
func TestCLIReadsRun(t *testing.T) {
	cli := cliPath()
	if cli == "" {
		t.Skip("runlog CLI not found: set RUNLOG_CLI")
	}
	run, _ := newRun(t, Options{Project: "cli", Config: map[string]any{"lr": 0.5}})
	for i := 0; i < 3; i++ {
		must(t, run.Log(map[string]any{"loss": 1 / float64(i+1), "nan": math.NaN()}))
	}
	must(t, run.Finish(2))
	m := showRun(t, cli, run.Dir())
	hist := m["history"].([]any)
	if len(hist) != 3 || m["exit_code"] != 2.0 || m["config"].(map[string]any)["lr"] != 0.5 {
		t.Fatalf("show: %v", m)
	}
	if hist[2].(map[string]any)["nan"] != "NaN" {
		t.Fatalf("NaN through the CLI: %v", hist[2])
	}
}
