"""Shared helpers for tests/server (imported by conftest.py and the tests)."""

import json
import os
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# Where run_tests.sh keeps the venv and what the fidelity tests measure.
WORK = os.environ.get("WBSERVER_WORK") or os.path.join(ROOT, "build", "wbserver")
TIMINGS = os.path.join(WORK, "sdk-timings.json")
WANDB_VERSION = "0.31.0"
JS_SDK_VERSION = "0.5.1"

SESSION_TIMINGS = {}


def require_clients():
    return os.environ.get("WBSERVER_REQUIRE_CLIENTS", "") not in ("", "0", "false")


def missing(what):
    """Skip, or fail when run_tests.sh said the official clients must be there."""
    if require_clients():
        pytest.fail("required reference client missing: %s" % what)
    pytest.skip("reference client not installed: %s (run tests/server/run_tests.sh)" % what)


_DROP = {"REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "NETRC",
         "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}


def clean_env(**extra):
    """The environment for an official client: no inherited WANDB_* settings,
    no proxy (all its traffic must go straight to the server on 127.0.0.1)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("WANDB_") and k.upper() not in _DROP}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def record_timing(name, seconds):
    """Keep the SDKs' timings for the terminal summary and later benchmarks."""
    os.makedirs(WORK, exist_ok=True)
    data = {}
    if os.path.exists(TIMINGS):
        try:
            with open(TIMINGS) as f:
                data = json.load(f)
        except ValueError:
            data = {}
    data[name] = dict(seconds, recorded=time.strftime("%Y-%m-%dT%H:%M:%S"))
    with open(TIMINGS, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    SESSION_TIMINGS[name] = seconds
