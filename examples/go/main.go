// Command train is runlog from Go: it fits y = 3x - 2 + noise with a linear
// model and mini-batch SGD and records the run offline, the way a W&B user
// would (init → config → define_metric → log → summary → finish).
//
//	cd examples/go && go run .              # run goes to ./runlog/
//	WANDB_DIR=/tmp go run .                 # ... or to /tmp/runlog/
//	runlog show latest --dir /tmp           # then look at it
//
// Building needs the C library: see bindings/go/README.md (pkg-config, or
// -tags runlog_local with CGO_LDFLAGS).
package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"time"

	runlog "github.com/runlog/runlog/bindings/go"
)

func main() {
	if err := train(); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		var rerr *runlog.Error
		if errors.As(err, &rerr) {
			fmt.Fprintln(os.Stderr, "runlog status:", rerr.Status)
		}
		os.Exit(1)
	}
}

func train() error {
	const steps, batch = 150, 16
	lr := 0.05
	run, err := runlog.Init(runlog.Options{
		Project: "go-example",
		Mode:    "offline", // default anyway: no account, no network
		Tags:    []string{"go", "example"},
		Config: map[string]any{
			"lr": lr, "batch_size": batch, "steps": steps,
			"model": map[string]any{"kind": "linear", "params": 2},
		},
	})
	if err != nil {
		return err
	}
	defer run.Close() // finishes with exit code 0 unless Finish ran

	// The summary of "loss" is its minimum, of "val.mse" its min and max;
	// "epoch" is the x-axis of the validation metric.
	if err := run.DefineMetric("loss", runlog.MetricOptions{Summary: runlog.SummaryMin}); err != nil {
		return err
	}
	if err := run.DefineMetric("val.mse", runlog.MetricOptions{StepMetric: "epoch",
		Summary: runlog.SummaryMin | runlog.SummaryMax}); err != nil {
		return err
	}

	rng := rand.New(rand.NewSource(1))
	sample := func() (float64, float64) {
		x := rng.Float64()*4 - 2
		return x, 3*x - 2 + rng.NormFloat64()*0.1
	}
	var w, b float64

	for step := 0; step < steps; step++ {
		var gw, gb, loss float64
		for i := 0; i < batch; i++ {
			x, y := sample()
			e := w*x + b - y
			loss += e * e / batch
			gw += 2 * e * x / batch
			gb += 2 * e / batch
		}
		w -= lr * gw
		b -= lr * gb

		// The typed fast path (no JSON) for flat numeric rows. Every Run
		// method is safe from many goroutines, but the staging row is one per
		// run: stage and commit from one goroutine.
		if err := run.Stage("loss", loss); err != nil {
			return err
		}
		if err := run.Stage("w", w); err != nil {
			return err
		}
		if err := run.Stage("b", b); err != nil {
			return err
		}
		if err := run.CommitRow(); err != nil {
			return err
		}

		if (step+1)%50 == 0 { // a nested validation row every "epoch" (JSON path)
			var mse float64
			for i := 0; i < 200; i++ {
				x, y := sample()
				mse += math.Pow(w*x+b-y, 2) / 200
			}
			epoch := (step + 1) / 50
			if err := run.Log(map[string]any{"epoch": epoch, "val": map[string]any{"mse": mse}}); err != nil {
				return err
			}
		}
	}
	// NaN and ±Inf are values like any other (encoding/json would refuse them).
	if err := run.Log(map[string]any{"diverged_loss": math.NaN(), "grad_norm": math.Inf(1)}); err != nil {
		return err
	}
	if err := run.Summary().Update(map[string]any{"w_final": w, "b_final": b}); err != nil {
		return err
	}
	best, err := run.Summary().Get("loss")
	if err != nil {
		return err
	}
	if err := run.Flush(10 * time.Second); err != nil {
		return err
	}
	st, err := run.Stats()
	if err != nil {
		return err
	}
	if err := run.Finish(0); err != nil {
		return err
	}
	fmt.Printf("fitted w=%.3f b=%.3f (true 3, -2); summary of loss: %v; %d rows\n", w, b, best, st.RowsLogged)
	fmt.Printf("run %s (%s) in %s\n", run.ID(), run.Name(), run.Dir())
	fmt.Printf("look at it: runlog show %s\n", run.Dir())
	return nil
}
