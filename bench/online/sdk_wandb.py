"""The production `wandb` SDK (PyPI, Python + its Go wandb-core) logging the
benchmark workload: N rows of 10 scalar metrics, the same keys and values as
bench_online (key k of row i = 1/(i+1) + k*0.001).

Usage: python sdk_wandb.py OUT.json --rows N --project P
The environment (set by run.py) points it at the local server:
WANDB_BASE_URL, WANDB_API_KEY, WANDB_MODE=online, WANDB_DIR/HOME in a temp dir.
Writes {"id", "project", "wandb_version", "seconds": {import, init, log, finish, total}}.
"""
import argparse
import json
import time

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--rows", type=int, required=True)
ap.add_argument("--project", required=True)
args = ap.parse_args()

KEYS = ["train/loss", "train/acc", "train/lr", "val/loss", "val/acc",
        "grad_norm", "throughput", "gpu_util", "epoch_frac", "tokens"]

t0 = time.perf_counter()
import wandb  # noqa: E402

t_import = time.perf_counter()
run = wandb.init(project=args.project, config={"bench": "online", "rows": args.rows})
t_init = time.perf_counter()
for i in range(args.rows):
    base = 1.0 / (i + 1)
    run.log({k: base + j * 0.001 for j, k in enumerate(KEYS)})
t_log = time.perf_counter()
info = {"id": run.id, "project": run.project, "wandb_version": wandb.__version__}
run.finish(exit_code=0)
t_finish = time.perf_counter()
info["seconds"] = {"import": t_import - t0, "init": t_init - t_import, "log": t_log - t_init,
                   "finish": t_finish - t_log, "total": t_finish - t0}
with open(args.out, "w") as f:
    json.dump(info, f)
