#!/usr/bin/env python3
"""wbserver: a local server that speaks the Weights & Biases client protocol.

For runlog's tests only. Python 3 standard library only (plus wbgql.py beside
this file). It answers the GraphQL operations and the file_stream / file
upload endpoints that W&B clients use, keeps everything it receives in
memory for assertions, and can inject faults (5xx, 429 + Retry-After,
connection resets, slow answers, 401/403/404/409 ...) on demand.

    python3 tests/server/wbserver.py --port 0 --ready-file /tmp/port
    python3 -m tests.server --port 0 --tls-dir /tmp/certs

    from wbserver import WBServer
    with WBServer(api_key="k" * 40) as srv:
        srv.url            # http://127.0.0.1:PORT
        srv.state()        # what GET /_admin/state returns

See README.md beside this file for the admin API and what is faithful.
"""

import argparse
import base64
import collections
import datetime as _dt
import gzip
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:  # imported as tests.server.wbserver
    from . import wbgql
except ImportError:  # run as a script, or imported with this folder on sys.path
    import wbgql

__all__ = ["WBServer", "make_tls_certs", "DEFAULT_API_KEY", "DEFAULT_ENTITY"]

DEFAULT_API_KEY = "0123456789abcdef0123456789abcdef01234567"  # 40 characters
DEFAULT_ENTITY = "runlog-tester"
SERVER_VERSION = "0.70.0"

HISTORY = "wandb-history.jsonl"
EVENTS = "wandb-events.jsonl"
SUMMARY = "wandb-summary.json"
OUTPUT = "output.log"

# W&B generates display names server-side as <adjective>-<noun>-<n>; the real
# word list is private, these are our own.
_ADJECTIVES = ("amber", "brisk", "calm", "dusty", "eager", "fancy", "gentle",
               "hazy", "icy", "jolly", "keen", "lively", "misty", "noble",
               "olive", "proud", "quiet", "rosy", "silver", "tidy", "upbeat",
               "vivid", "warm", "young", "zesty")
_NOUNS = ("river", "meadow", "comet", "forest", "harbor", "island", "lake",
          "moon", "night", "ocean", "pine", "rain", "sky", "star", "thunder",
          "valley", "wave", "wind", "yard", "zephyr")


def _now_iso():
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def _node_id(*parts):
    return base64.b64encode(":".join(parts).encode()).decode()


def _loads(text):
    """json.loads that accepts NaN/Infinity, as W&B clients send them."""
    return json.loads(text)


def _try_loads(text):
    try:
        return _loads(text), None
    except (ValueError, TypeError) as e:
        return None, str(e)


def _dumps(obj):
    return json.dumps(obj, separators=(",", ":"), allow_nan=True)


def _finite(v):
    """Non-finite floats -> "NaN"/"Infinity"/"-Infinity" strings, recursively."""
    if isinstance(v, float) and v != v:
        return "NaN"
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return "Infinity" if v > 0 else "-Infinity"
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_finite(x) for x in v]
    return v


def _unwrap_config(cfg):
    """{"k": {"value": v}} -> {"k": v} (core/legacy form); raw values stay."""
    if not isinstance(cfg, dict):
        return cfg
    out = {}
    for k, v in cfg.items():
        if isinstance(v, dict) and "value" in v and set(v) <= {"value", "desc"}:
            out[k] = v["value"]
        else:
            out[k] = v
    return out


# --------------------------------------------------------------------------
# TLS
# --------------------------------------------------------------------------

def make_tls_certs(directory, hosts=("127.0.0.1", "localhost"), days=2):
    """Make a throwaway CA and a server certificate signed by it.

    Writes ca.pem, ca.key, server.pem, server.key into ``directory`` and
    returns a dict of their paths. Uses the openssl CLI, or the Python
    ``cryptography`` package when openssl is missing.
    """
    os.makedirs(directory, exist_ok=True)
    p = {n: os.path.join(directory, n) for n in ("ca.pem", "ca.key", "server.pem", "server.key")}
    san = ",".join(("IP:%s" if h.replace(".", "").isdigit() or ":" in h else "DNS:%s") % h
                   for h in hosts)
    if shutil.which("openssl"):
        def run(*args):
            subprocess.run(("openssl",) + args, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p["ca.key"],
            "-out", p["ca.pem"], "-days", str(days), "-subj", "/CN=wbserver test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        csr = os.path.join(directory, "server.csr")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", p["server.key"], "-out", csr,
            "-subj", "/CN=%s" % hosts[0])
        ext = os.path.join(directory, "server.ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n"
                    "subjectAltName=%s\n" % san)
        run("x509", "-req", "-in", csr, "-CA", p["ca.pem"], "-CAkey", p["ca.key"],
            "-CAcreateserial", "-out", p["server.pem"], "-days", str(days), "-sha256",
            "-extfile", ext)
        for extra in (csr, ext, os.path.join(directory, "ca.srl")):
            if os.path.exists(extra):
                os.remove(extra)
        return p
    return _make_tls_certs_cryptography(p, hosts, days)


def _make_tls_certs_cryptography(p, hosts, days):
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = _dt.datetime.now(_dt.timezone.utc)

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def save_key(k, path):
        with open(path, "wb") as f:
            f.write(k.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()))

    ca_key = key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wbserver test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - _dt.timedelta(minutes=5))
          .not_valid_after(now + _dt.timedelta(days=days))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    srv_key = key()
    alt = []
    for h in hosts:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            alt.append(x509.DNSName(h))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca_name).public_key(srv_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(minutes=5))
            .not_valid_after(now + _dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    save_key(ca_key, p["ca.key"])
    save_key(srv_key, p["server.key"])
    with open(p["ca.pem"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(p["server.pem"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return p


# --------------------------------------------------------------------------
# Stored data
# --------------------------------------------------------------------------

class Lines:
    """Lines of one file_stream file, by absolute line offset."""

    def __init__(self):
        self.by_offset = {}
        self.overwrites = 0

    def put(self, offset, content):
        for i, line in enumerate(content):
            if offset + i in self.by_offset:
                self.overwrites += 1
            self.by_offset[offset + i] = line

    def count(self):
        return (max(self.by_offset) + 1) if self.by_offset else 0

    def ordered(self):
        return [self.by_offset[k] for k in sorted(self.by_offset)]

    def tail(self, n):
        return [self.by_offset[k] for k in sorted(self.by_offset)[-n:]]

    def gaps(self):
        n = self.count()
        return [i for i in range(n) if i not in self.by_offset]


class Run:
    def __init__(self, entity, project, name):
        self.entity, self.project, self.name = entity, project, name
        self.storage_id = _node_id("Run", "v1", name, project, entity)
        self.display_name = None
        self.description = None
        self.notes = None
        self.group = None
        self.job_type = None
        self.tags = []
        self.host = None
        self.program = None
        self.repo = None
        self.commit = None
        self.sweep = None
        self.state = "running"
        self.config_text = None
        self.summary = {}
        self.summary_line = None
        self.debug = None
        self.created_at = _now_iso()
        self.updated_at = self.created_at
        self.heartbeat_at = self.created_at
        self.files = {}           # file_stream file name -> Lines
        self.uploaded = []        # file_stream "uploaded" entries, in order
        self.uploaded_files = {}  # name -> {"data": bytes, "headers": {...}, "count": n}
        self.complete = False
        self.exitcode = None
        self.preempting = False
        self.dropped = None
        self.stopped = False
        self.upserts = []         # UpsertBucket variables, in order
        self.file_stream = []     # file_stream bodies, in order
        self.invalid_lines = []   # history/events/summary lines that are not JSON objects

    def lines(self, fname):
        if fname not in self.files:
            self.files[fname] = Lines()
        return self.files[fname]

    def count(self, fname):
        return self.files[fname].count() if fname in self.files else 0

    def config(self):
        if not self.config_text:
            return {}
        v, _ = _try_loads(self.config_text)
        return v if isinstance(v, dict) else {}

    def wandb_config(self, keys):
        w = self.config().get("_wandb")
        if isinstance(w, dict) and "value" in w and set(w) <= {"value", "desc"}:
            w = w["value"]
        if not isinstance(w, dict):
            w = {}
        if keys:
            w = {k: v for k, v in w.items() if k in keys}
        return _dumps(w)

    def history_rows(self):
        out = []
        for line in self.files[HISTORY].ordered() if HISTORY in self.files else []:
            v, _ = _try_loads(line)
            out.append(v if v is not None else line)
        return out

    def snapshot(self):
        def parsed(fname):
            if fname not in self.files:
                return []
            out = []
            for line in self.files[fname].ordered():
                v, _ = _try_loads(line)
                out.append(v if v is not None else line)
            return out

        cfg = self.config()
        return {
            "entity": self.entity, "project": self.project, "name": self.name,
            "id": self.storage_id, "display_name": self.display_name,
            "description": self.description, "notes": self.notes, "group": self.group,
            "job_type": self.job_type, "tags": list(self.tags), "host": self.host,
            "program": self.program, "repo": self.repo, "commit": self.commit,
            "sweep": self.sweep, "state": self.state,
            "config_raw": self.config_text, "config": cfg,
            "config_values": {k: v for k, v in _unwrap_config(cfg).items() if k != "_wandb"},
            "summary": self.summary, "summary_line": self.summary_line,
            "history": parsed(HISTORY),
            "history_offsets": sorted(self.files[HISTORY].by_offset) if HISTORY in self.files else [],
            "history_overwrites": self.files[HISTORY].overwrites if HISTORY in self.files else 0,
            "line_overwrites": {k: v.overwrites for k, v in sorted(self.files.items())},
            "history_gaps": self.files[HISTORY].gaps() if HISTORY in self.files else [],
            "events": parsed(EVENTS),
            "output": self.files[OUTPUT].ordered() if OUTPUT in self.files else [],
            "other_stream_files": {k: v.ordered() for k, v in self.files.items()
                                   if k not in (HISTORY, EVENTS, OUTPUT, SUMMARY)},
            "line_counts": {"history": self.count(HISTORY), "events": self.count(EVENTS),
                            "output": self.count(OUTPUT)},
            "complete": self.complete, "exitcode": self.exitcode,
            "preempting": self.preempting, "dropped": self.dropped, "stopped": self.stopped,
            "uploaded": list(self.uploaded),
            "files": {k: {"size": len(v["data"]), "sha256": hashlib.sha256(v["data"]).hexdigest(),
                          "puts": v["count"], "content_type": v["headers"].get("content-type"),
                          "text": _text_or_none(v["data"])}
                      for k, v in sorted(self.uploaded_files.items())},
            "upserts": list(self.upserts),
            "file_stream_requests": len(self.file_stream),
            "invalid_lines": list(self.invalid_lines),
            "created_at": self.created_at, "updated_at": self.updated_at,
            "heartbeat_at": self.heartbeat_at,
        }


def _text_or_none(data, limit=1 << 20):
    if len(data) > limit:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


class Project:
    def __init__(self, entity, name):
        self.entity, self.name = entity, name
        self.id = _node_id("Project", "v1", name, entity)
        self.runs = {}
        self.created_at = _now_iso()


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------

_FAULT_ACTIONS = ("status", "reset", "close", "delay")


class FaultRule:
    """One fault rule; see README.md "Fault injection"."""

    def __init__(self, spec):
        self.spec = dict(spec)
        self.endpoint = spec.get("endpoint", "any")
        self.operation = spec.get("operation")
        self.run = spec.get("run")
        self.file = spec.get("file")  # file_stream: only bodies that carry this file
        self.action = spec.get("action") or ("status" if "status" in spec else
                                             "delay" if "delay_ms" in spec else None)
        if self.action not in _FAULT_ACTIONS:
            raise ValueError("fault action must be one of %s" % (_FAULT_ACTIONS,))
        self.status = int(spec.get("status", 500))
        self.count = spec.get("count")          # fire at most N times
        self.rate = spec.get("rate")            # probability per matching request
        self.after = int(spec.get("after", 0))  # let the first K matching requests through
        self.delay_ms = int(spec.get("delay_ms", 0))
        self.retry_after = spec.get("retry_after")
        self.headers = dict(spec.get("headers") or {})
        self.body = spec.get("body")
        self.when = spec.get("when", "after_body")
        # apply: the server handles the request (stores it) and then fails,
        # as when a response is lost: a client resend must not duplicate.
        self.apply = bool(spec.get("apply", False))
        self.matched = 0
        self.fired = 0

    def matches(self, endpoint, operation, run, body=None):
        if self.endpoint not in ("any", endpoint):
            return False
        if self.operation and self.operation != operation:
            return False
        if self.run and self.run != run:
            return False
        if self.file:
            files = body.get("files") if isinstance(body, dict) else None
            if not isinstance(files, dict) or self.file not in files:
                return False
        return True

    def exhausted(self):
        return self.count is not None and self.fired >= int(self.count)

    def describe(self):
        d = dict(self.spec)
        d.update(matched=self.matched, fired=self.fired, exhausted=self.exhausted())
        return d


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------

class WBServer:
    """A W&B-protocol server on 127.0.0.1 for tests.

    api_key: the key to accept (str, or a list of them); None accepts any
    non-empty key. entity: the viewer's default entity. tls_dir: if given,
    serve HTTPS with certificates made there (ca.pem for clients). faults:
    a list of fault rules (see README). seed: RNG seed for fault rates.
    """

    def __init__(self, host="127.0.0.1", port=0, api_key=DEFAULT_API_KEY,
                 entity=DEFAULT_ENTITY, tls_dir=None, faults=None, seed=0,
                 features=None, verbose=False, max_log=100000,
                 upload_headers=None, log_bodies=True):
        self.host = host
        self.requested_port = port
        if api_key is None:
            self.api_keys = None
        elif isinstance(api_key, str):
            self.api_keys = {api_key}
        else:
            self.api_keys = set(api_key)
        self.entity = entity
        self.tls_dir = tls_dir
        self.tls = None
        self.verbose = verbose
        self.max_log = max_log
        self.log_bodies = log_bodies  # False: the request log keeps sizes, not bodies
        self.features = dict(features or {})
        self.upload_headers = list(upload_headers or [])
        self.lock = threading.RLock()
        self._secret = os.urandom(16)
        self._httpd = None
        self._thread = None
        self.started_at = None
        self._reset_locked(seed)
        if faults:
            self.set_faults(faults, seed=seed)

    # ---- lifecycle -------------------------------------------------------
    def start(self):
        if self.tls_dir:
            self.tls = make_tls_certs(self.tls_dir)
        self._httpd = _HTTPServer((self.host, self.requested_port), _Handler, self)
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="wbserver", daemon=True)
        self.started_at = time.monotonic()
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def scheme(self):
        return "https" if self.tls else "http"

    @property
    def url(self):
        return "%s://%s:%d" % (self.scheme, self.host, self.port)

    @property
    def ca_file(self):
        return self.tls["ca.pem"] if self.tls else None

    # ---- state -----------------------------------------------------------
    def _reset_locked(self, seed=0):
        self.projects = {}
        self.log = collections.deque(maxlen=self.max_log)
        self.log_dropped = 0
        self.unknown_fields = []
        self.tls_errors = []
        self.errors = []
        self.fault_rules = []
        self.rng = random.Random(seed)
        self.seq = 0
        self.name_counter = 0

    def reset(self, seed=0):
        with self.lock:
            self._reset_locked(seed)

    def set_faults(self, rules, seed=None, append=False):
        parsed = [FaultRule(r) for r in rules]
        with self.lock:
            if seed is not None:
                self.rng = random.Random(seed)
            if append:
                self.fault_rules.extend(parsed)
            else:
                self.fault_rules = parsed

    def clear_faults(self):
        self.set_faults([])

    def stop_run(self, run, project=None, entity=None):
        with self.lock:
            r = self.find_run(run, project, entity)
            if r is None:
                raise KeyError(run)
            r.stopped = True

    def find_run(self, name, project=None, entity=None):
        with self.lock:
            for (e, p), proj in self.projects.items():
                if (entity is None or e == entity) and (project is None or p == project):
                    if name in proj.runs:
                        return proj.runs[name]
        return None

    def state(self, include_requests=True, since=0):
        """Everything stored, as plain JSON types (see README "GET /_admin/state").

        since: only log entries with seq > since.
        """
        with self.lock:
            runs = []
            for (e, p), proj in sorted(self.projects.items()):
                for name, r in sorted(proj.runs.items()):
                    runs.append(r.snapshot())
            out = {
                "url": self.url if self._httpd else None,
                "entity": self.entity,
                "runs": runs,
                "projects": sorted("%s/%s" % k for k in self.projects),
                "faults": [f.describe() for f in self.fault_rules],
                "unknown_fields": list(self.unknown_fields),
                "tls_errors": list(self.tls_errors),
                "errors": list(self.errors),
                "request_count": self.seq,
                "requests_dropped": self.log_dropped,
            }
            if include_requests:
                out["requests"] = [r for r in self.log if r["seq"] > since]
            return json.loads(_dumps(out))  # deep copy, plain JSON types

    def run_state(self, name, project=None, entity=None):
        for r in self.state(include_requests=False)["runs"]:
            if r["name"] == name and project in (None, r["project"]) and entity in (None, r["entity"]):
                return r
        return None

    def requests(self, endpoint=None, operation=None):
        with self.lock:
            return [json.loads(_dumps(r)) for r in self.log
                    if (endpoint is None or r["endpoint"] == endpoint)
                    and (operation is None or r.get("operation") == operation)]

    def seed_run(self, spec):
        """Pre-create a run as if a client had logged it (for resume tests)."""
        with self.lock:
            entity = spec.get("entity") or self.entity
            project = spec.get("project") or "uncategorized"
            name = spec["name"]
            r = self._get_or_create_run(entity, project, name)[0]
            cfg = spec.get("config")
            if cfg is not None:
                if spec.get("wrap_config", True):
                    cfg = {k: ({"value": v} if not (isinstance(v, dict) and "value" in v) else v)
                           for k, v in cfg.items()}
                    if spec.get("started", True):
                        cfg.setdefault("_wandb", {"value": {"t": {}}})
                r.config_text = _dumps(cfg)
            elif spec.get("started", True):
                r.config_text = _dumps({"_wandb": {"value": {"t": {}}}})
            for k in ("display_name", "notes", "group", "job_type", "state"):
                if spec.get(k) is not None:
                    setattr(r, k, spec[k])
            if spec.get("tags") is not None:
                r.tags = list(spec["tags"])
            if r.display_name is None:
                r.display_name = self._display_name()
            for key, fname in (("history", HISTORY), ("events", EVENTS)):
                rows = spec.get(key) or []
                if rows:
                    lines = r.lines(fname)
                    lines.put(lines.count(), [x if isinstance(x, str) else _dumps(x) for x in rows])
            if spec.get("output"):
                lines = r.lines(OUTPUT)
                lines.put(lines.count(), list(spec["output"]))
            if spec.get("summary") is not None:
                r.summary = dict(spec["summary"])
                r.summary_line = _dumps(r.summary)
            if spec.get("complete"):
                r.complete = True
                r.exitcode = spec.get("exitcode", 0)
                r.state = "finished" if r.exitcode == 0 else "failed"
            return r.snapshot()

    # ---- helpers ---------------------------------------------------------
    def _display_name(self):
        self.name_counter += 1
        return "%s-%s-%d" % (self.rng.choice(_ADJECTIVES), self.rng.choice(_NOUNS), self.name_counter)

    def _new_run_id(self):
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        return "".join(random.SystemRandom().choice(alphabet) for _ in range(8))

    def _get_project(self, entity, project, create=False):
        key = (entity, project)
        if key not in self.projects and create:
            self.projects[key] = Project(entity, project)
        return self.projects.get(key)

    def _get_or_create_run(self, entity, project, name):
        proj = self._get_project(entity, project, create=True)
        if name in proj.runs:
            return proj.runs[name], False
        r = Run(entity, project, name)
        proj.runs[name] = r
        return r, True

    def _run_by_storage_id(self, storage_id):
        for proj in self.projects.values():
            for r in proj.runs.values():
                if r.storage_id == storage_id:
                    return r
        return None

    def upload_url(self, base, r, fname):
        path = "/_storage/%s/%s/%s/%s" % (
            urllib.parse.quote(r.entity, safe=""), urllib.parse.quote(r.project, safe=""),
            urllib.parse.quote(r.name, safe=""), urllib.parse.quote(fname, safe="/"))
        sig = hmac.new(self._secret, path.encode(), hashlib.sha256).hexdigest()[:32]
        return "%s%s?sig=%s" % (base, path, sig)

    def check_sig(self, path, sig):
        want = hmac.new(self._secret, path.encode(), hashlib.sha256).hexdigest()[:32]
        return hmac.compare_digest(want, sig or "")

    def pick_fault(self, endpoint, operation, run, phase="after_body", body=None):
        """First matching rule that fires for this request, or None.

        phase "before_body": only rules with when="before_body" (decided
        before the request body is read, so they cannot match operation).
        """
        with self.lock:
            for rule in self.fault_rules:
                if (rule.when == "before_body") != (phase == "before_body"):
                    continue
                if rule.exhausted() or not rule.matches(endpoint, operation, run, body):
                    continue
                rule.matched += 1
                if rule.matched <= rule.after:
                    continue
                if rule.rate is not None and self.rng.random() >= float(rule.rate):
                    continue
                rule.fired += 1
                return rule
        return None

    def record(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            if len(self.log) == self.log.maxlen:
                self.log_dropped += 1  # the deque drops the oldest entry
            self.log.append(entry)
        return entry

    def check_auth(self, header):
        """(ok, username) for an Authorization header."""
        if not header:
            return False, None
        scheme, _, cred = header.partition(" ")
        if scheme.lower() != "basic":
            return False, None
        try:
            user, _, key = base64.b64decode(cred.strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False, None
        if not key:
            return False, user
        if self.api_keys is None:
            return True, user
        return key in self.api_keys, user

    # ---- GraphQL ---------------------------------------------------------
    def graphql_roots(self, base):
        srv = self

        def project_obj(p):
            if p is None:
                return None
            return {
                "__typename": "Project", "id": p.id, "name": p.name, "entityName": p.entity,
                "entity": entity_obj(p.entity), "createdAt": p.created_at,
                "description": None, "access": "PRIVATE", "readOnly": False,
                "isBenchmark": False, "views": "{}", "runCount": len(p.runs),
                "bucket": lambda a: bucket(p, a),
                "run": lambda a: run_obj(p.runs.get(a.get("name"))),
                "runs": lambda a: {"__typename": "RunConnection", "totalCount": len(p.runs),
                                   "edges": [{"node": run_obj(r), "cursor": r.name}
                                             for r in p.runs.values()],
                                   "pageInfo": {"hasNextPage": False, "endCursor": None}},
            }

        def bucket(p, a):
            r = p.runs.get(a.get("name"))
            if r is None and not a.get("missingOk"):
                # W&B returns null for an unknown bucket either way.
                return None
            return run_obj(r)

        def entity_obj(name):
            return {"__typename": "Entity", "id": _node_id("Entity", name), "name": name,
                    "isTeam": name != srv.entity, "defaultAccess": "PRIVATE",
                    "readOnly": False, "organization": None}

        def run_obj(r):
            if r is None:
                return None
            proj = srv._get_project(r.entity, r.project)
            return {
                "__typename": "Run", "id": r.storage_id, "name": r.name,
                "displayName": r.display_name, "description": r.description,
                "notes": r.notes, "group": r.group, "jobType": r.job_type,
                "tags": list(r.tags), "host": r.host, "commit": r.commit,
                "state": r.state, "stopped": r.stopped, "shouldStop": r.stopped,
                "running": r.state == "running", "failed": r.state == "failed",
                "config": r.config_text if r.config_text is not None else "{}",
                "summaryMetrics": _dumps(r.summary),
                "systemMetrics": "{}",
                "wandbConfig": lambda a: r.wandb_config(a.get("keys")),
                "historyLineCount": r.count(HISTORY),
                "eventsLineCount": r.count(EVENTS),
                "logLineCount": r.count(OUTPUT),
                "historyTail": _dumps(r.files[HISTORY].tail(10) if HISTORY in r.files else []),
                "eventsTail": _dumps(r.files[EVENTS].tail(10) if EVENTS in r.files else []),
                "historyKeys": "{}",
                "sweepName": r.sweep, "createdAt": r.created_at, "updatedAt": r.updated_at,
                "heartbeatAt": r.heartbeat_at, "exitcode": r.exitcode,
                "readOnly": False, "framework": None, "runInfo": None,
                "project": project_obj(proj),
                "user": {"__typename": "User", "id": _node_id("User", srv.entity),
                         "username": srv.entity, "name": srv.entity},
                "files": lambda a: files_conn(r, a),
                "projectId": proj.id if proj else None,
            }

        def files_conn(r, a):
            names = a.get("names")
            if names is None:
                names = sorted(r.uploaded_files)
            edges = []
            for n in names:
                f = r.uploaded_files.get(n)
                url = srv.upload_url(base, r, n)
                edges.append({"node": {
                    "__typename": "File", "id": _node_id("File", r.storage_id, n), "name": n,
                    "url": lambda a, url=url: url, "directUrl": url, "uploadUrl": url,
                    "sizeBytes": len(f["data"]) if f else 0,
                    "md5": base64.b64encode(hashlib.md5(f["data"]).digest()).decode() if f else None,
                    "mimetype": None, "updatedAt": _now_iso(), "digest": None}})
            return {"__typename": "FileConnection", "uploadHeaders": list(srv.upload_headers),
                    "edges": edges, "pageInfo": {"hasNextPage": False, "endCursor": None}}

        def viewer(_a):
            return {
                "__typename": "User", "id": _node_id("User", srv.entity),
                "entity": srv.entity, "username": srv.entity, "name": srv.entity,
                "email": "%s@example.invalid" % srv.entity, "admin": False,
                "flags": "{}", "photoUrl": None, "defaultFramework": None,
                "userInfo": None, "accountType": "USER",
                "teams": {"__typename": "EntityConnection",
                          "edges": [{"node": entity_obj(srv.entity)}]},
                "organizations": [], "apiKeys": None,
            }

        def server_info(_a):
            return {
                "__typename": "ServerInfo",
                "cliVersionInfo": {},
                # null = multi-tenant cloud (wandb.ai); no local-version checks.
                "latestLocalVersionInfo": None,
                "features": [{"__typename": "ServerFeature", "name": k, "isEnabled": bool(v)}
                             for k, v in sorted(srv.features.items())],
                "availableBucketProviders": [],
                "exportBucketInfo": None,
                "frontendHost": base,
            }

        def upsert_bucket(a):
            return srv.upsert_bucket(a.get("input") or {}, run_obj)

        def create_run_files(a):
            inp = a.get("input") or {}
            p = srv._get_project(inp.get("entityName") or srv.entity, inp.get("projectName"))
            r = p.runs.get(inp.get("runName")) if p else None
            if r is None:
                raise wbgql.FieldError("run %s/%s/%s not found" % (
                    inp.get("entityName"), inp.get("projectName"), inp.get("runName")))
            return {"__typename": "CreateRunFilesPayload", "runID": r.storage_id,
                    "uploadHeaders": list(srv.upload_headers),
                    "files": [{"__typename": "File", "name": n,
                               "uploadUrl": srv.upload_url(base, r, n)}
                              for n in inp.get("files") or []]}

        def stop_run(a):
            inp = a.get("input") or {}
            r = srv._run_by_storage_id(inp.get("id"))
            if r is not None:
                r.stopped = True
            return {"__typename": "StopRunPayload", "success": r is not None,
                    "clientMutationId": inp.get("clientMutationId")}

        def upsert_model(a):
            inp = a.get("input") or {}
            ent = inp.get("entityName") or srv.entity
            name = inp.get("name") or "uncategorized"
            inserted = srv._get_project(ent, name) is None
            p = srv._get_project(ent, name, create=True)
            return {"__typename": "UpsertModelPayload", "project": project_obj(p),
                    "model": project_obj(p), "inserted": inserted}

        query = {
            "__typename": "Query",
            "viewer": viewer,
            "serverInfo": server_info,
            "model": lambda a: project_obj(srv._get_project(a.get("entityName") or srv.entity, a.get("name"))),
            "project": lambda a: project_obj(srv._get_project(a.get("entityName") or srv.entity, a.get("name"))),
            "entity": lambda a: entity_obj(a.get("name") or srv.entity),
            "__type": lambda a: _introspect_type(a.get("name")),
            "__schema": lambda a: _introspect_schema(),
        }
        mutation = {
            "__typename": "Mutation",
            "upsertBucket": upsert_bucket,
            "createRunFiles": create_run_files,
            "stopRun": stop_run,
            "upsertModel": upsert_model,
            "upsertProject": upsert_model,
        }
        return {"query": query, "mutation": mutation}

    def upsert_bucket(self, inp, run_obj):
        """UpsertBucket: create or update a run. Null inputs leave fields unchanged."""
        r = None
        inserted = False
        if inp.get("id"):
            r = self._run_by_storage_id(inp["id"])
            if r is None:
                raise wbgql.FieldError("run with id %s not found" % inp["id"])
        else:
            entity = inp.get("entityName") or self.entity
            project = inp.get("modelName") or "uncategorized"
            name = inp.get("name") or self._new_run_id()
            r, inserted = self._get_or_create_run(entity, project, name)
        simple = {"displayName": "display_name", "description": "description",
                  "notes": "notes", "groupName": "group", "jobType": "job_type",
                  "host": "host", "jobProgram": "program", "jobRepo": "repo",
                  "commit": "commit", "sweep": "sweep", "state": "state", "debug": "debug"}
        for k, attr in simple.items():
            if inp.get(k) is not None:
                setattr(r, attr, inp[k])
        if inp.get("tags") is not None:
            r.tags = list(inp["tags"])
        if inp.get("config") is not None:
            cfg = inp["config"]
            if not isinstance(cfg, str):  # JSONString must be a string; be lenient
                cfg = _dumps(cfg)
            v, err = _try_loads(cfg)
            if err or not isinstance(v, dict):
                raise wbgql.FieldError("config is not a JSON object: %s" % (err or type(v).__name__))
            r.config_text = cfg
        if inp.get("summaryMetrics") is not None:
            v, err = _try_loads(inp["summaryMetrics"])
            if err or not isinstance(v, dict):
                raise wbgql.FieldError("summaryMetrics is not a JSON object")
            r.summary.update(v)
        if r.display_name is None:
            r.display_name = self._display_name()
        if not inserted and r.complete:
            # Clients upsert before the final file_stream "complete", never
            # after it: an upsert of a finished run is a resumed session.
            r.complete, r.exitcode = False, None
            r.state = inp.get("state") or "running"
        r.updated_at = _now_iso()
        r.upserts.append(dict(inp))
        return {"__typename": "UpsertBucketPayload", "bucket": run_obj(r), "inserted": inserted}

    # ---- file_stream -----------------------------------------------------
    def file_stream(self, entity, project, run_name, body):
        """Apply one file_stream body; returns (status, response dict)."""
        with self.lock:
            p = self._get_project(entity, project)
            r = p.runs.get(run_name) if p else None
            if r is None:
                return 404, {"error": "run %s/%s/%s not found" % (entity, project, run_name)}
            r.file_stream.append(body)
            r.heartbeat_at = _now_iso()
            files = body.get("files") or {}
            for fname, chunk in files.items():
                offset = int(chunk.get("offset") or 0)
                content = chunk.get("content") or []
                if fname in (HISTORY, EVENTS, SUMMARY):
                    for i, line in enumerate(content):
                        v, err = _try_loads(line) if isinstance(line, str) else (None, "not a string")
                        if not isinstance(v, dict):
                            r.invalid_lines.append({"file": fname, "offset": offset + i,
                                                    "error": err or "not an object",
                                                    "line": line if isinstance(line, str) else repr(line)})
                r.lines(fname).put(offset, content)
                if fname == SUMMARY and content:
                    r.summary_line = content[-1]
                    v, _ = _try_loads(content[-1])
                    if isinstance(v, dict):
                        r.summary = v
            if body.get("uploaded"):
                r.uploaded.extend(body["uploaded"])
            if body.get("preempting"):
                r.preempting = True
            if "dropped" in body:
                r.dropped = body["dropped"]
            if body.get("complete"):
                r.complete = True
                r.exitcode = body.get("exitcode")
                r.state = "finished" if r.exitcode == 0 else "failed"
            resp = {"exitcode": None, "limits": {}}
            if r.stopped:
                resp["stopped"] = True
            return 200, resp


# Introspection answers: enough for clients that probe which fields or input
# fields the server has. Field types are not modelled (all "String").
_TYPE_FIELDS = {
    "Query": ("viewer", "serverInfo", "model", "project", "entity"),
    "Mutation": ("upsertBucket", "createRunFiles", "stopRun", "upsertModel"),
    "Run": ("id", "name", "displayName", "description", "notes", "group", "jobType", "tags",
            "host", "commit", "state", "stopped", "shouldStop", "config", "summaryMetrics",
            "systemMetrics", "wandbConfig", "historyLineCount", "eventsLineCount",
            "logLineCount", "historyTail", "eventsTail", "historyKeys", "sweepName",
            "createdAt", "updatedAt", "heartbeatAt", "project", "user", "files", "projectId"),
    "Project": ("id", "name", "entityName", "entity", "createdAt", "description", "access",
                "readOnly", "isBenchmark", "views", "runCount", "bucket", "run", "runs"),
    "User": ("id", "entity", "username", "name", "email", "admin", "flags", "photoUrl",
             "defaultFramework", "userInfo", "accountType", "teams", "organizations", "apiKeys"),
    "Entity": ("id", "name", "isTeam", "defaultAccess", "readOnly", "organization"),
    "ServerInfo": ("cliVersionInfo", "latestLocalVersionInfo", "features",
                   "availableBucketProviders", "exportBucketInfo", "frontendHost"),
}
_INPUT_FIELDS = {
    "UpsertBucketInput": ("id", "name", "groupName", "modelName", "entityName", "description",
                          "displayName", "notes", "commit", "config", "host", "debug",
                          "jobProgram", "jobRepo", "jobType", "state", "sweep", "tags",
                          "summaryMetrics", "clientMutationId"),
    "CreateRunFilesInput": ("entityName", "projectName", "runName", "files", "clientMutationId"),
    "StopRunInput": ("id", "clientMutationId"),
    "UpsertModelInput": ("id", "name", "entityName", "description", "access", "views",
                         "clientMutationId"),
}


def _field_desc(name):
    return {"__typename": "__Field", "name": name, "description": None, "args": [],
            "type": {"__typename": "__Type", "name": "String", "kind": "SCALAR", "ofType": None},
            "isDeprecated": False, "deprecationReason": None}


def _introspect_type(name):
    if name in _TYPE_FIELDS:
        return {"__typename": "__Type", "name": name, "kind": "OBJECT", "description": None,
                "fields": lambda a: [_field_desc(f) for f in _TYPE_FIELDS[name]],
                "inputFields": None, "interfaces": [], "enumValues": None,
                "possibleTypes": None, "ofType": None}
    if name in _INPUT_FIELDS:
        return {"__typename": "__Type", "name": name, "kind": "INPUT_OBJECT", "description": None,
                "fields": None,
                "inputFields": [dict(_field_desc(f), __typename="__InputValue", defaultValue=None)
                                for f in _INPUT_FIELDS[name]],
                "interfaces": None, "enumValues": None, "possibleTypes": None, "ofType": None}
    return None


def _introspect_schema():
    return {"__typename": "__Schema",
            "queryType": {"__typename": "__Type", "name": "Query"},
            "mutationType": {"__typename": "__Type", "name": "Mutation"},
            "subscriptionType": None,
            "types": [_introspect_type(n) for n in list(_TYPE_FIELDS) + list(_INPUT_FIELDS)],
            "directives": []}


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, wb):
        self.wb = wb
        self.ssl_context = None
        if wb.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(wb.tls["server.pem"], wb.tls["server.key"])
            ctx.set_alpn_protocols(["http/1.1"])
            self.ssl_context = ctx
        ThreadingHTTPServer.__init__(self, addr, handler)

    def finish_request(self, request, client_address):
        # Runs in the connection's own thread, so a slow or refused TLS
        # handshake does not block accept().
        if self.ssl_context is not None:
            try:
                request.settimeout(30)
                request = self.ssl_context.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (ssl.SSLError, OSError) as e:
                with self.wb.lock:
                    self.wb.tls_errors.append({"client": "%s:%d" % client_address[:2],
                                               "error": str(e)})
                try:
                    request.close()
                except OSError:
                    pass
                return
        ThreadingHTTPServer.finish_request(self, request, client_address)

    def handle_error(self, request, client_address):
        if self.wb.verbose:
            ThreadingHTTPServer.handle_error(self, request, client_address)


class _Abort(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wbserver/1"
    sys_version = ""
    timeout = 300  # idle keep-alive connections are closed after this, as real servers do

    @property
    def wb(self):
        return self.server.wb

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        try:  # headers and body go out in separate writes: avoid Nagle/delayed-ACK stalls
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if self.wb.verbose:
            sys.stderr.write("wbserver: %s\n" % (fmt % args))

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    # ---- plumbing ----
    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            while True:
                size_line = self.rfile.readline(65537)
                if not size_line:
                    raise _Abort()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(3)
            data = b"".join(parts)
        else:
            n = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(n) if n > 0 else b""
            if len(data) < n:
                raise _Abort()
        enc = (self.headers.get("Content-Encoding") or "").lower()
        if enc == "gzip":
            data = gzip.decompress(data)
        elif enc == "deflate":
            data = zlib.decompress(data)
        return data

    def _send(self, status, body=b"", content_type="application/json", headers=None):
        if getattr(self, "_suppress", False):  # an "apply" fault: drop the real answer
            return status
        entry = getattr(self, "_entry", None)
        if entry is not None:
            # Logged before the answer is written, so a client that has its
            # answer always finds its request in the state.
            self._entry = None
            entry["status"] = status
            entry["ms"] = round((time.monotonic() - self._t0) * 1000, 3)
            self.wb.record(entry)
        if isinstance(body, (dict, list)):
            body = _dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return status

    def _abort_connection(self, rst):
        self.close_connection = True
        self._aborted = True
        try:
            if rst:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    def finish(self):
        if getattr(self, "_aborted", False):
            return
        try:
            BaseHTTPRequestHandler.finish(self)
        except OSError:
            pass

    def _classify(self, path):
        if path == "/graphql":
            return "graphql", None
        parts = path.split("/")
        if len(parts) == 6 and parts[1] == "files" and parts[5] == "file_stream":
            return "file_stream", [urllib.parse.unquote(x) for x in parts[2:5]]
        if path.startswith("/_storage/"):
            return ("upload" if self.command == "PUT" else "download"), None
        if path.startswith("/sdk/otel/"):
            return "otel", None
        return "other", None

    # ---- main dispatch ----
    def _dispatch(self):
        wb = self.wb
        t0 = time.monotonic()
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path.startswith("/_admin/"):
            return self._admin(path, urllib.parse.parse_qs(url.query))
        endpoint, fs_parts = self._classify(path)
        entry = {"t": round(t0 - (wb.started_at or t0), 6), "method": self.command,
                 "path": path, "query": url.query, "endpoint": endpoint,
                 "headers": {k: v for k, v in self.headers.items()},
                 "client": "%s:%d" % self.client_address[:2]}
        run_key = fs_parts[2] if fs_parts else None
        self._t0 = t0
        self._entry = None
        # A "before_body" fault is decided before the body is read, so it can
        # only match on the endpoint (and the run, for file_stream).
        rule = None
        slept = False
        if endpoint != "other":
            rule = wb.pick_fault(endpoint, None, run_key, phase="before_body")
            if rule is not None:
                if rule.delay_ms:
                    time.sleep(rule.delay_ms / 1000.0)
                    slept = True
                if rule.action in ("reset", "close"):
                    entry.update(status=None, fault=rule.action)
                    wb.record(entry)
                    return self._abort_connection(rst=rule.action == "reset")
                # a status/delay rule: the body is read first, then it applies.
        try:
            raw = self._read_body()
        except _Abort:
            entry.update(status=None, error="client closed connection before the body ended")
            wb.record(entry)
            return self._abort_connection(rst=False)
        except (OSError, ValueError, EOFError) as e:
            entry.update(error="bad body: %s" % e)
            self._entry = entry
            return self._send(400, {"error": "bad request body: %s" % e})

        body = None
        operation = None
        if endpoint in ("graphql", "file_stream"):
            try:
                body = _loads(raw.decode("utf-8")) if raw else None
            except (ValueError, UnicodeDecodeError) as e:
                entry.update(error="invalid JSON: %s" % e,
                             body_text=raw[:2000].decode("utf-8", "replace"))
                self._entry = entry
                return self._send(400, {"error": "invalid JSON body: %s" % e})
        if endpoint == "graphql" and isinstance(body, dict):
            operation = body.get("operationName")
            if not operation and isinstance(body.get("query"), str):
                try:
                    operation = wbgql.operation_info(body["query"])[1]
                except wbgql.GraphQLSyntaxError:
                    pass
            if endpoint == "graphql" and run_key is None:
                v = body.get("variables") or {}
                run_key = v.get("name") if operation == "UpsertBucket" else v.get("run") or v.get("runId")
        entry["operation"] = operation
        if endpoint in ("upload", "download"):
            entry["body_size"] = len(raw)
            entry["body_sha256"] = hashlib.sha256(raw).hexdigest()
        elif body is not None and not wb.log_bodies:
            entry["body_size"] = len(raw)
        elif body is not None:
            entry["body"] = body
        elif raw:
            entry["body_text"] = raw[:2000].decode("utf-8", "replace")

        try:
            if endpoint != "other" and rule is None:
                rule = wb.pick_fault(endpoint, operation, run_key, body=body)
            if rule is not None:
                entry["fault"] = rule.action if rule.action != "status" else rule.status
                if rule.delay_ms and not slept:
                    time.sleep(rule.delay_ms / 1000.0)
                if rule.apply and rule.action in ("status", "reset", "close"):
                    self._entry = None
                    self._suppress = True
                    try:
                        entry["applied_status"] = self._handle(endpoint, path, url, fs_parts,
                                                               raw, body, entry)
                    finally:
                        self._suppress = False
                if rule.action in ("reset", "close"):
                    entry["status"] = None
                    wb.record(entry)
                    return self._abort_connection(rst=rule.action == "reset")
                if rule.action == "status":
                    headers = dict(rule.headers)
                    if rule.retry_after is not None:
                        headers["Retry-After"] = rule.retry_after
                    fault_body = rule.body
                    if fault_body is None:
                        msg = "injected fault: HTTP %d" % rule.status
                        fault_body = ({"errors": [{"message": msg}]} if endpoint == "graphql"
                                      else {"error": msg})
                    self._entry = entry
                    return self._send(rule.status, fault_body, headers=headers)
            self._entry = entry
            self._handle(endpoint, path, url, fs_parts, raw, body, entry)
        except _Abort:
            return None
        except (ConnectionError, socket.timeout) as e:  # the client went away mid-answer
            self.close_connection = True
            if self._entry is not None:
                self._entry = None
                entry.update(status=None, error="connection lost: %r" % e)
                wb.record(entry)
            return None
        except Exception as e:  # a server bug: answer 500 and keep it for assertions
            tb = traceback.format_exc()
            with wb.lock:
                wb.errors.append({"path": path, "error": repr(e), "traceback": tb})
            if wb.verbose:
                sys.stderr.write(tb)
            entry["error"] = repr(e)
            self._entry = entry
            return self._send(500, {"error": "internal server error: %r" % e})
        if self._entry is not None:  # a handler that wrote nothing
            self._entry = None
            entry["status"] = None
            wb.record(entry)
        return None

    def _unauthorized(self, entry, endpoint):
        entry["auth"] = "rejected"
        msg = "user is not logged in: invalid or missing API key"
        return self._send(401, {"errors": [{"message": msg}]} if endpoint == "graphql"
                          else {"error": msg})

    def _handle(self, endpoint, path, url, fs_parts, raw, body, entry):
        wb = self.wb
        if endpoint in ("graphql", "file_stream"):
            ok, user = wb.check_auth(self.headers.get("Authorization"))
            entry["auth_user"] = user
            if not ok:
                return self._unauthorized(entry, endpoint)
        if endpoint == "graphql":
            if self.command != "POST":
                return self._send(405, {"errors": [{"message": "use POST"}]})
            return self._graphql(body, entry)
        if endpoint == "file_stream":
            if self.command != "POST":
                return self._send(405, {"error": "use POST"})
            if not isinstance(body, dict):
                return self._send(400, {"error": "file_stream body must be a JSON object"})
            status, resp = wb.file_stream(fs_parts[0], fs_parts[1], fs_parts[2], body)
            entry["run"] = "/".join(fs_parts)
            return self._send(status, resp)
        if endpoint in ("upload", "download"):
            return self._storage(path, url, raw, entry)
        if endpoint == "otel":
            # wandb >= 0.30 probes {base}/sdk/otel/v1/{metrics,logs} with an
            # empty POST and sends OpenTelemetry analytics only if the answer
            # is not 404/405. We answer like a server without that proxy.
            return self._send(404, {"error": "not found"})
        if path in ("/", "/healthz", "/ready"):
            return self._send(200, {"status": "ok"})
        return self._send(404, {"error": "no such endpoint: %s %s" % (self.command, path)})

    def _graphql(self, body, entry):
        wb = self.wb
        host = self.headers.get("Host") or "%s:%d" % (wb.host, wb.port)
        base = "%s://%s" % (wb.scheme, host)
        batch = isinstance(body, list)
        reqs = body if batch else [body]
        answers = []
        status = 200
        for req in reqs:
            if not isinstance(req, dict) or not isinstance(req.get("query"), str):
                answers.append({"errors": [{"message": "request must have a 'query' string"}]})
                status = 400
                continue
            try:
                with wb.lock:
                    res = wbgql.execute(req["query"], req.get("variables") or {},
                                        req.get("operationName"), wb.graphql_roots(base))
                    if res.unknown:
                        for u in res.unknown:
                            item = {"operation": req.get("operationName"), "field": u}
                            if item not in wb.unknown_fields:
                                wb.unknown_fields.append(item)
            except wbgql.GraphQLSyntaxError as e:
                answers.append({"errors": [{"message": "Syntax Error: %s" % e}]})
                status = 400
                continue
            ans = {"data": res.data}
            if res.errors:
                ans["errors"] = res.errors
            if res.unknown:
                entry["unknown_fields"] = res.unknown
            entry["root_fields"] = res.root_fields
            answers.append(ans)
        if wb.log_bodies:
            entry["response"] = answers if batch else answers[0]
        return self._send(status, answers if batch else answers[0])

    def _storage(self, path, url, raw, entry):
        wb = self.wb
        sig = urllib.parse.parse_qs(url.query).get("sig", [None])[0]
        if not wb.check_sig(path, sig):
            return self._send(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>",
                              content_type="application/xml")
        parts = path[len("/_storage/"):].split("/", 3)
        if len(parts) < 4:
            return self._send(404, {"error": "bad storage path"})
        entity, project, name = (urllib.parse.unquote(x) for x in parts[:3])
        fname = urllib.parse.unquote(parts[3])
        entry["run"] = "%s/%s/%s" % (entity, project, name)
        entry["file"] = fname
        with wb.lock:
            p = wb._get_project(entity, project)
            r = p.runs.get(name) if p else None
            if r is None:
                return self._send(404, {"error": "run not found"})
            if self.command == "PUT":
                prev = r.uploaded_files.get(fname)
                r.uploaded_files[fname] = {
                    "data": raw, "count": (prev["count"] + 1) if prev else 1,
                    "headers": {k.lower(): v for k, v in self.headers.items()}}
                return self._send(200, b"", content_type="text/plain")
            if self.command in ("GET", "HEAD"):
                f = r.uploaded_files.get(fname)
                if f is None:
                    return self._send(404, "<Error><Code>NoSuchKey</Code></Error>",
                                      content_type="application/xml")
                return self._send(200, f["data"], content_type="application/octet-stream")
        return self._send(405, {"error": "method not allowed"})

    # ---- admin ----
    def _admin(self, path, qs):
        wb = self.wb
        try:
            raw = self._read_body()
            body = _loads(raw.decode("utf-8")) if raw.strip() else {}
        except _Abort:
            return self._abort_connection(rst=False)
        except (ValueError, UnicodeDecodeError) as e:
            return self._send(400, {"error": "invalid JSON: %s" % e})
        try:
            if path == "/_admin/state" and self.command == "GET":
                inc = qs.get("requests", ["1"])[0] not in ("0", "false", "no")
                st = wb.state(include_requests=inc, since=int(qs.get("since", ["0"])[0]))
                if qs.get("strict", ["0"])[0] not in ("0", "false", "no"):
                    st = _finite(st)  # for strict JSON parsers: NaN/Infinity as strings
                return self._send(200, st)
            if path == "/_admin/reset" and self.command == "POST":
                wb.reset(seed=body.get("seed", 0) if isinstance(body, dict) else 0)
                return self._send(200, {"ok": True})
            if path == "/_admin/faults":
                if self.command == "GET":
                    with wb.lock:
                        return self._send(200, {"rules": [f.describe() for f in wb.fault_rules]})
                if self.command == "DELETE":
                    wb.clear_faults()
                    return self._send(200, {"ok": True, "rules": []})
                if self.command == "POST":
                    rules = body.get("rules", []) if isinstance(body, dict) else body
                    wb.set_faults(rules, seed=body.get("seed") if isinstance(body, dict) else None,
                                  append=bool(isinstance(body, dict) and body.get("append")))
                    with wb.lock:
                        return self._send(200, {"ok": True,
                                                "rules": [f.describe() for f in wb.fault_rules]})
            if path == "/_admin/runs" and self.command == "POST":
                return self._send(200, wb.seed_run(body))
            if path == "/_admin/stop" and self.command == "POST":
                wb.stop_run(body["run"], body.get("project"), body.get("entity"))
                return self._send(200, {"ok": True})
            if path == "/_admin/config" and self.command == "POST":
                with wb.lock:
                    if "api_key" in body:
                        k = body["api_key"]
                        wb.api_keys = None if k is None else ({k} if isinstance(k, str) else set(k))
                    if "entity" in body:
                        wb.entity = body["entity"]
                    if "features" in body:
                        wb.features = dict(body["features"])
                    if "upload_headers" in body:
                        wb.upload_headers = list(body["upload_headers"])
                return self._send(200, {"ok": True})
            if path == "/_admin/health":
                return self._send(200, {"ok": True, "url": wb.url})
        except (KeyError, ValueError, TypeError) as e:
            return self._send(400, {"error": "bad admin request: %r" % e})
        return self._send(404, {"error": "no such admin endpoint: %s %s" % (self.command, path)})


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def _is_loopback(host):
    import ipaddress
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _write_atomic(path, text):
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    parent = os.getppid()
    ap = argparse.ArgumentParser(description="Local W&B-protocol test server (runlog tests).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--ready-file", help="write the chosen port here once listening")
    ap.add_argument("--info-file", help="write {port,url,ca,api_key,entity,pid} JSON here")
    ap.add_argument("--api-key", default=DEFAULT_API_KEY,
                    help="accepted API key ('' accepts any non-empty key)")
    ap.add_argument("--entity", default=DEFAULT_ENTITY, help="the viewer's default entity")
    ap.add_argument("--tls-dir", help="serve HTTPS; make ca.pem/server.pem/server.key here")
    ap.add_argument("--seed", type=int, default=0, help="RNG seed for fault rates and names")
    ap.add_argument("--faults", help="JSON list of fault rules, or @file")
    ap.add_argument("--feature", action="append", default=[],
                    help="enable a serverInfo feature flag, e.g. FILESTREAM_GZIP")
    ap.add_argument("--state-file", help="write the final state JSON here on exit")
    ap.add_argument("--max-lifetime", type=float, default=3600.0,
                    help="exit by itself after this many seconds (0 = never)")
    ap.add_argument("--no-log-bodies", action="store_true",
                    help="request log keeps sizes only (long benchmarks)")
    ap.add_argument("--max-log", type=int, default=100000,
                    help="request log entries kept (oldest dropped first)")
    ap.add_argument("--exit-with-parent", action="store_true",
                    help="exit when the process that started it goes away")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    if not _is_loopback(args.host):
        ap.error("--host must be a loopback address (127.0.0.0/8, ::1, localhost)")

    faults = None
    if args.faults:
        text = open(args.faults[1:]).read() if args.faults.startswith("@") else args.faults
        faults = json.loads(text)
        if isinstance(faults, dict):
            faults = faults.get("rules", [])
    srv = WBServer(host=args.host, port=args.port, api_key=args.api_key or None,
                   entity=args.entity, tls_dir=args.tls_dir, faults=faults, seed=args.seed,
                   features={f: True for f in args.feature}, verbose=args.verbose,
                   log_bodies=not args.no_log_bodies, max_log=args.max_log)
    srv.start()
    done = threading.Event()

    def on_signal(signum, _frame):
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    info = {"port": srv.port, "url": srv.url, "ca": srv.ca_file, "api_key": args.api_key,
            "entity": args.entity, "pid": os.getpid()}
    if args.info_file:
        _write_atomic(args.info_file, json.dumps(info) + "\n")
    if args.ready_file:
        _write_atomic(args.ready_file, "%d\n" % srv.port)
    sys.stdout.write("%d\n" % srv.port)
    sys.stdout.flush()
    sys.stderr.write("wbserver: listening on %s\n" % srv.url)
    deadline = time.monotonic() + args.max_lifetime if args.max_lifetime > 0 else None
    while not done.wait(1.0):
        if deadline is not None and time.monotonic() >= deadline:
            sys.stderr.write("wbserver: --max-lifetime reached, exiting\n")
            break
        if args.exit_with_parent and os.getppid() != parent:
            sys.stderr.write("wbserver: parent exited, exiting\n")
            break
    if args.state_file:
        _write_atomic(args.state_file, json.dumps(srv.state(), indent=1))
    srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
