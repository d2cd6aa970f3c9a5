"""pytest fixtures for the W&B-protocol test server (tests/server)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import helpers  # noqa: E402
import wbserver  # noqa: E402
from helpers import JS_SDK_VERSION, WANDB_VERSION, WORK, missing  # noqa: E402


@pytest.fixture
def server():
    srv = wbserver.WBServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def tls_server(tmp_path):
    srv = wbserver.WBServer(tls_dir=str(tmp_path / "tls")).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def wandb_python():
    """A Python interpreter that has the production `wandb` package."""
    candidates = [os.environ.get("WBSERVER_WANDB_PYTHON"), sys.executable,
                  os.path.join(WORK, "venv", "bin", "python")]
    seen = []
    for py in candidates:
        if not py or not os.path.exists(py):
            continue
        r = subprocess.run([py, "-c", "import wandb, sys; sys.stdout.write(wandb.__version__)"],
                           capture_output=True, text=True, timeout=120)
        if r.returncode == 0:
            if r.stdout.strip() == WANDB_VERSION:
                return py
            seen.append("%s has wandb %s" % (py, r.stdout.strip()))
    if seen:
        pytest.fail("tests pin wandb==%s; %s" % (WANDB_VERSION, "; ".join(seen)))
    missing("Python package wandb==%s" % WANDB_VERSION)


@pytest.fixture(scope="session")
def node_sdk():
    """(node binary, tests/server/js) with @wandb/sdk installed."""
    node = shutil.which("node")
    if node is None:
        missing("node (Node.js >= 18)")
    pkg = os.path.join(HERE, "js", "node_modules", "@wandb", "sdk", "package.json")
    if not os.path.exists(pkg):
        missing("npm @wandb/sdk@%s in tests/server/js/node_modules" % JS_SDK_VERSION)
    with open(pkg) as f:
        version = json.load(f)["version"]
    if version != JS_SDK_VERSION:
        pytest.fail("@wandb/sdk %s installed, tests pin %s" % (version, JS_SDK_VERSION))
    return node, os.path.join(HERE, "js")


def pytest_terminal_summary(terminalreporter):
    if not helpers.SESSION_TIMINGS:
        return
    terminalreporter.section("official W&B SDKs against wbserver (seconds)")
    for name, s in sorted(helpers.SESSION_TIMINGS.items()):
        terminalreporter.write_line("%-28s %s" % (name, "  ".join(
            "%s=%.3f" % (k, v) for k, v in s.items() if isinstance(v, (int, float)))))
