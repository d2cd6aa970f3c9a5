package runlog

import (
	"math"
	"testing"
)

func benchRun(b *testing.B) *Run {
	run, err := Init(Options{Dir: b.TempDir(), Silent: Bool(true), Durability: DurabilityNone})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = run.Close() })
	return run
}

// A 10-key row through the map encoder and runlog_log_json.
func BenchmarkLogMap10(b *testing.B) {
	run := benchRun(b)
	row := map[string]any{}
	for i := 0; i < 10; i++ {
		row["metric_"+string(rune('a'+i))] = float64(i) * 0.1
	}
	row["metric_a"] = math.NaN()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := run.Log(row); err != nil {
			b.Fatal(err)
		}
	}
}

// The same row as ready JSON text.
func BenchmarkLogJSON10(b *testing.B) {
	run := benchRun(b)
	text := []byte(`{"metric_a":NaN,"metric_b":0.1,"metric_c":0.2,"metric_d":0.30000000000000004,"metric_e":0.4,"metric_f":0.5,"metric_g":0.6000000000000001,"metric_h":0.7000000000000001,"metric_i":0.8,"metric_j":0.9}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := run.LogJSON(text); err != nil {
			b.Fatal(err)
		}
	}
}

// The typed path: 10 Stage calls and a CommitRow.
func BenchmarkStageCommit10(b *testing.B) {
	run := benchRun(b)
	keys := make([]string, 10)
	for i := range keys {
		keys[i] = "metric_" + string(rune('a'+i))
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for k, key := range keys {
			if err := run.Stage(key, float64(k)*0.1); err != nil {
				b.Fatal(err)
			}
		}
		if err := run.CommitRow(); err != nil {
			b.Fatal(err)
		}
	}
}
