"""The query page in a real browser: headless Chromium renders YASGUI with every named query.

Chromium is Debian's package; ``make test`` installs it where it can (root with
apt-get). Without it the test skips, except under CI, where it must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

from claimgraph.queries import load_named_queries

from .conftest import ROOT, SEEDS
from .live import live_server, shared_store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
VENDOR = ROOT / "src" / "claimgraph" / "web" / "static" / "vendor" / "yasgui.min.js"
# Flags that keep Chromium from reaching out to the network (this machine has none).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def rendered_dom(url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--virtual-time-budget=10000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_query_page_renders_yasgui_with_every_named_query():
    for missing, what in (
        (CHROMIUM is None, "chromium is not installed"),
        (not VENDOR.is_file(), "YASGUI is not installed (npm ci && npm run vendor)"),
    ):
        if missing:
            if os.environ.get("CI"):
                pytest.fail(what)
            pytest.skip(what)
    with live_server(shared_store(SEEDS)) as server:
        dom = rendered_dom(server.url + "/")
    assert 'class="yasgui' in dom, "YASGUI did not render"
    assert "CodeMirror" in dom, "the query editor did not render"
    assert dom.count('role="tab"') >= len(load_named_queries(ROOT / "queries"))
    for query in load_named_queries(ROOT / "queries").values():
        assert query.title.replace("&", "&amp;") in dom, f"no tab for {query.name}"
    assert f"{server.url}/sparql" in dom
