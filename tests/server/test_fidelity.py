"""Fidelity: the official W&B clients run unmodified against wbserver.

(1) the production Python SDK `wandb` (its Go wandb-core does the networking)
(2) the npm `@wandb/sdk` 0.5.1 in Node.

Each test checks that what the server stored is what the client meant to
log, that the server did not meet a field or endpoint it does not serve, and
that the request shapes still match tests/server/fixtures/ (the recorded
shapes runlog's own tests use). With WBSERVER_RECORD_FIXTURES=1 the fixtures
are rewritten from this run instead.
"""

import json
import os
import re
import subprocess
import time

import pytest

import wbserver
from helpers import HERE, JS_SDK_VERSION, WANDB_VERSION, clean_env, record_timing

FIXTURES = os.path.join(HERE, "fixtures")
RECORD = os.environ.get("WBSERVER_RECORD_FIXTURES", "") not in ("", "0", "false")
SDK_TIMEOUT = 240


# ------------------------------------------------------------------ helpers

def run_py_client(python, srv, workdir, *args, extra_env=None, timeout=SDK_TIMEOUT):
    os.makedirs(workdir, exist_ok=True)
    out = os.path.join(workdir, "out-%d.json" % len(os.listdir(workdir)))
    env = clean_env(
        WANDB_BASE_URL=srv.url, WANDB_API_KEY=wbserver.DEFAULT_API_KEY, WANDB_MODE="online",
        WANDB_DISABLE_GIT="true", WANDB__DISABLE_SETPROCTITLE="true", WANDB_DISABLE_CODE="true",
        WANDB_ERROR_REPORTING="false", WANDB_DIR=workdir,
        WANDB_CONFIG_DIR=os.path.join(workdir, "config"), WANDB_CACHE_DIR=os.path.join(workdir, "cache"),
        WANDB_DATA_DIR=os.path.join(workdir, "data"), HOME=workdir, PYTHONUNBUFFERED="1")
    env.update(extra_env or {})
    proc = subprocess.run([python, os.path.join(HERE, "clients", "py_client.py"), out] + list(args),
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    return proc, (json.load(open(out)) if os.path.exists(out) else None)


def run_js_client(node_sdk, srv, workdir, rows=20, extra_env=None):
    node, jsdir = node_sdk
    os.makedirs(workdir, exist_ok=True)
    out = os.path.join(workdir, "out.json")
    env = clean_env(WANDB_BASE_URL=srv.url, WANDB_API_KEY=wbserver.DEFAULT_API_KEY, HOME=workdir)
    env.update(extra_env or {})
    proc = subprocess.run([node, os.path.join(jsdir, "client.mjs"), out, str(rows)], cwd=workdir,
                          env=env, capture_output=True, text=True, timeout=SDK_TIMEOUT)
    return proc, (json.load(open(out)) if os.path.exists(out) else None)


def explain(proc, srv):
    st = srv.state()
    reqs = ["%s %s %s %s" % (r["method"], r["path"], r.get("operation") or "", r["status"])
            for r in st["requests"]]
    return "exit %s\n--- stdout\n%s\n--- stderr\n%s\n--- requests\n%s\n--- server errors\n%s" % (
        proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:], "\n".join(reqs),
        json.dumps(st["errors"])[:4000])


def assert_server_served_everything(srv):
    st = srv.state(include_requests=False)
    assert st["errors"] == [], "server raised: %s" % st["errors"]
    assert st["unknown_fields"] == [], "clients asked for unserved fields: %s" % st["unknown_fields"]
    others = [r for r in srv.requests() if r["endpoint"] == "other"]
    assert others == [], "clients used endpoints the server does not know: %s" % [
        (r["method"], r["path"]) for r in others]


def _norm_query(q):
    return re.sub(r"\s+", " ", re.sub(r"\s*([(){}:,!\[\]=$])\s*", r"\1", q)).strip()


def select_fixtures(requests, since_seq=0):
    """One real request of each kind, first seen first."""
    picked = {}
    for r in requests:
        if r.get("status") != 200 or r.get("fault") or r["seq"] < since_seq:
            continue
        ep = r["endpoint"]
        if ep == "graphql":
            op = r.get("operation") or "anonymous"
            if op == "UpsertBucket":
                ins = (((r.get("response") or {}).get("data") or {}).get("upsertBucket") or {}).get("inserted")
                op += "-create" if ins else "-update"
            picked.setdefault("graphql-" + op, r)
        elif ep == "file_stream":
            body = r["body"]
            short = {"wandb-history.jsonl": "history", "wandb-events.jsonl": "events",
                     "wandb-summary.json": "summary", "output.log": "output"}
            for fname in body.get("files") or {}:
                picked.setdefault("file_stream-" + short.get(fname, fname), r)
            if "uploaded" in body:
                picked.setdefault("file_stream-uploaded", r)
            if body.get("complete"):
                picked.setdefault("file_stream-complete", r)
            if body == {}:
                picked.setdefault("file_stream-heartbeat", r)
        elif ep == "upload":
            picked.setdefault("upload-put", r)
    return picked


def _fixture_doc(client, kind, r, srv):
    doc = {"client": client, "kind": kind, "method": r["method"], "path": r["path"],
           "headers": {k: v for k, v in r["headers"].items() if k.lower() != "host"},
           "status": r["status"]}
    if "body" in r:
        doc["body"] = r["body"]
    if r["endpoint"] == "graphql":
        doc["response"] = r.get("response")
    if r["endpoint"] == "upload":
        run = srv.run_state(r["run"].split("/")[2])
        doc["file"] = r["file"]
        doc["body_size"] = r["body_size"]
        doc["body_text"] = run["files"][r["file"]]["text"]
    return doc


_FS_KEYS = {"files", "uploaded", "complete", "exitcode", "preempting", "dropped"}


def check_or_record_fixtures(prefix, client, srv, required, since_seq=0):
    """Compare this run's request shapes with fixtures/ (or rewrite them).

    fixtures/index.json maps prefix -> kind -> file; one file per recorded
    request, listing every kind it shows (core often batches several).

    GraphQL: same operation text and variable names. file_stream: the
    batching of a body depends on timing, so only its shape is checked.
    """
    picked = select_fixtures(srv.requests(), since_seq)
    missing = [k for k in required if k not in picked]
    assert not missing, "expected request kinds not seen: %s (saw %s)" % (missing, sorted(picked))
    index_path = os.path.join(FIXTURES, "index.json")
    index = {}
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = json.load(f)
    if RECORD:
        os.makedirs(FIXTURES, exist_ok=True)
        for old in set((index.get(prefix) or {}).values()):
            if os.path.exists(os.path.join(FIXTURES, old)):
                os.remove(os.path.join(FIXTURES, old))
        by_seq = {}
        for kind, r in sorted(picked.items(), key=lambda kv: (kv[1]["seq"], kv[0])):
            by_seq.setdefault(r["seq"], (r, []))[1].append(kind)
        index[prefix] = {}
        for r, kinds in by_seq.values():
            name = "%s-%s.json" % (prefix, kinds[0])
            doc = _fixture_doc(client, kinds[0], r, srv)
            doc["kinds"] = kinds
            with open(os.path.join(FIXTURES, name), "w") as f:
                json.dump(doc, f, indent=1, sort_keys=True)
                f.write("\n")
            for k in kinds:
                index[prefix][k] = name
        with open(index_path, "w") as f:
            json.dump(index, f, indent=1, sort_keys=True)
            f.write("\n")
        return
    compared = set()
    for kind, r in picked.items():
        name = (index.get(prefix) or {}).get(kind)
        if name is None:
            continue
        with open(os.path.join(FIXTURES, name)) as f:
            fx = json.load(f)
        assert fx["method"] == r["method"], kind
        if r["endpoint"] == "graphql":
            assert _norm_query(fx["body"]["query"]) == _norm_query(r["body"]["query"]), \
                "%s: query text changed" % kind
            assert sorted(fx["body"].get("variables") or {}) == sorted(r["body"].get("variables") or {}), \
                "%s: variables changed" % kind
        elif r["endpoint"] == "file_stream":
            assert set(r["body"]) <= _FS_KEYS, "%s: unexpected keys %s" % (kind, set(r["body"]))
            for fname, chunk in (r["body"].get("files") or {}).items():
                assert set(chunk) == {"offset", "content"}, "%s: %s keys" % (kind, fname)
                assert isinstance(chunk["offset"], int) and isinstance(chunk["content"], list)
                assert all(isinstance(x, str) for x in chunk["content"])
        compared.add(kind)
    absent = [k for k in required if k not in compared]
    assert not absent, "no fixtures for %s; record them with run_tests.sh --record" % absent


def history_steps(run):
    return [h["_step"] for h in run["history"]]


# ------------------------------------------------------------------ Python SDK

PY_CLIENT = "wandb %s (Python; networking by wandb-core)" % WANDB_VERSION
PY_REQUIRED = ["graphql-Viewer", "graphql-UpsertBucket-create", "graphql-UpsertBucket-update",
               "graphql-CreateRunFiles", "file_stream-history", "file_stream-summary",
               "file_stream-output", "file_stream-uploaded",
               "file_stream-complete", "upload-put"]


def test_python_sdk_init_log_summary_finish(server, wandb_python, tmp_path):
    proc, info = run_py_client(wandb_python, server, str(tmp_path / "py"))
    assert proc.returncode == 0 and info, explain(proc, server)
    record_timing("python wandb %s" % WANDB_VERSION, info["seconds"])

    run = server.run_state(info["id"])
    assert run is not None, explain(proc, server)
    assert (run["entity"], run["project"]) == (wbserver.DEFAULT_ENTITY, "fidelity-py")
    assert run["display_name"] == info["name"]  # generated by the server, shown by the SDK
    assert run["config_values"] == {"lr": 0.01, "layers": 3, "batch_size": 32,
                                    "model": {"depth": 3, "act": "relu"}}
    assert "t" in run["config"]["_wandb"]["value"]  # telemetry: what resume detection needs
    assert run["tags"] == ["fidelity", "py"] and run["group"] == "fidelity-group"
    assert run["job_type"] == "train" and run["notes"] == "runlog fidelity test"

    assert history_steps(run) == list(range(20))
    assert run["history_offsets"] == list(range(20)) and run["history_gaps"] == []
    assert [h["loss"] for h in run["history"]] == [1.0 / (i + 1) for i in range(20)]
    assert all({"_runtime", "_timestamp"} <= set(h) for h in run["history"])
    assert run["history"][3]["nested"] == {"x": 3}

    s = run["summary"]
    assert s["best_acc"] == 0.99 and s["final"] == "done"
    assert s["_step"] == 19 and s["loss"] == pytest.approx(0.05) and "_wandb" in s
    assert run["complete"] is True and run["exitcode"] == 0 and run["state"] == "finished"
    # System metrics: usually one sample at start, but a short run may end before it.
    assert all(e.get("_wandb") is True and "_runtime" in e for e in run["events"])
    assert any("fidelity: training started" in line for line in run["output"])
    assert run["invalid_lines"] == []
    for f in ("config.yaml", "wandb-metadata.json", "wandb-summary.json", "requirements.txt"):
        assert f in run["files"] and f in run["uploaded"], f
    assert json.loads(run["files"]["wandb-summary.json"]["text"])["best_acc"] == 0.99

    # Credentials go to GraphQL and file_stream, never to (pre-signed) upload URLs.
    for r in server.requests():
        has_auth = "Authorization" in r["headers"]
        if r["endpoint"] in ("graphql", "file_stream"):
            assert has_auth and r["headers"]["User-Agent"] == "wandb-core", r["path"]
        if r["endpoint"] == "upload":
            assert not has_auth
    assert_server_served_everything(server)
    check_or_record_fixtures("py", PY_CLIENT, server, PY_REQUIRED)


def test_python_sdk_resume_continues_offsets_and_steps(server, wandb_python, tmp_path):
    work = str(tmp_path / "py")
    proc, first = run_py_client(wandb_python, server, work, "--run-id", "resume01", "--rows", "20")
    assert proc.returncode == 0, explain(proc, server)
    proc, second = run_py_client(wandb_python, server, work, "--run-id", "resume01",
                                 "--resume", "allow", "--rows", "5", "--exit-code", "3")
    assert proc.returncode == 0 and second, explain(proc, server)
    record_timing("python wandb resume", second["seconds"])
    run = server.run_state("resume01")
    assert history_steps(run) == list(range(25))
    assert run["history_offsets"] == list(range(25))
    assert run["line_counts"]["output"] >= 4
    assert run["exitcode"] == 3 and run["state"] == "failed"
    resume_q = server.requests("graphql", "RunResumeStatus")
    assert len(resume_q) == 1
    bucket = resume_q[0]["response"]["data"]["model"]["bucket"]
    assert bucket["historyLineCount"] == 20
    assert json.loads(bucket["wandbConfig"]).keys() == {"t"}
    # The resumed session continued every file at the stored line counts.
    later = [r for r in server.requests("file_stream") if r["seq"] > resume_q[0]["seq"]]
    starts = {}
    for r in later:
        for fname, chunk in (r["body"].get("files") or {}).items():
            starts.setdefault(fname, chunk["offset"])
    assert starts["wandb-history.jsonl"] == 20
    assert starts["output.log"] == bucket["logLineCount"] and bucket["logLineCount"] >= 2
    if "wandb-events.jsonl" in starts:  # system metrics are not sampled in every short run
        assert starts["wandb-events.jsonl"] == bucket["eventsLineCount"]
    assert_server_served_everything(server)
    check_or_record_fixtures("py_resume", PY_CLIENT, server,
                             ["graphql-RunResumeStatus", "graphql-UpsertBucket-update",
                              "file_stream-history"], since_seq=resume_q[0]["seq"])


def test_python_sdk_resume_must_and_never(server, wandb_python, tmp_path):
    """resume="must" on a missing run and "never" on an existing one are usage errors."""
    server.seed_run({"project": "fidelity-py", "name": "exists01", "history": [{"_step": 0}]})
    proc, info = run_py_client(wandb_python, server, str(tmp_path / "must"), "--run-id", "missing1",
                               "--resume", "must", "--rows", "1", extra_env={"WANDB_SILENT": "true"})
    assert proc.returncode != 0 and info is None
    assert "UsageError" in proc.stderr and "missing1" in proc.stderr, proc.stderr[-2000:]
    answer = server.requests("graphql", "RunResumeStatus")[-1]["response"]["data"]["model"]
    assert answer["name"] == "fidelity-py" and answer["bucket"] is None
    proc, info = run_py_client(wandb_python, server, str(tmp_path / "never"), "--run-id", "exists01",
                               "--resume", "never", "--rows", "1", extra_env={"WANDB_SILENT": "true"})
    assert proc.returncode != 0 and info is None
    assert "UsageError" in proc.stderr and "exists01" in proc.stderr, proc.stderr[-2000:]
    assert server.find_run("missing1") is None
    assert len(server.run_state("exists01")["upserts"]) == 0  # never touched
    assert_server_served_everything(server)


def test_python_sdk_survives_faults_without_duplicates(server, wandb_python, tmp_path):
    server.set_faults([
        {"endpoint": "graphql", "operation": "UpsertBucket", "status": 503, "count": 1},
        {"endpoint": "graphql", "operation": "CreateRunFiles", "action": "reset", "count": 1},
        # The first history post is stored but answered 500: the resend must overwrite.
        {"endpoint": "file_stream", "file": "wandb-history.jsonl", "status": 500, "apply": True,
         "count": 1},
        {"endpoint": "file_stream", "status": 429, "retry_after": 1, "count": 1},
        {"endpoint": "file_stream", "action": "reset", "count": 1},
        {"endpoint": "upload", "status": 502, "count": 1},
    ], seed=7)
    proc, info = run_py_client(wandb_python, server, str(tmp_path / "py"))
    assert proc.returncode == 0 and info, explain(proc, server)
    record_timing("python wandb with faults", info["seconds"])
    run = server.run_state(info["id"])
    assert history_steps(run) == list(range(20)) and run["history_gaps"] == []
    assert run["history_overwrites"] >= 20  # resent at the same offsets, not appended
    assert run["complete"] is True and run["exitcode"] == 0
    assert run["files"]["config.yaml"]["puts"] >= 1
    fired = [f["fired"] for f in server.state()["faults"]]
    assert fired == [1, 1, 1, 1, 1, 1], server.state()["faults"]
    retried_after_429 = [r for r in server.requests("file_stream") if r.get("fault") == 429]
    assert retried_after_429
    assert_server_served_everything(server)


def test_python_sdk_run_stopped_from_server(server, wandb_python, tmp_path):
    """Admin "stop" makes file_stream answer {"stopped": true}; the SDK stops the run."""
    work = str(tmp_path / "py")
    os.makedirs(work)
    out = os.path.join(work, "out.json")
    env = clean_env(WANDB_BASE_URL=server.url, WANDB_API_KEY=wbserver.DEFAULT_API_KEY,
                    WANDB_MODE="online", WANDB_DISABLE_GIT="true", WANDB_DIR=work, HOME=work,
                    WANDB__DISABLE_SETPROCTITLE="true", WANDB_ERROR_REPORTING="false")
    proc = subprocess.Popen([wandb_python, os.path.join(HERE, "clients", "py_client.py"), out,
                             "--run-id", "stopme01", "--rows", "2", "--until-stopped", "90"],
                            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        # Stop only once the client is in its loop: a stop seen during init
        # interrupts wandb.init itself.
        while not os.path.exists(out + ".looping") and time.time() < deadline and proc.poll() is None:
            time.sleep(0.1)
        server.stop_run("stopme01")
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert json.load(open(out))["interrupted"] is True, output[-3000:]
    run = server.run_state("stopme01")
    assert run["stopped"] is True and run["complete"] is True
    assert run["exitcode"] == 255 and run["state"] == "failed"
    stop_answers = [r for r in server.requests("file_stream") if r["seq"] and r["status"] == 200]
    assert stop_answers
    assert_server_served_everything(server)


def test_python_sdk_over_https_with_ca_bundle(tls_server, wandb_python, tmp_path):
    ca = tls_server.ca_file
    proc, info = run_py_client(wandb_python, tls_server, str(tmp_path / "py"), "--rows", "3",
                               extra_env={"SSL_CERT_FILE": ca, "REQUESTS_CA_BUNDLE": ca})
    assert proc.returncode == 0 and info, explain(proc, tls_server)
    run = tls_server.run_state(info["id"])
    assert history_steps(run) == [0, 1, 2] and run["exitcode"] == 0


def test_python_sdk_refuses_untrusted_https(tls_server, wandb_python, tmp_path):
    proc, info = run_py_client(wandb_python, tls_server, str(tmp_path / "py"), "--rows", "1",
                               extra_env={"WANDB_INIT_TIMEOUT": "20"}, timeout=120)
    assert proc.returncode != 0 and info is None
    assert tls_server.state()["runs"] == []
    assert tls_server.state()["tls_errors"]


def test_python_sdk_wrong_api_key_is_rejected(server, wandb_python, tmp_path):
    server.api_keys = {"f" * 40}
    proc, info = run_py_client(wandb_python, server, str(tmp_path / "py"), "--rows", "1",
                               extra_env={"WANDB_INIT_TIMEOUT": "20"}, timeout=120)
    assert proc.returncode != 0 and info is None
    assert server.state()["runs"] == []
    assert any(r["status"] == 401 for r in server.requests("graphql"))


# ------------------------------------------------------------------ JS SDK

JS_CLIENT = "@wandb/sdk %s (npm, Node)" % JS_SDK_VERSION


def test_js_sdk_init_log_finish(server, node_sdk, tmp_path):
    proc, info = run_js_client(node_sdk, server, str(tmp_path / "js"))
    assert proc.returncode == 0 and info, explain(proc, server)
    record_timing("js @wandb/sdk %s" % JS_SDK_VERSION, info["seconds"])
    run = server.run_state(info["id"])
    assert run is not None, explain(proc, server)
    assert (run["entity"], run["project"]) == (wbserver.DEFAULT_ENTITY, "fidelity-js")
    assert run["display_name"] == info["name"]
    # The JS SDK sends the config unwrapped (no {"value": ...}, no _wandb).
    assert run["config"] == {"lr": 0.01, "layers": 3, "model": {"depth": 3, "act": "relu"}}
    rows = [h for h in run["history"] if "loss" in h]
    assert [h["_step"] for h in rows] == list(range(20))
    assert [h["loss"] for h in rows] == [1.0 / (i + 1) for i in range(20)]
    # It has no summary API; the last row carries the summary-only keys.
    assert history_steps(run) == list(range(21)) and run["history_gaps"] == []
    s = run["summary"]
    assert s["best_acc"] == 0.99 and s["final"] == "done" and s["loss"] == pytest.approx(0.05)
    assert run["complete"] is True and run["exitcode"] == 0 and run["state"] == "finished"
    for r in server.requests():
        assert r["headers"]["User-Agent"].startswith("W&B Internal JS Client")
        assert r["auth_user"] == "api"
    assert_server_served_everything(server)
    check_or_record_fixtures("js", JS_CLIENT, server,
                             ["graphql-Viewer", "graphql-UpsertBucket-create",
                              "file_stream-history", "file_stream-summary", "file_stream-complete"])
