#!/usr/bin/env python3
"""Online-mode integration scenarios (issue 3, item 9), Python stdlib only.

Each test starts the local W&B-protocol server (tests/server/wbserver.py) on
127.0.0.1 with a random port, runs the C driver (online_driver.c, written
against runlog.h only) and the `runlog` CLI, and checks what the server
recorded through its admin API (GET /_admin/state). Every test works in its
own temporary directory with HOME, WANDB_DIR and NETRC pointing into it and
every inherited WANDB_* / proxy / CA variable removed, so no real ~/.netrc,
key or server is ever used: all traffic goes to 127.0.0.1.

Paths come from the environment (CMake sets them, see CMakeLists.txt):
  RUNLOG_ONLINE_DRIVER  the driver executable
  RUNLOG_ONLINE_CLI     the runlog CLI
  RUNLOG_ONLINE_SERVER  tests/server/wbserver.py (default: next to this file)
  RUNLOG_ONLINE_PYTHON  the python3 running the server (default: this one)
  RUNLOG_ONLINE_KEEP=1  keep the temporary directories (their paths are printed)

  python3 tests/online/test_online.py -v                 # every scenario
  python3 tests/online/test_online.py -v Faults          # one class
  python3 tests/online/test_online.py -v Resume.test_allow_continues_a_local_and_server_run
"""
import base64
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DRIVER = os.environ.get("RUNLOG_ONLINE_DRIVER", "")
CLI = os.environ.get("RUNLOG_ONLINE_CLI", "")
SERVER = os.environ.get("RUNLOG_ONLINE_SERVER", os.path.join(ROOT, "tests", "server", "wbserver.py"))
PYTHON = os.environ.get("RUNLOG_ONLINE_PYTHON", sys.executable)
KEEP = os.environ.get("RUNLOG_ONLINE_KEEP", "") not in ("", "0")

KEY = "0123456789abcdef0123456789abcdef01234567"         # the server's default key
WRONG_KEY = "fedcba9876543210fedcba9876543210fedcba98"   # 40 chars, not accepted
PROJECT = "online-tests"
CONFIG = {"lr": 0.001, "layers": [64, 32], "optimizer": {"name": "adam", "beta": 0.9}, "batch_size": 32}
BEST = 42.5

# How long one process may take before the test calls it hung (ASan builds
# on a busy 2-core machine are slow; a normal scenario takes a few seconds).
PROC_TIMEOUT = 180
# The driver's finish() waits at most this long for the upload (runlog's
# default is 120 s): a stalled upload then shows as missing rows on the
# server, with runlog's own warning, well before PROC_TIMEOUT.
UPLOAD_TIMEOUT_MS = 60000

_SCRUB_PREFIXES = ("WANDB_",)
_SCRUB_NAMES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy",
                "requests_ca_bundle", "ssl_cert_file", "ssl_cert_dir", "curl_ca_bundle", "netrc"}


def read_text(path):
    with open(path, errors="replace") as f:
        return f.read()


def free_port():
    """A port nothing listens on right now (for "server down" scenarios)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expected_row(k):
    return {"i": k, "x": k * 0.5, "nested": {"k": k}}


def parse_events(text):
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def wait_for(predicate, timeout, what, interval=0.05):
    """Polls predicate() until it returns a true value; fails with `what`."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


# --------------------------------------------------------------------------
# The server, as a subprocess
# --------------------------------------------------------------------------

class Server:
    """tests/server/wbserver.py on 127.0.0.1, with its admin API."""

    def __init__(self, workdir, port=0, tls=False, api_key=KEY, faults=None, seed=1):
        self.workdir = workdir
        self.requested_port = port
        self.tls = tls
        self.api_key = api_key
        self.faults = faults
        self.seed = seed
        self.proc = None
        self.port = None
        self._n = 0

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    @property
    def ca_file(self):
        return os.path.join(self.workdir, "tls", "ca.pem")

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        self._n += 1
        ready = os.path.join(self.workdir, "ready%d" % self._n)
        self.log_path = os.path.join(self.workdir, "server%d.log" % self._n)
        cmd = [PYTHON, SERVER, "--host", "127.0.0.1", "--port", str(self.requested_port),
               "--ready-file", ready, "--api-key", self.api_key, "--seed", str(self.seed),
               "--exit-with-parent", "--max-lifetime", "900"]
        if KEEP:  # for a post-mortem: everything the server recorded
            cmd += ["--state-file", os.path.join(self.workdir, "state%d.json" % self._n)]
        if self.tls:
            cmd += ["--tls-dir", os.path.join(self.workdir, "tls")]
        if self.faults:
            cmd += ["--faults", json.dumps(self.faults)]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while True:
            if os.path.exists(ready):
                text = read_text(ready)
                if text.endswith("\n"):
                    self.port = int(text)
                    return self
            if self.proc.poll() is not None:
                raise AssertionError("the test server exited (%s) before it was ready:\n%s"
                                     % (self.proc.returncode, self.log()))
            if time.monotonic() > deadline:
                raise AssertionError("the test server was not ready within 30 s:\n%s" % self.log())
            time.sleep(0.02)

    def log(self):
        try:
            return read_text(self.log_path)[-4000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    # ---- admin API (no auth, never faulted) ----
    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        handlers = [urllib.request.ProxyHandler({})]  # never a proxy
        if self.tls:
            handlers.append(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=self.ca_file)))
        opener = urllib.request.build_opener(*handlers)
        with opener.open(req, timeout=30) as resp:
            return json.loads(resp.read().decode())

    def state(self, requests=True):
        return self.admin("GET", "/_admin/state" + ("" if requests else "?requests=0"))

    def runs(self):
        return self.state(requests=False)["runs"]

    def run(self, name):
        for r in self.runs():
            if r["name"] == name:
                return r
        return None

    def requests(self, endpoint=None):
        return [r for r in self.state()["requests"] if endpoint is None or r["endpoint"] == endpoint]

    def fault_rules(self):
        return self.admin("GET", "/_admin/faults")["rules"]

    def seed_run(self, spec):
        return self.admin("POST", "/_admin/runs", spec)


# --------------------------------------------------------------------------
# Base class: temp dir, environment, driver, CLI, checks
# --------------------------------------------------------------------------

class OnlineTest(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        missing = [n for n, p in (("RUNLOG_ONLINE_DRIVER", DRIVER), ("RUNLOG_ONLINE_CLI", CLI)) if not p]
        if missing:
            raise unittest.SkipTest("set %s (ctest does)" % ", ".join(missing))
        for p in (DRIVER, CLI, SERVER):
            if not os.path.exists(p):
                raise AssertionError("missing %s" % p)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="runlog-online-")
        if KEEP:
            sys.stderr.write("\n[%s] temp dir %s\n" % (self.id(), self.tmp))
        else:
            self.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = os.path.join(self.tmp, "home")
        self.wandb_dir = os.path.join(self.tmp, "work")
        os.makedirs(self.home)
        os.makedirs(self.wandb_dir)
        self._procs = []
        self.addCleanup(self._kill_procs)

    def _kill_procs(self):
        for p in self._procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)

    def server(self, **kw):
        """A started test server, stopped when the test ends."""
        self._nserver = getattr(self, "_nserver", 0) + 1
        srv = Server(os.path.join(self.tmp, "server%d" % self._nserver), **kw)
        self.addCleanup(srv.stop)
        return srv.start()

    def env(self, base_url=None, key=KEY, mode="online", **extra):
        """A clean environment: nothing inherited that could reach a real server."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(_SCRUB_PREFIXES) and k.lower() not in _SCRUB_NAMES}
        env.update({
            "HOME": self.home,
            "NETRC": os.path.join(self.home, "no-such-netrc"),
            "WANDB_DIR": self.wandb_dir,
            "WANDB_PROJECT": PROJECT,
            "WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL": "0.1",
            "WANDB_X_FILE_STREAM_RETRY_WAIT_MIN_SECONDS": "0.05",
            "WANDB_X_FILE_STREAM_RETRY_WAIT_MAX_SECONDS": "0.5",
            "WANDB_HTTP_TIMEOUT": "20",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        })
        if base_url:
            env["WANDB_BASE_URL"] = base_url
        if key:
            env["WANDB_API_KEY"] = key
        if mode:
            env["WANDB_MODE"] = mode
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    # ---- processes ----
    def driver(self, args, env, timeout=PROC_TIMEOUT, expect_rc=0):
        """Runs the driver to its end; returns a result dict."""
        p = self.start_driver(args, env)
        return self.wait_driver(p, timeout=timeout, expect_rc=expect_rc)

    def start_driver(self, args, env):
        n = len(self._procs)
        out = os.path.join(self.tmp, "driver%d.out" % n)
        err = os.path.join(self.tmp, "driver%d.err" % n)
        args = list(args)
        if "--upload-timeout-ms" not in args:
            args += ["--upload-timeout-ms", UPLOAD_TIMEOUT_MS]
        with open(out, "wb") as fo, open(err, "wb") as fe:
            p = subprocess.Popen([DRIVER] + [str(a) for a in args], env=env, cwd=self.tmp,
                                 stdin=subprocess.DEVNULL, stdout=fo, stderr=fe)
        p.out_path, p.err_path, p.args_ = out, err, args
        self._procs.append(p)
        return p

    def driver_events(self, p):
        return parse_events(read_text(p.out_path))

    def wait_event(self, p, name, timeout=PROC_TIMEOUT):
        def find():
            for e in self.driver_events(p):
                if e.get("event") == name:
                    return e
            if p.poll() is not None:
                raise AssertionError("the driver exited (%s) before printing %r:\n%s" %
                                     (p.returncode, name, self._describe(p)))
            return None
        return wait_for(find, timeout, "the driver to print %r" % name)

    def wait_driver(self, p, timeout=PROC_TIMEOUT, expect_rc=0):
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)
            raise AssertionError("the driver did not end within %d s (hung?):\n%s" % (timeout, self._describe(p)))
        res = {"rc": p.returncode, "stdout": read_text(p.out_path),
               "stderr": read_text(p.err_path)}
        res["events"] = parse_events(res["stdout"])
        for e in res["events"]:
            res.setdefault(e.get("event"), e)
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc,
                             "driver %s: expected exit status %s, got %s\n%s" %
                             (p.args_, expect_rc, p.returncode, self._describe(p)))
        return res

    def _describe(self, p):
        out = read_text(p.out_path)[-3000:]
        err = read_text(p.err_path)[-3000:]
        return "--- driver stdout ---\n%s--- driver stderr ---\n%s" % (out, err)

    def cli(self, args, env, timeout=PROC_TIMEOUT, expect_rc=0):
        cmd = [CLI] + [str(a) for a in args]
        try:
            p = subprocess.run(cmd, env=env, cwd=self.tmp, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise AssertionError("`runlog %s` did not end within %d s:\n%s" % (" ".join(cmd[1:]), timeout, e))
        res = {"rc": p.returncode, "stdout": p.stdout.decode(errors="replace"),
               "stderr": p.stderr.decode(errors="replace")}
        if expect_rc is not None:
            self.assertEqual(p.returncode, expect_rc,
                             "`runlog %s`: expected exit status %s, got %s\n--- stdout ---\n%s--- stderr ---\n%s"
                             % (" ".join(cmd[1:]), expect_rc, p.returncode, res["stdout"], res["stderr"]))
        return res

    def exported_rows(self, run, env):
        """The history rows in the run's journal (`runlog export`)."""
        res = self.cli(["export", run, "--dir", self.wandb_dir], env)
        return [json.loads(line) for line in res["stdout"].splitlines() if line.strip()]

    # ---- checks ----
    def assertRows(self, run, start, count, first_offset=0, what="history"):
        """The server's history holds exactly rows start..start+count-1 (after
        first_offset earlier lines), each once, in order, with _step = i."""
        self.assertIsNotNone(run, "expected the run on the server, found none")
        hist = run["history"]
        total = first_offset + count
        self.assertEqual(run["history_gaps"], [], "expected no gaps in the history line offsets")
        if run["history_offsets"] != list(range(total)):
            offs = run["history_offsets"]
            self.fail("%s: expected line offsets 0..%d (%d lines), got %d lines: first %s last %s"
                      % (what, total - 1, total, len(offs), offs[:5], offs[-5:]))
        for j in range(count):
            row = hist[first_offset + j]
            k = start + j
            want = expected_row(k)
            got = {key: row.get(key) for key in want}
            if got != want or row.get("_step") != k:
                self.fail("%s line %d: expected %s with _step %d, got %s"
                          % (what, first_offset + j, want, k, row))
            for key in ("_runtime", "_timestamp"):
                if not isinstance(row.get(key), (int, float)):
                    self.fail("%s line %d: expected a number in %s, got %s" % (what, first_offset + j, key, row))
        self.assertEqual(run["invalid_lines"], [], "expected every history/summary line to be a JSON object")

    def assertFinished(self, run, exitcode=0):
        self.assertTrue(run["complete"], "expected the run to be complete on the server (file_stream complete)")
        self.assertEqual(run["exitcode"], exitcode, "expected exit code %d on the server" % exitcode)
        self.assertEqual(run["state"], "finished" if exitcode == 0 else "failed",
                         "expected the server's state for exit code %d" % exitcode)

    def assertSummary(self, run, last, best=True):
        s = run["summary"]
        self.assertEqual(s.get("i"), last, "expected summary i = last logged i (%d): %s" % (last, s))
        self.assertEqual(s.get("x"), {"max": last * 0.5},
                         "expected summary x = {'max': %s} (define_metric summary max): %s" % (last * 0.5, s))
        self.assertEqual(s.get("nested"), {"k": last}, "expected summary nested = {'k': %d}: %s" % (last, s))
        self.assertEqual(s.get("_step"), last, "expected summary _step = %d: %s" % (last, s))
        if best:
            self.assertEqual(s.get("best"), BEST, "expected the summary value best = %s: %s" % (BEST, s))

    def assertConfig(self, run):
        self.assertEqual(run["config_values"], CONFIG,
                         "expected the config (init config + one update) unwrapped on the server")
        self.assertIn("_wandb", run["config"], "expected _wandb in the wrapped config")

    def assertServerClean(self, srv):
        st = srv.state(requests=False)
        self.assertEqual(st["errors"], [], "expected no exceptions in the test server")
        self.assertEqual(st["unknown_fields"], [], "expected only GraphQL fields the server has")

    def assertExactRun(self, srv, run_id, rows, exitcode=0, best=True, start=0):
        run = srv.run(run_id)
        self.assertIsNotNone(run, "expected run %s on the server; it has %s"
                             % (run_id, [r["name"] for r in srv.runs()]))
        self.assertEqual(run["project"], PROJECT, "expected the run in project %s" % PROJECT)
        self.assertRows(run, start, rows)
        self.assertFinished(run, exitcode)
        if rows:
            self.assertSummary(run, start + rows - 1, best=best)
        self.assertConfig(run)
        self.assertServerClean(srv)
        return run

    def assertCrashedRunSynced(self, srv, rid, env, min_rows):
        """The server has exactly the journal's rows (`runlog export`), at
        least min_rows, and exit code 1 (a run that never reached finish)."""
        rows = self.exported_rows(rid, env)
        self.assertGreaterEqual(len(rows), min_rows,
                                "expected at least the %d flushed rows in the journal" % min_rows)
        for j, row in enumerate(rows):  # the journal itself: rows 0..M-1
            self.assertEqual((row.get("i"), row.get("_step")), (j, j), "journal row %d: %s" % (j, row))
        run = srv.run(rid)
        self.assertRows(run, 0, len(rows))
        self.assertEqual([r["_runtime"] for r in run["history"]], [r["_runtime"] for r in rows],
                         "expected the server's rows to be the journal's rows")
        self.assertFinished(run, exitcode=1)
        self.assertSummary(run, len(rows) - 1, best=False)
        self.assertConfig(run)
        self.assertServerClean(srv)
        return rows

    def assertNoSecret(self, text, where, key=KEY):
        basic = base64.b64encode(("api:" + key).encode()).decode()
        self.assertNotIn(key, text, "the API key must never appear in %s" % where)
        self.assertNotIn(basic, text, "the API key (Basic auth form) must never appear in %s" % where)

    def assertNoSecretInFiles(self, top, key=KEY):
        basic = base64.b64encode(("api:" + key).encode())
        n = 0
        for dirpath, _dirs, files in os.walk(top):
            for f in files:
                path = os.path.join(dirpath, f)
                with open(path, "rb") as fh:
                    data = fh.read()
                n += 1
                self.assertNotIn(key.encode(), data, "the API key must never be written to %s" % path)
                self.assertNotIn(basic, data, "the API key (Basic auth) must never be written to %s" % path)
        self.assertGreater(n, 0, "expected run files under %s" % top)


def fs_count(srv):
    return len(srv.requests("file_stream"))


# --------------------------------------------------------------------------
# 1. 10,000 rows arrive exactly
# --------------------------------------------------------------------------

class Exact10k(OnlineTest):
    def test_10000_rows_arrive_exactly(self):
        srv = self.server()
        res = self.driver(["--rows", 10000], self.env(srv.url))
        self.assertEqual(res["init"]["mode"], "online", "expected an online run (key and mode online)")
        self.assertEqual(res["finish"]["status"], 0, "expected finish() to succeed: %s" % res["finish"])
        run = self.assertExactRun(srv, res["init"]["id"], 10000)
        self.assertEqual(len(srv.runs()), 1, "expected exactly one run on the server")
        self.assertEqual(run["history_overwrites"], 0,
                         "expected every history line sent once (no faults, so no resend)")
        # Progress is kept beside the journal for a later sync.
        prog = json.loads(read_text(os.path.join(res["init"]["dir"], "sync-progress.json")))
        self.assertEqual(prog.get("history_lines"), 10000, "expected sync-progress.json to say 10000 lines")
        self.assertTrue(prog.get("complete"), "expected sync-progress.json to say complete")
        # A sync of a fully uploaded run sends nothing.
        before = srv.state(requests=False)["request_count"]
        out = self.cli(["sync", "--dir", self.wandb_dir], self.env(srv.url))
        self.assertRegex(out["stdout"], r"nothing to sync|up.to.date|uploaded already",
                         "expected the CLI to say the run is uploaded already")
        self.assertEqual(srv.state(requests=False)["request_count"], before,
                         "expected no request from a sync of a run that is fully uploaded")


# --------------------------------------------------------------------------
# 2. the same with 30 % 5xx and 10 % connection resets
# --------------------------------------------------------------------------

FAULTS = [
    # 10 % of connections reset: half before the body is read, half after.
    {"endpoint": "any", "action": "reset", "when": "before_body", "rate": 0.05},
    {"endpoint": "any", "action": "reset", "rate": 0.0526},
    # 30 % of requests answered 5xx: half of them "stored, answer lost"
    # (the resend must overwrite, not duplicate).
    {"endpoint": "any", "status": 500, "apply": True, "rate": 0.1667},
    {"endpoint": "any", "status": 503, "rate": 0.2},
]


class Faults(OnlineTest):
    def test_10000_rows_with_30pct_5xx_and_10pct_resets(self):
        srv = self.server(faults=FAULTS, seed=7)
        # Rows at a steady pace (10 ms every 25 rows: ~4 s) and a short
        # transmit interval make 100+ requests, so the fault rates really bite.
        res = self.driver(["--rows", 10000, "--sleep-ms", 10, "--sleep-every", 25],
                          self.env(srv.url, WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL="0.02"))
        self.assertEqual(res["init"]["mode"], "online")
        self.assertEqual(res["finish"]["status"], 0, "expected finish() to succeed: %s" % res["finish"])
        self.assertExactRun(srv, res["init"]["id"], 10000)
        rules = srv.fault_rules()
        resets = sum(r["fired"] for r in rules if r.get("action") == "reset")
        errors = sum(r["fired"] for r in rules if r.get("status"))
        lost = sum(r["fired"] for r in rules if r.get("apply"))
        reqs = srv.requests()
        n = len(reqs)
        self.assertGreater(n, 30, "expected enough requests for the fault rates to matter, got %d" % n)
        self.assertGreater(resets, 0, "expected some connections reset: %s" % rules)
        self.assertGreater(errors, 0, "expected some 5xx answers: %s" % rules)
        self.assertGreater(lost, 0, "expected some answers lost after the server stored the request: %s" % rules)
        # Loose bounds: the rates are random, the point is that faults really hit.
        faulted = resets + errors
        self.assertGreater(faulted / n, 0.2, "expected roughly 40 %% of %d requests faulted, got %d" % (n, faulted))
        self.assertLess(faulted / n, 0.6, "expected roughly 40 %% of %d requests faulted, got %d" % (n, faulted))


# --------------------------------------------------------------------------
# 3. the server down for the first part of the run
# --------------------------------------------------------------------------

class ServerDownFirst(OnlineTest):
    def test_rows_logged_while_down_are_delivered_once(self):
        port = free_port()
        url = "http://127.0.0.1:%d" % port
        gate = os.path.join(self.tmp, "gate")
        p = self.start_driver(["--rows", 2000, "--pause-after", 1000, "--gate", gate, "--log-hook"],
                              self.env(url))
        self.wait_event(p, "paused")
        time.sleep(1.5)  # the run goes on without a server: retries in the background
        self.assertIsNone(p.poll(), "expected the driver to keep running while the server is down")
        srv = Server(os.path.join(self.tmp, "server"), port=port)
        self.addCleanup(srv.stop)
        srv.start()
        open(gate, "w").close()
        res = self.wait_driver(p)
        self.assertEqual(res["finish"]["status"], 0, "expected finish() to succeed: %s" % res["finish"])
        self.assertEqual(res["stats"]["rows_logged"], 2000, "expected every row logged while the server was down")
        self.assertRegex(res["stderr"], r"runlog\[(WARN|INFO|DEBUG)\]: .*127\.0\.0\.1:%d" % port,
                         "expected a message naming host and port of the unreachable server")
        self.assertExactRun(srv, res["init"]["id"], 2000)


# --------------------------------------------------------------------------
# 4. offline, then runlog sync; a second sync sends nothing; --json; -j 2
# --------------------------------------------------------------------------

class OfflineSync(OnlineTest):
    def test_offline_run_then_sync_exactly_then_nothing(self):
        srv = self.server()
        env = self.env(srv.url, mode="offline")
        res = self.driver(["--rows", 3000], env)
        self.assertEqual(res["init"]["mode"], "offline")
        self.assertEqual(srv.state(requests=False)["request_count"], 0,
                         "expected an offline run to send nothing")
        rid = res["init"]["id"]
        out = self.cli(["sync", "--dir", self.wandb_dir], env)
        self.assertRegex(out["stdout"], r"synced\s+%s\s+3000 rows on the server \(3000 sent now\)" % rid,
                         "expected the CLI's summary line for the synced run")
        self.assertExactRun(srv, rid, 3000)
        st = srv.state()
        count, fs = st["request_count"], fs_count(srv)
        self.assertGreater(fs, 0, "expected file_stream requests from the sync")
        # Second sync without arguments: the run is skipped as uploaded.
        again = self.cli(["sync", "--dir", self.wandb_dir], env)
        self.assertRegex(again["stdout"], r"nothing to sync.*uploaded already",
                         "expected the second sync to say the run is uploaded already")
        # Naming the run: visited, and up to date.
        named = self.cli(["sync", res["init"]["dir"]], env)
        self.assertRegex(named["stdout"], r"up-to-date\s+%s\s+3000 rows on the server \(0 sent now\)" % rid,
                         "expected the sync of a named, uploaded run to say up-to-date")
        self.assertEqual(fs_count(srv), fs, "expected no file_stream request from a second sync")
        self.assertEqual(srv.state(requests=False)["request_count"], count,
                         "expected no request at all from a second sync")
        self.assertExactRun(srv, rid, 3000)

    def test_sync_json_output(self):
        srv = self.server()
        env = self.env(srv.url, mode="offline")
        res = self.driver(["--rows", 500], env)
        rid = res["init"]["id"]
        out = self.cli(["sync", "--json", "--dir", self.wandb_dir], env)
        doc = json.loads(out["stdout"])
        self.assertEqual(doc.get("skipped_synced"), 0)
        self.assertEqual(len(doc["runs"]), 1, "expected one run in --json: %s" % doc)
        r = doc["runs"][0]
        self.assertEqual(r["id"], rid)
        self.assertEqual(os.path.realpath(r["dir"]), os.path.realpath(res["init"]["dir"]))
        self.assertEqual(r["result"], "synced")
        self.assertIsNone(r["error"])
        self.assertEqual((r["rows_read"], r["rows_on_server"], r["rows_sent"]), (500, 500, 500),
                         "expected rows read / on server / sent = 500: %s" % r)
        self.assertGreater(r["requests"], 0)
        self.assertEqual(r["requests"], len(srv.requests()),
                         "expected --json requests to count the requests the server saw")
        self.assertExactRun(srv, rid, 500)
        again = json.loads(self.cli(["sync", "--json", "--include-synced", "--dir", self.wandb_dir],
                                    env)["stdout"])
        r2 = again["runs"][0]
        self.assertEqual((r2["result"], r2["rows_on_server"], r2["rows_sent"], r2["requests"]),
                         ("up-to-date", 500, 0, 0), "expected an up-to-date run in the second --json: %s" % r2)
        skipped = json.loads(self.cli(["sync", "--json", "--dir", self.wandb_dir], env)["stdout"])
        self.assertEqual(skipped, {"runs": [], "skipped_synced": 1},
                         "expected the uploaded run skipped without --include-synced")

    def test_parallel_sync_of_several_runs(self):
        srv = self.server()
        env = self.env(srv.url, mode="offline")
        counts = [700, 300, 1200, 50, 900]
        ids = {}
        for n in counts:
            ids[self.driver(["--rows", n], env)["init"]["id"]] = n
        self.assertEqual(len(ids), len(counts), "expected distinct run ids")
        out = self.cli(["sync", "-j", 2, "--json", "--dir", self.wandb_dir], env)
        doc = json.loads(out["stdout"])
        got = {r["id"]: (r["result"], r["rows_sent"]) for r in doc["runs"]}
        self.assertEqual(got, {i: ("synced", n) for i, n in ids.items()},
                         "expected every run synced once with all its rows")
        for rid, n in ids.items():
            self.assertExactRun(srv, rid, n)
        self.assertEqual(len(srv.runs()), len(counts))


# --------------------------------------------------------------------------
# 5. SIGKILL mid-run, then runlog sync completes it
# --------------------------------------------------------------------------

class KilledThenSync(OnlineTest):
    def test_offline_killed_then_sync(self):
        srv = self.server()
        env = self.env(srv.url, mode="offline")
        res = self.driver(["--rows", 5000, "--flush-every", 250, "--kill-after", 3100], env,
                          expect_rc=-signal.SIGKILL)
        self.assertNotIn("finish", res, "the driver must have died before finish")
        rid = res["init"]["id"]
        out = self.cli(["sync", "--dir", self.wandb_dir], env)
        self.assertIn("exit code 1", out["stderr"], "expected sync to say it closes the run with exit code 1")
        rows = self.assertCrashedRunSynced(srv, rid, env, 3000)
        self.assertRegex(out["stdout"], r"synced\s+%s\s+%d rows" % (rid, len(rows)))
        # And nothing more the second time.
        before = srv.state(requests=False)["request_count"]
        self.cli(["sync", "--dir", self.wandb_dir], env)
        self.assertEqual(srv.state(requests=False)["request_count"], before,
                         "expected no request from a second sync of the crashed run")

    def test_online_killed_while_server_down_then_sync(self):
        dead = "http://127.0.0.1:%d" % free_port()
        res = self.driver(["--rows", 5000, "--flush-every", 200, "--kill-after", 2300],
                          self.env(dead), expect_rc=-signal.SIGKILL)
        self.assertEqual(res["init"]["mode"], "online")
        rid = res["init"]["id"]
        srv = self.server()
        self.cli(["sync", "--dir", self.wandb_dir], self.env(srv.url))
        self.assertCrashedRunSynced(srv, rid, self.env(srv.url), 2200)


# --------------------------------------------------------------------------
# 5b. a sync that does not close the run: while it is still being written,
#     and --no-close; a later sync uploads the rest
# --------------------------------------------------------------------------

class LiveSync(OnlineTest):
    def test_sync_of_a_live_run_then_the_rest(self):
        srv = self.server()
        env = self.env(srv.url, mode="offline")
        gate = os.path.join(self.tmp, "gate")
        p = self.start_driver(["--rows", 400, "--sleep-ms", 2, "--pause-after", 250, "--gate", gate], env)
        init = self.wait_event(p, "init")
        self.wait_event(p, "paused")
        out = self.cli(["sync", init["dir"]], env, timeout=30)
        self.assertIsNone(p.poll(), "the driver must still be running (waiting at its gate)")
        self.assertRegex(out["stdout"], r"partial\s+%s\s+250 rows on the server" % init["id"],
                         "expected a partial sync of the 250 rows written so far")
        run = srv.run(init["id"])
        self.assertRows(run, 0, 250)
        self.assertFalse(run["complete"], "a live run must not be closed by sync")
        self.assertEqual(run["state"], "running")
        self.assertIsNone(run["exitcode"])
        open(gate, "w").close()
        res = self.wait_driver(p)
        self.assertEqual(res["finish"]["status"], 0)
        self.cli(["sync", "--dir", self.wandb_dir], env)
        run = self.assertExactRun(srv, init["id"], 400)
        self.assertEqual(run["history_overwrites"], 0,
                         "expected the second sync to send only the rows after the first (no resend)")

    def test_no_close_leaves_it_running_then_a_later_sync_closes_it(self):
        srv = self.server()
        env = self.env(srv.url, mode="offline")
        res = self.driver(["--rows", 1000, "--flush-every", 100, "--kill-after", 400], env,
                          expect_rc=-signal.SIGKILL)
        rid = res["init"]["id"]
        out = self.cli(["sync", "--no-close", "--dir", self.wandb_dir], env, timeout=30)
        self.assertRegex(out["stdout"], r"partial\s+%s" % rid, "expected --no-close to leave the run partial")
        run = srv.run(rid)
        self.assertFalse(run["complete"], "expected --no-close to leave the run running on the server")
        n = len(run["history"])
        self.assertGreaterEqual(n, 400)
        self.assertRows(run, 0, n)
        self.cli(["sync", "--dir", self.wandb_dir], env, timeout=30)
        self.assertCrashedRunSynced(srv, rid, env, 400)


# --------------------------------------------------------------------------
# 6. auth and TLS
# --------------------------------------------------------------------------

class AuthAndTls(OnlineTest):
    AUTH_HINT = r"WANDB_API_KEY|\.netrc"

    def test_wrong_key_stops_the_upload_with_a_message(self):
        srv = self.server()
        env = self.env(srv.url, key=WRONG_KEY)
        res = self.driver(["--rows", 200], env, expect_rc=None)
        self.assertEqual(res["stats"]["rows_logged"], 200, "expected training to go on with a wrong key")
        self.assertIn("finish", res, "expected the driver to reach finish: %s" % res["stderr"])
        err = res["stderr"]
        self.assertIn("401", err, "expected the message to name the 401")
        self.assertRegex(err, self.AUTH_HINT, "expected the message to point at WANDB_API_KEY / ~/.netrc")
        self.assertIn("127.0.0.1", err, "expected the message to name the host that refused the key")
        for text, where in ((res["stdout"], "the driver's stdout"), (err, "the driver's stderr")):
            self.assertNoSecret(text, where, WRONG_KEY)
        self.assertNoSecretInFiles(self.wandb_dir, WRONG_KEY)
        reqs = srv.requests()
        self.assertTrue(reqs, "expected the driver to try the server")
        self.assertEqual({r["status"] for r in reqs}, {401}, "expected every request refused with 401")
        self.assertLessEqual(len(reqs), 2, "expected no retry of a 401, got %d requests" % len(reqs))
        self.assertEqual(srv.runs(), [], "expected no run created with a wrong key")
        # runlog sync with the wrong key: exit 1 and the same guidance.
        out = self.cli(["sync", "--dir", self.wandb_dir], env, expect_rc=1)
        both = out["stdout"] + out["stderr"]
        self.assertIn("401", both)
        self.assertRegex(both, self.AUTH_HINT)
        self.assertNoSecret(both, "runlog sync's output", WRONG_KEY)
        self.assertRegex(out["stdout"], r"failed\s+%s" % res["init"]["id"])
        # With the right key, the same run goes up exactly.
        self.cli(["sync", "--dir", self.wandb_dir], self.env(srv.url))
        self.assertExactRun(srv, res["init"]["id"], 200)
        self.assertNoSecretInFiles(self.wandb_dir, KEY)

    def test_https_refused_without_the_ca_and_accepted_with_it(self):
        srv = self.server(tls=True)
        self.assertTrue(srv.url.startswith("https://"))
        refused = self.driver(["--rows", 100], self.env(srv.url), expect_rc=None)
        self.assertIn("finish", refused, "expected the driver to reach finish: %s" % refused["stderr"])
        err = refused["stderr"]
        self.assertIn("127.0.0.1", err, "expected the TLS failure message to name the host")
        self.assertRegex(err, r"REQUESTS_CA_BUNDLE|SSL_CERT_FILE|CA bundle|ca_bundle",
                         "expected the TLS failure message to name the CA setting")
        self.assertNoSecret(err, "the driver's stderr")
        st = srv.state()
        self.assertEqual(st["runs"], [], "expected no run created over an untrusted TLS connection")
        self.assertTrue(st["tls_errors"], "expected the server to see refused handshakes")
        self.assertEqual([r for r in st["requests"] if r["endpoint"] != "other"], [],
                         "expected no request to get through the refused handshake")
        # Trusted with REQUESTS_CA_BUNDLE: uploaded exactly.
        ok = self.driver(["--rows", 300], self.env(srv.url, REQUESTS_CA_BUNDLE=srv.ca_file))
        self.assertExactRun(srv, ok["init"]["id"], 300)
        # The refused run: `runlog sync` without the CA fails and says why...
        out = self.cli(["sync", refused["init"]["dir"]], self.env(srv.url), expect_rc=1)
        self.assertRegex(out["stdout"] + out["stderr"], r"REQUESTS_CA_BUNDLE|SSL_CERT_FILE|CA bundle|ca_bundle")
        # ... and with SSL_CERT_FILE uploads it.
        self.cli(["sync", refused["init"]["dir"]], self.env(srv.url, SSL_CERT_FILE=srv.ca_file))
        self.assertExactRun(srv, refused["init"]["id"], 100)


# --------------------------------------------------------------------------
# 7. the key from ~/.netrc; default mode
# --------------------------------------------------------------------------

class NetrcAndDefaultMode(OnlineTest):
    def _netrc(self, path, machine, key=KEY):
        with open(path, "w") as f:
            f.write("machine %s\n  login user\n  password %s\n" % (machine, key))
        os.chmod(path, 0o600)

    def test_key_from_home_netrc_default_mode_is_online(self):
        srv = self.server()
        self._netrc(os.path.join(self.home, ".netrc"), "127.0.0.1:%d" % srv.port)
        env = self.env(srv.url, key=None, mode=None, NETRC=None)
        res = self.driver(["--rows", 300], env)
        self.assertEqual(res["init"]["mode"], "online", "expected online mode with a key in ~/.netrc")
        self.assertIn("netrc", res["stderr"], "expected the banner to say the key came from ~/.netrc")
        self.assertNoSecret(res["stderr"], "the driver's stderr")
        self.assertExactRun(srv, res["init"]["id"], 300)
        auth = {r.get("auth_user") for r in srv.requests()}
        self.assertEqual(auth, {"api"}, "expected Basic auth user 'api' on every request")

    def test_key_from_NETRC_file_by_host_without_port(self):
        srv = self.server()
        path = os.path.join(self.tmp, "other-netrc")
        self._netrc(path, "127.0.0.1")
        env = self.env(srv.url, key=None, mode=None, NETRC=path)
        res = self.driver(["--rows", 100], env)
        self.assertEqual(res["init"]["mode"], "online", "expected online mode with a key in $NETRC")
        self.assertExactRun(srv, res["init"]["id"], 100)
        # runlog sync finds the key the same way.
        off = self.driver(["--rows", 50], self.env(srv.url, key=None, mode="offline", NETRC=path))
        self.cli(["sync", off["init"]["dir"]], env)
        self.assertExactRun(srv, off["init"]["id"], 50)

    def test_no_key_default_mode_is_offline_with_a_hint(self):
        srv = self.server()
        res = self.driver(["--rows", 100], self.env(srv.url, key=None, mode=None))
        self.assertEqual(res["init"]["mode"], "offline", "expected offline mode without any key")
        self.assertIn("WANDB_API_KEY", res["stderr"], "expected a hint naming WANDB_API_KEY")
        self.assertIn("runlog sync", res["stderr"], "expected a hint naming `runlog sync`")
        self.assertEqual(srv.state(requests=False)["request_count"], 0, "expected no request without a key")

    def test_key_default_mode_is_online(self):
        srv = self.server()
        res = self.driver(["--rows", 100], self.env(srv.url, mode=None))
        self.assertEqual(res["init"]["mode"], "online", "expected online mode with WANDB_API_KEY")
        self.assertExactRun(srv, res["init"]["id"], 100)

    def test_mode_online_without_a_key_records_offline(self):
        srv = self.server()
        res = self.driver(["--rows", 10], self.env(srv.url, key=None, mode="online"))
        self.assertEqual(res["init"]["mode"], "offline")
        self.assertIn("no W&B API key", res["stderr"], "expected a warning that no key was found")
        self.assertEqual(srv.state(requests=False)["request_count"], 0)


# --------------------------------------------------------------------------
# 8. manual threading: runlog_pump() uploads
# --------------------------------------------------------------------------

class ManualThreading(OnlineTest):
    def test_pump_uploads_during_the_loop_and_at_finish(self):
        srv = self.server()
        gate = os.path.join(self.tmp, "gate")
        p = self.start_driver(["--manual", "--rows", 3000, "--pause-after", 1000, "--gate", gate],
                              self.env(srv.url))
        self.wait_event(p, "paused")
        # The host keeps pumping while paused: the first 1000 rows go up now.
        def uploaded():
            r = srv.run(self.driver_events(p)[0]["id"])
            return r is not None and len(r["history_offsets"]) >= 1000
        wait_for(uploaded, 60, "1000 rows on the server while the manual-threading host pumps")
        open(gate, "w").close()
        res = self.wait_driver(p)
        self.assertEqual(res["init"]["mode"], "online")
        self.assertEqual(res["finish"]["status"], 0)
        self.assertExactRun(srv, res["init"]["id"], 3000)

    def test_manual_threading_with_faults(self):
        srv = self.server(faults=FAULTS, seed=3)
        res = self.driver(["--manual", "--rows", 2000, "--sleep-ms", 0], self.env(srv.url))
        self.assertExactRun(srv, res["init"]["id"], 2000)


# --------------------------------------------------------------------------
# 9. resume must / never / allow (W&B semantics)
# --------------------------------------------------------------------------

def seeded_run(name, n):
    """A run another client logged: n history rows, summary, exit 0."""
    rows = [dict(expected_row(k), _step=k, _runtime=1.0 + k, _timestamp=1.7e9 + k) for k in range(n)]
    return {"name": name, "project": PROJECT, "config": {"lr": 0.001}, "history": rows,
            "summary": dict(expected_row(n - 1), _step=n - 1, _runtime=float(n)),
            "complete": True, "exitcode": 0}


class Resume(OnlineTest):
    def upserts(self, srv):
        return [r for r in srv.requests("graphql") if r.get("operation") == "UpsertBucket"]

    def test_must_on_a_run_unknown_here_and_on_the_server_fails_at_init(self):
        srv = self.server()
        res = self.driver(["--resume", "must", "--run-id", "nosuchrun1", "--rows", 10], self.env(srv.url),
                          expect_rc=3)
        e = res["init_error"]
        self.assertIn("must", e["message"], "expected the message to name resume=must: %s" % e)
        self.assertIn("nosuchrun1", e["message"], "expected the message to name the run id: %s" % e)
        self.assertEqual(srv.runs(), [], "expected no run created on the server")
        self.assertEqual(self.upserts(srv), [], "expected no UpsertBucket")

    def test_never_on_an_existing_run_fails_at_init(self):
        srv = self.server()
        self.driver(["--run-id", "existing1", "--rows", 50], self.env(srv.url))
        n_upserts = len(self.upserts(srv))
        res = self.driver(["--resume", "never", "--run-id", "existing1", "--rows", 10], self.env(srv.url),
                          expect_rc=3)
        self.assertIn("never", res["init_error"]["message"])
        self.assertEqual(len(self.upserts(srv)), n_upserts, "expected no UpsertBucket from the refused init")
        self.assertExactRun(srv, "existing1", 50)

    def test_allow_continues_a_local_and_server_run(self):
        srv = self.server()
        first = self.driver(["--run-id", "allowrun1", "--rows", 50], self.env(srv.url))
        self.assertExactRun(srv, "allowrun1", 50)
        second = self.driver(["--resume", "allow", "--run-id", "allowrun1", "--start", 50, "--rows", 50],
                             self.env(srv.url))
        self.assertEqual(second["stats"]["step"], 100, "expected the step to continue from 50 to 100")
        self.assertEqual(first["init"]["dir"], second["init"]["dir"], "expected the same run directory")
        run = self.assertExactRun(srv, "allowrun1", 100)
        self.assertEqual(run["history_overwrites"], 0, "expected the first session's rows not to be resent")
        self.assertEqual(len(srv.runs()), 1)

    def test_allow_continues_an_offline_run_online(self):
        srv = self.server()
        self.driver(["--run-id", "allowrun2", "--rows", 50, "--mode", "offline"], self.env(srv.url))
        self.assertEqual(srv.runs(), [], "expected nothing uploaded by the offline session")
        second = self.driver(["--resume", "allow", "--run-id", "allowrun2", "--start", 50, "--rows", 50],
                             self.env(srv.url))
        self.assertEqual(second["init"]["mode"], "online")
        self.assertEqual(second["stats"]["step"], 100, "expected the step to continue from 50 to 100")
        self.assertExactRun(srv, "allowrun2", 100)

    # ---- server-side resume (RunResumeStatus): the run exists only on the server ----

    def test_never_on_a_run_that_exists_on_the_server_fails_at_init(self):
        srv = self.server()
        srv.seed_run(seeded_run("onserver1", 5))
        res = self.driver(["--resume", "never", "--run-id", "onserver1", "--rows", 10], self.env(srv.url),
                          expect_rc=3)
        self.assertIn("never", res["init_error"]["message"])
        self.assertEqual(self.upserts(srv), [], "expected no UpsertBucket: the run exists on the server")
        self.assertEqual(srv.run("onserver1")["history_offsets"], list(range(5)))

    def test_must_on_a_run_that_exists_only_on_the_server_continues_it(self):
        self._continue_server_run("must")

    def test_allow_on_a_run_that_exists_only_on_the_server_continues_it(self):
        self._continue_server_run("allow")

    def _continue_server_run(self, mode):
        srv = self.server()
        srv.seed_run(seeded_run("onserver2", 5))
        res = self.driver(["--resume", mode, "--run-id", "onserver2", "--start", 5, "--rows", 20],
                          self.env(srv.url))
        self.assertEqual(res["stats"]["step"], 25, "expected the step to continue after the server's last _step")
        run = srv.run("onserver2")
        self.assertRows(run, 0, 25)  # 5 seeded + 20 new, offsets 0..24, _step = i
        self.assertEqual(run["history_overwrites"], 0, "expected the server's lines not to be overwritten")
        self.assertFinished(run, 0)
        self.assertEqual(run["config_values"].get("lr"), 0.001)
        self.assertEqual(len(srv.runs()), 1)


# --------------------------------------------------------------------------

def _scenario_classes():
    return sorted(name for name, obj in globals().items()
                  if isinstance(obj, type) and issubclass(obj, OnlineTest) and obj is not OnlineTest)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--list":
        print("\n".join(_scenario_classes()))
        sys.exit(0)
    if len(sys.argv) > 2 and sys.argv[1] == "--check-registered":
        registered = sorted(sys.argv[2].split(","))
        if registered != _scenario_classes():
            sys.stderr.write("tests/online/CMakeLists.txt registers %s but test_online.py has %s: "
                             "update RUNLOG_ONLINE_SCENARIOS\n" % (registered, _scenario_classes()))
            sys.exit(1)
        print("all %d scenario classes are registered with ctest" % len(registered))
        sys.exit(0)
    unittest.main()
