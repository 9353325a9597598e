"""Tests never see the developer's environment.

For the whole session every setting's ``CLAIMGRAPH_*`` variable holds a hostile value
(:data:`tests.hostile.HOSTILE`: a 10-byte body limit, one result row, a store and folders
that do not exist, a token, SERVICE allowed…), set by ``conftest.pytest_configure`` over
whatever the developer exported: every test of the suite passes with it, on every backend,
since every test builds its settings with an explicit environment (the fixture chain of
``conftest.py``, ``create_app(claimgraph=…)``, ``load_settings(…, environ=…)``). A test
started in a child process (the claimgraph command, a server) is given its environment.
"""

from __future__ import annotations

import os
import subprocess
import sys

from claimgraph.config import SETTINGS, load_settings

from .hostile import HOSTILE, hostile_environ
from .live import ROOT


def test_every_setting_has_a_hostile_value_that_parses():
    assert set(HOSTILE) == {s.name for s in SETTINGS}
    settings = load_settings(environ=hostile_environ())
    assert settings.max_body == 10 and settings.max_rows == 1 and settings.allow_service


def test_this_session_runs_in_the_hostile_environment():
    """What the rest of the suite runs in (on each worker of ``make test``)."""
    assert {s.env: os.environ.get(s.env) for s in SETTINGS} == hostile_environ()
    settings = load_settings()
    assert settings.max_body == 10 and settings.store == HOSTILE["store"]


def test_a_session_replaces_what_the_developer_exported():
    """A child session started with the developer's own values (and the hostile ones from its
    start, as a module reading the environment at import time would see them) runs in the
    hostile environment all the same."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")}
    env.update(hostile_environ())
    env.update({"CLAIMGRAPH_MAX_BODY": "1000000", "CLAIMGRAPH_STORE": "/home/someone/store"})
    test = f"{__file__}::test_this_session_runs_in_the_hostile_environment"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
