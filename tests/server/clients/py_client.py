"""Drive the production `wandb` SDK against the test server.

Usage: python py_client.py OUT.json [--rows N] [--run-id ID] [--resume MODE]
Environment: WANDB_BASE_URL, WANDB_API_KEY, WANDB_MODE=online, ... (set by
the test). Prints nothing the test relies on; writes timings and run
identity to OUT.json.
"""
import argparse
import json
import time

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--rows", type=int, default=20)
ap.add_argument("--project", default="fidelity-py")
ap.add_argument("--run-id", default=None)
ap.add_argument("--resume", default=None)
ap.add_argument("--exit-code", type=int, default=0)
ap.add_argument("--until-stopped", type=float, default=0,
                help="log a row every 0.2 s for up to this many seconds, until the run is stopped")
args = ap.parse_args()

t0 = time.perf_counter()
import wandb  # noqa: E402

t_import = time.perf_counter()
run = wandb.init(project=args.project, id=args.run_id, resume=args.resume,
                 config={"lr": 0.01, "layers": 3, "model": {"depth": 3, "act": "relu"}},
                 tags=["fidelity", "py"], group="fidelity-group", job_type="train",
                 notes="runlog fidelity test")
t_init = time.perf_counter()
run.config.update({"batch_size": 32})
print("fidelity: training started")
for i in range(args.rows):
    if i % 10 == 0:
        print("fidelity: step %d" % i)
    run.log({"loss": 1.0 / (i + 1), "acc": i / args.rows, "nested": {"x": i}})
if args.until_stopped:
    # Stopping a run from the server (UI "Stop"): wandb interrupts the main
    # thread with KeyboardInterrupt and finishes the run with exit code 255.
    deadline = time.time() + args.until_stopped
    i = args.rows
    with open(args.out + ".looping", "w") as f:  # tells the test it may stop the run now
        f.write(run.id)
    try:
        while time.time() < deadline:
            run.log({"tick": i})
            i += 1
            time.sleep(0.2)
    except KeyboardInterrupt:
        with open(args.out, "w") as f:
            json.dump({"id": run.id, "interrupted": True, "ticks": i - args.rows}, f)
        raise
t_log = time.perf_counter()
run.summary["best_acc"] = 0.99
run.summary["final"] = "done"
t_summary = time.perf_counter()
info = {"id": run.id, "entity": run.entity, "project": run.project, "name": run.name,
        "url": run.url, "wandb_version": wandb.__version__}
run.finish(exit_code=args.exit_code)
t_finish = time.perf_counter()
info["seconds"] = {"import": t_import - t0, "init": t_init - t_import, "log": t_log - t_init,
                   "summary": t_summary - t_log, "finish": t_finish - t_summary,
                   "total": t_finish - t0}
with open(args.out, "w") as f:
    json.dump(info, f)
