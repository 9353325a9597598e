"""Tests never see the developer's environment.

Every ``CLAIMGRAPH_*`` variable is exported with a hostile value (a 10-byte body
limit, one result row, a store and folders that do not exist, a token, SERVICE
allowed…) and a sample of the suite runs in a subprocess: it must pass, since
every test builds its settings with an explicit environment (the fixture chain
of ``conftest.py``, ``create_app(claimgraph=…)``, ``load_settings(…, environ=…)``).
"""

from __future__ import annotations

import os
import subprocess
import sys

from claimgraph.config import SETTINGS, load_settings

from .live import ROOT

#: A value for each setting that would break a test that read it.
HOSTILE = {
    "store": "/nonexistent/hostile-store",
    "update_url": "http://hostile.invalid/update",
    "gsp_url": "http://hostile.invalid/store",
    "store_user": "hostile",
    "store_password": "hostile",
    "store_token": "hostile-store-token",
    "store_timeout_param": "hostile={ms}",
    "store_write_timeout": "0.001",
    "base_iri": "http://hostile.invalid/",
    "token": "hostile-token",
    "host": "203.0.113.1",
    "trusted_proxy": "203.0.113.2",
    "port": "1",
    "threads": "1",
    "query_workers": "1",
    "query_timeout": "0.001",
    "answer_cache": "0",
    "max_rows": "1",
    "max_body": "10",
    "allow_service": "true",
    "queries_dir": "/nonexistent/queries",
    "ontology_dir": "/nonexistent/ontology",
    "data_license": "http://hostile.invalid/licence",
    "open_graphs": "http://hostile.invalid/ DEFAULT",
    "validator": "pyshacl",
}

#: Modules that build apps, clients, stores and CLI runs: the ones an environment could reach.
SAMPLE = [
    "tests/test_error_shape.py",
    "tests/test_gsp.py",
    "tests/test_cli.py",
    "tests/test_config.py",
    "tests/test_writes.py",
    # Timing-bound (a 1 s update limit), measured elsewhere; here it would only measure the machine's load.
    "--deselect",
    "tests/test_writes.py::test_an_update_past_the_time_limit_is_stopped_and_writes_nothing",
    # On the embedded store: a test's store on a server is named by settings it is given too.
    "-k",
    "not oxigraph and not virtuoso",
]


def test_every_setting_has_a_hostile_value_that_parses():
    assert set(HOSTILE) == {s.name for s in SETTINGS}
    environ = {s.env: HOSTILE[s.name] for s in SETTINGS}
    settings = load_settings(environ=environ)
    assert settings.max_body == 10 and settings.max_rows == 1 and settings.allow_service


def test_a_sample_of_the_suite_passes_in_a_hostile_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")}
    env.update({s.env: HOSTILE[s.name] for s in SETTINGS})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SAMPLE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
