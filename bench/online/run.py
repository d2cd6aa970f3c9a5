#!/usr/bin/env python3
"""Online-mode benchmarks of runlog (issue 3, item 10), in one run:

  1. log() latency (median / p99 / max per call) of runlog_log_json and of the
     typed path, offline vs online with the server healthy, down (connection
     refused) and slow (every answer delayed), side by side;
  2. upload throughput: rows/s delivered to the local server by an online run
     (first log -> finish() returned with everything acknowledged) and by
     `runlog sync` of an offline run;
  3. W&B's Python SDK (wandb 0.31.0) and npm @wandb/sdk 0.5.1 logging the same
     workload to the same server, next to runlog: init, log cost per row,
     finish, rows delivered (read back from the server), and ratios.

Everything talks to tests/server/wbserver.py on 127.0.0.1 only. Prints numbers,
never fails on them (exit status 1 only if something did not run or rows were
lost, which the tables also say). See bench/online/README.md.

  bench/online/run.sh [options]          # builds build/release, then runs this
  python3 bench/online/run.py --bench build/release/bench/bench_online \
      --cli build/release/cli/runlog [--smoke] [--no-sdk] ...
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SERVER = os.path.join(ROOT, "tests", "server", "wbserver.py")
API_KEY = "0123456789abcdef0123456789abcdef01234567"
KEYS = ["train/loss", "train/acc", "train/lr", "val/loss", "val/acc",
        "grad_norm", "throughput", "gpu_util", "epoch_frac", "tokens"]

_DROP_ENV = {"REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "NETRC",
             "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}
FAILURES = []


def say(text=""):
    print(text, flush=True)


def clean_env(**extra):
    """No inherited WANDB_* or proxy settings: traffic goes straight to 127.0.0.1."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("WANDB_") and k.upper() not in _DROP_ENV}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def load():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


# ------------------------------------------------------------------ server

class Server:
    """tests/server/wbserver.py in a child process, on 127.0.0.1, random port."""

    def __init__(self, python, work, name, faults=None):
        self.ready = os.path.join(work, name + ".port")
        self.logf = open(os.path.join(work, name + ".log"), "w")
        cmd = [python, SERVER, "--host", "127.0.0.1", "--port", "0", "--ready-file", self.ready,
               "--api-key", API_KEY, "--no-log-bodies", "--max-log", "200",
               "--max-lifetime", "7200", "--exit-with-parent"]
        if faults:
            cmd += ["--faults", json.dumps(faults)]
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT,
                                     env=clean_env(), cwd=work)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(self.ready) and open(self.ready).read().strip():
                break
            if self.proc.poll() is not None:
                raise RuntimeError("wbserver %s exited with %s (see %s.log)" % (name, self.proc.returncode, name))
            time.sleep(0.05)
        else:
            raise RuntimeError("wbserver %s did not start in 30 s" % name)
        self.port = int(open(self.ready).read().strip())
        self.url = "http://127.0.0.1:%d" % self.port

    def admin(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method="POST" if data is not None else "GET",
                                     headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=120) as r:
            return json.loads(r.read().decode())

    def state(self):
        return self.admin("/_admin/state?requests=0&strict=1")

    def reset(self):
        self.admin("/_admin/reset", {})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


def free_port():
    """A port nothing listens on (bound, then closed): connection refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def delivered(srv, project, run_id=None, rows=None):
    """What the server holds for the run: rows, in order, values as logged, exit."""
    st = srv.state()
    runs = [r for r in st["runs"] if r.get("project") == project and (run_id is None or r.get("name") == run_id)]
    if len(runs) != 1:
        return {"rows": 0, "ok": False, "note": "%d runs in project %s on the server" % (len(runs), project)}
    r = runs[0]
    hist = r.get("history") or []
    in_order = all(h.get("_step") == i for i, h in enumerate(hist))
    values_ok = True
    for i in sorted({0, len(hist) // 2, len(hist) - 1}):
        if 0 <= i < len(hist):
            h = hist[i]
            for k, key in enumerate(KEYS):
                v = h.get(key)
                if not isinstance(v, (int, float)) or abs(v - (1.0 / (i + 1) + k * 0.001)) > 1e-9:
                    values_ok = False
    out = {"rows": len(hist), "complete": bool(r.get("complete")), "exitcode": r.get("exitcode"),
           "in_order": in_order, "values_ok": values_ok, "gaps": len(r.get("history_gaps") or []),
           "overwrites": r.get("line_overwrites", 0), "requests": r.get("file_stream_requests"),
           "run_id": r.get("name")}
    out["ok"] = (rows is None or out["rows"] == rows) and out["complete"] and out["exitcode"] == 0 \
        and in_order and values_ok and out["gaps"] == 0
    notes = []
    if rows is not None and out["rows"] != rows:
        notes.append("%d of %d rows" % (out["rows"], rows))
    if not out["complete"]:
        notes.append("not complete")
    if not in_order:
        notes.append("steps out of order")
    if not values_ok:
        notes.append("values differ")
    if out["gaps"]:
        notes.append("%d gaps" % out["gaps"])
    out["note"] = ", ".join(notes)
    return out


def parse_at_lines(text):
    return [json.loads(line[3:]) for line in text.splitlines() if line.startswith("@@ ")]


def run_cmd(cmd, env, timeout, echo=True, cwd=None):
    """Runs cmd; echoes its stdout (minus @@ lines) as it comes; returns (rc, stdout, stderr, seconds)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    out_lines = []
    err_box = []

    import threading

    def pump_err():
        err_box.append(proc.stderr.read())

    th = threading.Thread(target=pump_err, daemon=True)
    th.start()
    deadline = time.time() + timeout
    timed_out = False
    for line in proc.stdout:
        out_lines.append(line)
        if echo and not line.startswith("@@ "):
            sys.stdout.write(line)
            sys.stdout.flush()
        if time.time() > deadline:
            timed_out = True
            break
    try:
        proc.wait(timeout=max(1, deadline - time.time()))
    except subprocess.TimeoutExpired:
        timed_out = True
    if timed_out:
        proc.kill()
        proc.wait()
    th.join(timeout=5)
    secs = time.perf_counter() - t0
    err = "".join(err_box)
    rc = proc.returncode if not timed_out else "TIMEOUT after %ds" % timeout
    return rc, "".join(out_lines), err, secs


def show_stderr(err, limit=12):
    lines = [l for l in err.splitlines() if l.strip()]
    for l in lines[:limit]:
        say("    stderr: " + l)
    if len(lines) > limit:
        say("    stderr: ... (%d more lines)" % (len(lines) - limit))


def fmt_s(v):
    return "-" if v is None else "%.3f" % v


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return "-"
    r = a / b
    return ("%.2fx" if r < 10 else "%.0fx") % r


# ------------------------------------------------------------------ phases

def phase_latency(a, healthy, slow, down_url, env):
    say("== 1. log() latency per call: offline vs online (server healthy / down / slow) ==")
    say("   down = %s (nothing listens: connection refused); slow = every answer delayed %d ms"
        % (down_url, a.slow_ms))
    cmd = [a.bench, "latency", "--api-key", API_KEY,
           "--scenario", "offline=", "--scenario", "healthy=" + healthy.url,
           "--scenario", "down=" + down_url, "--scenario", "slow=" + slow.url,
           "--burst", str(a.burst), "--paced-rate", str(a.paced_rate), "--paced-seconds", str(a.paced_seconds),
           "--repeat", str(a.repeat), "--retry-min-ms", str(a.retry_min_ms), "--retry-max-ms", str(a.retry_max_ms),
           "--transmit-ms", str(a.transmit_ms),
           "--dir", os.path.join(a.work, "runs-latency")]
    if a.smoke:
        cmd += ["--upload-timeout-ms", "500"]
    os.makedirs(os.path.join(a.work, "runs-latency"), exist_ok=True)
    rc, out, err, secs = run_cmd(cmd, env, timeout=1800)
    res = parse_at_lines(out)
    if rc != 0:
        FAILURES.append("latency: bench_online exited %s" % rc)
        show_stderr(err)
    say("   (%.0f s; load average now %s)" % (secs, load()))
    healthy.reset()  # the upload phase reads the server state back: start it empty
    return res


def runlog_upload(a, srv, env, rows, path, project, label, transmit_ms=None):
    cmd = [a.bench, "upload", "--url", srv.url, "--api-key", API_KEY, "--rows", str(rows), "--path", path,
           "--project", project, "--dir", os.path.join(a.work, "runs-upload")]
    if transmit_ms:
        cmd += ["--transmit-ms", str(transmit_ms)]
    os.makedirs(os.path.join(a.work, "runs-upload"), exist_ok=True)
    rc, out, err, secs = run_cmd(cmd, env, timeout=a.timeout, echo=False)
    res = (parse_at_lines(out) or [{}])[-1]
    res["rc"] = rc
    if rc != 0 or not res:
        FAILURES.append("%s: bench_online upload exited %s" % (label, rc))
        say("   %s: bench_online upload exited %s" % (label, rc))
        show_stderr(err)
    d = delivered(srv, project, res.get("run_id"), rows)
    res["delivered"] = d
    if not d["ok"]:
        FAILURES.append("%s: server has %s" % (label, d["note"]))
    srv.reset()
    return res


def phase_upload(a, srv, env):
    say()
    say("== 2. upload throughput to the local server (%d rows x 10 metrics) ==" % a.upload_rows)
    results = {}
    hdr = "%-28s %9s %9s %9s %11s %10s  %s" % ("what", "log s", "finish s", "total s", "rows/s", "delivered",
                                                "check")
    say(hdr)
    for path, transmit in (("typed", None), ("json", None), ("typed", 250)):
        label = "online %s (log+finish)" % path if not transmit else "online %s, transmit %.2f s" % (
            path, transmit / 1000)
        r = runlog_upload(a, srv, env, a.upload_rows, path, "up-%s-%s-%d" % (path, transmit, os.getpid()), label,
                          transmit_ms=transmit)
        results["online_%s%s" % (path, "_transmit%d" % transmit if transmit else "")] = r
        d = r["delivered"]
        tot = r.get("total_s")
        say("%-28s %9s %9s %9s %11s %10s  %s" % (
            label, fmt_s(r.get("log_s")), fmt_s(r.get("finish_s")), fmt_s(tot),
            "%.0f" % (a.upload_rows / tot) if tot else "-", "%d/%d" % (d["rows"], a.upload_rows),
            "ok" if d["ok"] else "PROBLEM: " + d["note"]))

    # runlog sync of an offline run
    sync_dir = os.path.join(a.work, "runs-sync")
    os.makedirs(sync_dir, exist_ok=True)
    project = "sync-%d" % os.getpid()
    rc, out, err, secs = run_cmd([a.bench, "offline", "--rows", str(a.sync_rows), "--path", "typed",
                                  "--project", project, "--dir", sync_dir], env, timeout=a.timeout, echo=False)
    off = (parse_at_lines(out) or [{}])[-1]
    if rc != 0 or "run_dir" not in off:
        FAILURES.append("sync: the offline run was not written (%s)" % rc)
        show_stderr(err)
        return results
    senv = dict(env, WANDB_BASE_URL=srv.url, WANDB_API_KEY=API_KEY)
    before = srv.state().get("request_count", 0)
    rc1, out1, err1, secs1 = run_cmd([a.cli, "sync", off["run_dir"]], senv, timeout=a.timeout, echo=False)
    d = delivered(srv, project, off.get("run_id"), a.sync_rows)
    mid = srv.state().get("request_count", 0)
    rc2, out2, err2, secs2 = run_cmd([a.cli, "sync", off["run_dir"]], senv, timeout=a.timeout, echo=False)
    after = srv.state().get("request_count", 0)
    label = "runlog sync (offline run)"
    say("%-28s %9s %9s %9s %11s %10s  %s" % (
        label, "-", "-", fmt_s(secs1), "%.0f" % (a.sync_rows / secs1), "%d/%d" % (d["rows"], a.sync_rows),
        ("ok" if d["ok"] else "PROBLEM: " + d["note"]) + "; %d requests" % (mid - before)))
    say("%-28s %9s %9s %9s %11s %10s  %s" % (
        "second runlog sync", "-", "-", fmt_s(secs2), "-", "-",
        "%d requests; says: %s" % (after - mid, " ".join(out2.split()[:7]))))
    if rc1 != 0:
        FAILURES.append("runlog sync exited %s" % rc1)
        show_stderr(err1)
        say("    stdout: " + out1.strip()[-300:])
    if not d["ok"]:
        FAILURES.append("runlog sync: server has %s" % d["note"])
    if after - mid != 0 or rc2 != 0:
        FAILURES.append("second runlog sync: exit %s, %d requests (expected 0)" % (rc2, after - mid))
    results["sync"] = {"offline": off, "sync_s": secs1, "rows_per_s": a.sync_rows / secs1, "delivered": d,
                       "requests": mid - before, "second_sync_s": secs2, "second_sync_requests": after - mid,
                       "second_sync_output": out2.strip()}
    srv.reset()
    say("   note: rows/s counts history rows; each also carries _step, _runtime, _timestamp. "
        "Load average now %s." % load())
    return results


def sdk_python(a, srv, rows, project):
    work = tempfile.mkdtemp(prefix="wandb-py-", dir=a.work)
    out = os.path.join(work, "out.json")
    env = clean_env(
        WANDB_BASE_URL=srv.url, WANDB_API_KEY=API_KEY, WANDB_MODE="online",
        WANDB_DISABLE_GIT="true", WANDB__DISABLE_SETPROCTITLE="true", WANDB_DISABLE_CODE="true",
        WANDB_ERROR_REPORTING="false", WANDB_DIR=work, WANDB_CONFIG_DIR=os.path.join(work, "config"),
        WANDB_CACHE_DIR=os.path.join(work, "cache"), WANDB_DATA_DIR=os.path.join(work, "data"),
        HOME=work, PYTHONUNBUFFERED="1")
    rc, o, e, secs = run_cmd([a.wandb_python, os.path.join(HERE, "sdk_wandb.py"), out, "--rows", str(rows),
                              "--project", project], env, timeout=a.timeout, echo=False, cwd=work)
    res = json.load(open(out)) if os.path.exists(out) else {}
    res["rc"] = rc
    res["wall_s"] = secs
    if rc != 0:
        say("   wandb (Python) exited %s" % rc)
        show_stderr(e)
    res["delivered"] = delivered(srv, project, res.get("id"), rows)
    srv.reset()
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return res


def sdk_js(a, srv, rows, project):
    work = tempfile.mkdtemp(prefix="wandb-js-", dir=a.work)
    out = os.path.join(work, "out.json")
    env = clean_env(WANDB_BASE_URL=srv.url, WANDB_API_KEY=API_KEY, HOME=work)
    rc, o, e, secs = run_cmd([a.node, os.path.join(HERE, "sdk_wandb_js.mjs"), out, str(rows), project, a.js_dir],
                             env, timeout=a.timeout, echo=False, cwd=work)
    res = json.load(open(out)) if os.path.exists(out) else {}
    res["rc"] = rc
    res["wall_s"] = secs
    if rc != 0:
        say("   @wandb/sdk exited %s" % rc)
        show_stderr(e)
    res["delivered"] = delivered(srv, project, None, rows)
    srv.reset()
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return res


def phase_sdks(a, srv, env):
    say()
    say("== 3. same workload, same server: runlog vs wandb %s (Python) vs @wandb/sdk %s (Node) =="
        % (a.wandb_version or "?", a.js_version or "?"))
    say("   each row: 10 scalar metrics (same keys and values); one process per client; rows read back "
        "from the server")
    all_res = {}
    for rows in a.sdk_rows:
        say()
        say("%-22s %8s %8s %12s %9s %9s %11s  %s" % (
            "client (%d rows)" % rows, "import s", "init s", "log us/row", "finish s", "total s", "delivered",
            "check"))
        res = {}
        tag = "%d-%d" % (rows, os.getpid())
        for path in ("typed", "json"):
            r = runlog_upload(a, srv, env, rows, path, "cmp-runlog-%s-%s" % (path, tag), "runlog %s %d" % (path, rows))
            res["runlog " + path] = {"import": 0.0, "init": r.get("init_s"), "log": r.get("log_s"),
                                     "finish": r.get("finish_s"), "total": None, "delivered": r["delivered"],
                                     "rc": r.get("rc")}
        if a.wandb_python:
            r = sdk_python(a, srv, rows, "cmp-wandb-py-" + tag)
            s = r.get("seconds", {})
            res["wandb (Python)"] = {"import": s.get("import"), "init": s.get("init"), "log": s.get("log"),
                                     "finish": s.get("finish"), "delivered": r["delivered"], "rc": r["rc"]}
        if a.node:
            r = sdk_js(a, srv, rows, "cmp-wandb-js-" + tag)
            s = r.get("seconds", {})
            res["@wandb/sdk (Node)"] = {"import": s.get("import"), "init": s.get("init"), "log": s.get("log"),
                                        "finish": s.get("finish"), "delivered": r["delivered"], "rc": r["rc"]}
        for name, r in res.items():
            parts = [r.get("init"), r.get("log"), r.get("finish")]
            r["total"] = sum(parts) if all(p is not None for p in parts) else None
            d = r["delivered"]
            say("%-22s %8s %8s %12s %9s %9s %11s  %s" % (
                name, fmt_s(r.get("import")), fmt_s(r.get("init")),
                "%.2f" % (r["log"] / rows * 1e6) if r.get("log") is not None else "-",
                fmt_s(r.get("finish")), fmt_s(r["total"]), "%d/%d" % (d["rows"], rows),
                "ok" if d["ok"] else "PROBLEM: " + d["note"]))
            if not d["ok"] and name.startswith("runlog"):
                FAILURES.append("%s %d rows: %s" % (name, rows, d["note"]))
        base = res.get("runlog typed")
        say("  ratios (client / runlog typed):  %-10s %-10s %-10s %-10s" % ("init", "log/row", "finish", "total"))
        for name, r in res.items():
            if name == "runlog typed":
                continue
            say("  %-32s %-10s %-10s %-10s %-10s" % (
                name, ratio(r.get("init"), base.get("init")), ratio(r.get("log"), base.get("log")),
                ratio(r.get("finish"), base.get("finish")), ratio(r.get("total"), base.get("total"))))
        all_res[rows] = res
    say("   total = init + log + finish (import excluded). Load average now %s." % load())
    return all_res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help="bench_online executable (Release build)")
    ap.add_argument("--cli", required=True, help="runlog CLI executable (for `runlog sync`)")
    ap.add_argument("--python", default=sys.executable, help="Python that runs the server (stdlib only)")
    ap.add_argument("--work", default=None, help="scratch directory (default: a temp dir, removed)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, no SDKs: checks that everything runs")
    ap.add_argument("--burst", type=int, default=20000, help="latency: rows back to back (default 20000)")
    ap.add_argument("--paced-rate", type=float, default=1000, help="latency: paced rows/s (default 1000)")
    ap.add_argument("--paced-seconds", type=float, default=5, help="latency: paced duration (default 5)")
    ap.add_argument("--repeat", type=int, default=3, help="latency: runs per scenario, interleaved (default 3)")
    ap.add_argument("--transmit-ms", type=int, default=250,
                    help="latency: online runs' transmit interval, ms (default 250: uploads while logging)")
    ap.add_argument("--retry-min-ms", type=int, default=200, help="latency: first retry wait, ms (default 200)")
    ap.add_argument("--retry-max-ms", type=int, default=1000, help="latency: retry wait cap, ms (default 1000)")
    ap.add_argument("--slow-ms", type=int, default=1000, help="slow server: delay of every answer (default 1000)")
    ap.add_argument("--upload-rows", type=int, default=100000, help="online upload rows (default 100000)")
    ap.add_argument("--sync-rows", type=int, default=100000, help="offline run synced (default 100000)")
    ap.add_argument("--sdk-rows", default="10000,50000", help="SDK comparison sizes (default 10000,50000)")
    ap.add_argument("--no-sdk", action="store_true", help="leave out the W&B SDKs")
    ap.add_argument("--wandb-python", default=os.path.join(ROOT, "build", "wbserver", "venv", "bin", "python"),
                    help="Python with wandb==0.31.0 (default: tests/server/run_tests.sh's venv)")
    ap.add_argument("--node", default=shutil.which("node"), help="node for @wandb/sdk")
    ap.add_argument("--js-dir", default=os.path.join(ROOT, "tests", "server", "js"),
                    help="directory whose node_modules has @wandb/sdk 0.5.1")
    ap.add_argument("--skip", default="", help="comma list of phases to skip: latency,upload,sdk")
    ap.add_argument("--timeout", type=int, default=900, help="limit per client process, s (default 900)")
    a = ap.parse_args()
    a.bench = os.path.abspath(a.bench)
    a.cli = os.path.abspath(a.cli)
    skip = set(filter(None, a.skip.split(",")))
    if a.smoke:
        a.burst, a.paced_rate, a.paced_seconds, a.repeat = 300, 200, 0.25, 1
        a.upload_rows = a.sync_rows = 500
        a.slow_ms = min(a.slow_ms, 300)
        a.timeout = min(a.timeout, 120)
        if not a.no_sdk and "--sdk-rows" not in sys.argv:
            a.no_sdk = True
    a.sdk_rows = [int(x) for x in a.sdk_rows.split(",") if x]

    tmp_made = a.work is None
    if tmp_made:
        a.work = tempfile.mkdtemp(prefix="runlog-bench-online-")
    else:
        if os.path.isdir(a.work):
            shutil.rmtree(a.work, ignore_errors=True)
        os.makedirs(a.work, exist_ok=True)
    a.work = os.path.abspath(a.work)

    # The reference clients, when present.
    a.wandb_version = a.js_version = None
    if a.no_sdk or "sdk" in skip:
        a.wandb_python = a.node = None
    else:
        if a.wandb_python and os.path.exists(a.wandb_python):
            try:
                a.wandb_version = subprocess.run(
                    [a.wandb_python, "-c", "import wandb; print(wandb.__version__)"], env=clean_env(),
                    capture_output=True, text=True, timeout=120).stdout.strip() or None
            except (OSError, subprocess.TimeoutExpired):
                a.wandb_version = None
        if not a.wandb_version:
            say("note: no wandb at %s (run tests/server/run_tests.sh once): Python SDK left out" % a.wandb_python)
            a.wandb_python = None
        pkg = os.path.join(a.js_dir, "node_modules", "@wandb", "sdk", "package.json")
        if a.node and os.path.exists(pkg):
            a.js_version = json.load(open(pkg)).get("version")
        else:
            say("note: no node or no %s (run tests/server/run_tests.sh once): @wandb/sdk left out" % pkg)
            a.node = None

    env = clean_env()
    version = subprocess.run([a.cli, "version"], capture_output=True, text=True, env=env).stdout.strip()
    say("runlog online benchmarks — %s" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    say("machine: %s, %d CPUs, load average %s (uptime: %s)" % (
        os.uname().machine, os.cpu_count() or 0, load(),
        subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()))
    say("runlog: %s (%s); server: tests/server/wbserver.py (Python %s, threaded, on this machine)" % (
        version or "?", a.bench, sys.version.split()[0] if a.python == sys.executable else a.python))
    say("clients: wandb %s, @wandb/sdk %s, node %s%s" % (
        a.wandb_version or "-", a.js_version or "-",
        subprocess.run([a.node, "--version"], capture_output=True, text=True).stdout.strip() if a.node else "-",
        "  [smoke: tiny sizes, numbers mean nothing]" if a.smoke else ""))
    say()

    results = {"load_start": load()}
    healthy = slow = None
    try:
        healthy = Server(a.python, a.work, "healthy")
        slow = Server(a.python, a.work, "slow", faults=[{"endpoint": "any", "delay_ms": a.slow_ms}])
        down_url = "http://127.0.0.1:%d" % free_port()
        if "latency" not in skip:
            results["latency"] = phase_latency(a, healthy, slow, down_url, env)
        if "upload" not in skip:
            results["upload"] = phase_upload(a, healthy, env)
        if "sdk" not in skip and not (a.smoke and a.no_sdk):
            results["sdk"] = {str(k): v for k, v in phase_sdks(a, healthy, env).items()}
        # The servers' own health: exceptions would make the numbers meaningless.
        for srv, name in ((healthy, "healthy"), (slow, "slow")):
            errs = srv.state().get("errors") or []
            if errs:
                FAILURES.append("server %s logged %d exceptions (see %s/%s.log)" % (name, len(errs), a.work, name))
    finally:
        for s in (healthy, slow):
            if s:
                s.stop()
    results["load_end"] = load()
    results["failures"] = FAILURES
    with open(os.path.join(a.work, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    say()
    say("load average at the end: %s" % load())
    if FAILURES:
        say("PROBLEMS (not speed):")
        for f in FAILURES:
            say("  - " + f)
    else:
        say("every run delivered every row (checked on the server); no speed is asserted")
    if tmp_made and not a.keep and not FAILURES:
        shutil.rmtree(a.work, ignore_errors=True)
    else:
        say("scratch directory (results.json, server logs): %s" % a.work)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
