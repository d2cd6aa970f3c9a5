package runlog

// Replays the language-neutral scenarios of tests/conformance/*.json (format
// in tests/conformance/README.md) through this binding's API, twice:
//
//   - "json":  rows, config and summary updates go through LogJSON /
//     UpdateJSON with the scenario's exact text, reads through JSON();
//   - "typed": whenever the call is expected to succeed, the scenario's text
//     is decoded into a map[string]any and passed to Log / Update, so the Go
//     encoder (NaN, nesting, numbers) is checked against the same
//     expectations; reads go through Get / All.
//
// The finished run is read back with `runlog show DIR --json` ($RUNLOG_CLI).
// RUNLOG_CONFORMANCE_DIR overrides the scenario directory.

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

func conformanceDir() string {
	if d := os.Getenv("RUNLOG_CONFORMANCE_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "tests", "conformance")
}

type scenario struct {
	Name    string           `json:"name"`
	Options map[string]any   `json:"options"`
	Calls   []map[string]any `json:"calls"`
	Expect  map[string]any   `json:"expect"`
}

func TestConformance(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(conformanceDir(), "*.json"))
	if len(files) == 0 {
		t.Skipf("no scenarios in %s", conformanceDir())
	}
	cli := cliPath()
	if cli == "" {
		t.Skip("runlog CLI not found: set RUNLOG_CLI to replay the conformance scenarios")
	}
	t.Setenv("WANDB_SILENT", "true")
	for _, env := range []string{"WANDB_RUN_ID", "WANDB_RESUME", "WANDB_MODE", "WANDB_DIR", "WANDB_PROJECT", "WANDB_NAME", "WANDB_ENTITY"} {
		if _, ok := os.LookupEnv(env); ok {
			t.Setenv(env, "")
			os.Unsetenv(env)
		}
	}
	for _, mode := range []string{"json", "typed"} {
		t.Run(mode, func(t *testing.T) {
			for _, f := range files {
				name := strings.TrimSuffix(filepath.Base(f), ".json")
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					replay(t, f, mode == "typed", cli)
				})
			}
		})
	}
}

func replay(t *testing.T, file string, typed bool, cli string) {
	data, err := os.ReadFile(file)
	must(t, err)
	var sc scenario
	if err := json.Unmarshal(data, &sc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	dir, err := os.MkdirTemp("", "runlog-go-conformance-"+sc.Name+"-")
	must(t, err)
	defer func() {
		if t.Failed() {
			t.Logf("kept the run directory %s", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()

	o := Options{Dir: dir, Silent: Bool(true)}
	for k, v := range sc.Options {
		switch k {
		case "project":
			o.Project = v.(string)
		case "name":
			o.Name = v.(string)
		case "mode":
			o.Mode = v.(string)
		case "config":
			o.Config = v.(map[string]any)
		case "max_payload_bytes":
			o.MaxPayloadBytes = uint64(v.(float64))
		default:
			t.Fatalf("unknown option %q: this replayer must learn it", k)
		}
	}
	run, err := Init(o)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	defer run.Close()
	runDir := run.Dir()

	var stats *Stats
	readStats := func() {
		if stats == nil && !run.Finished() {
			st, err := run.Stats()
			must(t, err)
			stats = &st
		}
	}

	for i, call := range sc.Calls {
		op, _ := call["op"].(string)
		where := fmt.Sprintf("calls[%d] (%s)", i, op)
		expect := "RUNLOG_OK"
		if e, ok := call["expect"].(string); ok {
			expect = e
		}
		useTyped := typed && expect == "RUNLOG_OK"
		var got any // value read by a get op
		var err error
		switch op {
		case "log":
			text := callText(t, call, where)
			opts := callLogOptions(call)
			if m, ok := decodeMap(text); useTyped && ok {
				err = run.Log(m, opts...)
			} else {
				err = run.LogJSON(text, opts...)
			}
		case "stage_double":
			key := call["key"].(string)
			var v float64
			switch x := call["value"].(type) {
			case float64:
				v = x
			case string:
				v = map[string]float64{"NaN": math.NaN(), "Infinity": math.Inf(1), "-Infinity": math.Inf(-1)}[x]
			}
			err = run.Stage(key, v)
		case "stage_int":
			err = run.StageInt(call["key"].(string), int64(call["value"].(float64)))
		case "commit_row":
			err = run.CommitRow(callLogOptions(call)...)
		case "config_update":
			text := callText(t, call, where)
			if m, ok := decodeMap(text); useTyped && ok {
				err = run.Config().Update(m)
			} else {
				err = run.Config().UpdateJSON(text)
			}
		case "summary_update":
			text := callText(t, call, where)
			if m, ok := decodeMap(text); useTyped && ok {
				err = run.Summary().Update(m)
			} else {
				err = run.Summary().UpdateJSON(text)
			}
		case "config_get":
			if typed {
				var m map[string]any
				m, err = run.Config().All()
				got = m
			} else {
				var b []byte
				if b, err = run.Config().JSON(); err == nil {
					got, err = decodeJSON(b)
				}
			}
		case "summary_get":
			key, _ := call["key"].(string)
			switch {
			case typed && key == "":
				var m map[string]any
				m, err = run.Summary().All()
				got = m
			case typed:
				got, err = run.Summary().Get(key)
			default:
				var b []byte
				if b, err = run.Summary().KeyJSON(key); err == nil {
					got, err = decodeJSON(b)
				}
			}
		case "define_metric":
			mo := MetricOptions{}
			if s, ok := call["step_metric"].(string); ok {
				mo.StepMetric = s
			}
			if list, ok := call["summary"].([]any); ok {
				for _, s := range list {
					op, ok := map[string]SummaryOp{"min": SummaryMin, "max": SummaryMax, "mean": SummaryMean,
						"first": SummaryFirst, "last": SummaryLast, "none": SummaryNone}[s.(string)]
					if !ok {
						t.Fatalf("%s: unknown summary %v", where, s)
					}
					mo.Summary |= op
				}
			}
			if h, ok := call["hidden"].(bool); ok {
				mo.Hidden = h
			}
			switch call["step_sync"] {
			case "yes":
				mo.StepSync = Bool(true)
			case "no":
				mo.StepSync = Bool(false)
			}
			err = run.DefineMetric(call["name"].(string), mo)
		case "flush":
			ms := 10000.0
			if v, ok := call["timeout_ms"].(float64); ok {
				ms = v
			}
			err = run.Flush(time.Duration(ms) * time.Millisecond)
		case "finish":
			code := 0
			if v, ok := call["exit_code"].(float64); ok {
				code = int(v)
			}
			if run.Finished() {
				// Finish is idempotent in Go by design (a second call
				// returns nil); the C tombstone's RUNLOG_E_FINISHED is
				// what every other call returns, checked by the other ops.
				if expect != "RUNLOG_E_FINISHED" {
					t.Errorf("%s: second finish expected %s", where, expect)
				}
				if err := run.Finish(code); err != nil {
					t.Errorf("%s: a second Finish must return nil, got %v", where, err)
				}
				continue
			}
			readStats()
			err = run.Finish(code)
		default:
			t.Fatalf("%s: unknown op %q: this replayer must learn it", where, op)
		}
		checkStatus(t, where, expect, err)
		if want, ok := call["expect_json"]; ok && err == nil {
			var ignore []string
			if op == "summary_get" && call["key"] == nil {
				ignore = []string{"_runtime", "_timestamp", "_wandb"}
			} else if op == "config_get" {
				ignore = []string{"_wandb"}
			}
			for _, d := range diffJSON(where, want, normalize(got), ignore) {
				t.Error(d)
			}
		}
	}
	if !run.Finished() {
		readStats()
		if err := run.Finish(0); err != nil {
			t.Fatalf("implicit finish: %v", err)
		}
	}

	if want, ok := sc.Expect["stats"].(map[string]any); ok {
		if stats == nil {
			t.Fatal("no stats read before finish")
		}
		have := map[string]float64{"step": float64(stats.Step), "rows_logged": float64(stats.RowsLogged),
			"steps_refused": float64(stats.StepsRefused), "rows_refused_queue_full": float64(stats.RowsRefusedQueueFull)}
		for k, v := range want {
			h, ok := have[k]
			if !ok {
				t.Errorf("stats.%s: unknown field", k)
			} else if h != v.(float64) {
				t.Errorf("stats.%s: expected %v, got %v", k, v, h)
			}
		}
	}

	show := showRun(t, cli, runDir)
	if want, ok := sc.Expect["rows"].([]any); ok {
		got, _ := show["history"].([]any)
		if len(got) != len(want) {
			t.Errorf("rows: expected %d rows, got %d: %v", len(want), len(got), got)
		} else {
			for i := range want {
				row, _ := got[i].(map[string]any)
				for _, k := range []string{"_runtime", "_timestamp"} {
					if _, isNum := row[k].(float64); !isNum {
						t.Errorf("rows[%d].%s: missing or not a number: %v", i, k, row[k])
					}
				}
				for _, d := range diffJSON(fmt.Sprintf("rows[%d]", i), want[i], got[i], []string{"_runtime", "_timestamp"}) {
					t.Error(d)
				}
			}
		}
	}
	if want, ok := sc.Expect["summary"]; ok {
		for _, d := range diffJSON("summary", want, show["summary"], []string{"_runtime", "_timestamp", "_wandb"}) {
			t.Error(d)
		}
	}
	if want, ok := sc.Expect["config"]; ok {
		for _, d := range diffJSON("config", want, show["config"], []string{"_wandb"}) {
			t.Error(d)
		}
	}
	if want, ok := sc.Expect["exit_code"]; ok {
		if show["exit_code"] != want {
			t.Errorf("exit_code: expected %v, got %v", want, show["exit_code"])
		}
	}
}

func callText(t *testing.T, call map[string]any, where string) []byte {
	if s, ok := call["json"].(string); ok {
		return []byte(s)
	}
	if h, ok := call["json_hex"].(string); ok {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatalf("%s: json_hex: %v", where, err)
		}
		return b
	}
	t.Fatalf("%s: neither json nor json_hex", where)
	return nil
}

func callLogOptions(call map[string]any) []LogOption {
	var opts []LogOption
	if s, ok := call["step"].(float64); ok {
		opts = append(opts, WithStep(int64(s)))
	}
	switch call["commit"] {
	case "yes":
		opts = append(opts, WithCommit(true))
	case "no":
		opts = append(opts, WithCommit(false))
	}
	return opts
}

func decodeMap(text []byte) (map[string]any, bool) {
	v, err := decodeJSON(text)
	if err != nil {
		return nil, false
	}
	m, ok := v.(map[string]any)
	return m, ok
}

func checkStatus(t *testing.T, where, expect string, err error) {
	t.Helper()
	if expect == "RUNLOG_OK" {
		if err != nil {
			t.Errorf("%s: expected RUNLOG_OK, got %v", where, err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s: expected %s, got %v", where, expect, err)
		return
	}
	if e.Status.Name() != expect {
		t.Errorf("%s: expected %s, got %s (%s)", where, expect, e.Status.Name(), e.Message)
	}
	if e.Message == "" {
		t.Errorf("%s: %s without a message", where, expect)
	}
}

// normalize turns non-finite floats into the strings the scenarios use.
func normalize(v any) any {
	switch x := v.(type) {
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}

// diffJSON compares by the README's rules; ignore lists top-level keys
// compared only when want has them.
func diffJSON(path string, want, got any, ignore []string) []string {
	var diffs []string
	var walk func(path string, want, got any, top bool)
	walk = func(path string, want, got any, top bool) {
		switch w := want.(type) {
		case float64:
			g, ok := got.(float64)
			if !ok || math.Abs(w-g) > 1e-9*math.Max(1, math.Max(math.Abs(w), math.Abs(g))) {
				diffs = append(diffs, fmt.Sprintf("%s: expected %v, got %#v", path, w, got))
			}
		case map[string]any:
			g, ok := got.(map[string]any)
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s: expected an object %v, got %#v", path, w, got))
				return
			}
			keys := map[string]bool{}
			for k := range w {
				keys[k] = true
			}
			for k := range g {
				skip := false
				if top {
					for _, ig := range ignore {
						if k == ig {
							if _, inWant := w[k]; !inWant {
								skip = true
							}
						}
					}
				}
				if !skip {
					keys[k] = true
				}
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			for _, k := range sorted {
				wv, inW := w[k]
				gv, inG := g[k]
				switch {
				case !inW:
					diffs = append(diffs, fmt.Sprintf("%s.%s: unexpected key (value %v)", path, k, gv))
				case !inG:
					diffs = append(diffs, fmt.Sprintf("%s.%s: missing (expected %v)", path, k, wv))
				default:
					walk(path+"."+k, wv, gv, false)
				}
			}
		case []any:
			g, ok := got.([]any)
			if !ok || len(g) != len(w) {
				diffs = append(diffs, fmt.Sprintf("%s: expected %v, got %#v", path, w, got))
				return
			}
			for i := range w {
				walk(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], false)
			}
		default:
			if want != got {
				diffs = append(diffs, fmt.Sprintf("%s: expected %#v, got %#v", path, want, got))
			}
		}
	}
	walk(path, want, got, true)
	return diffs
}
