"""A hostile value for every setting, exported for the whole test session (``conftest.pytest_configure``).

A 10-byte body limit, one result row, a store and folders that do not exist, a token,
SERVICE allowed…: a test that read its settings from the environment, instead of being given
them (the fixture chain of ``conftest.py``, ``create_app(claimgraph=…)``,
``load_settings(…, environ=…)``), fails. ``tests/test_environment.py`` proves it holds.
"""

from __future__ import annotations

from claimgraph.config import SETTINGS

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
    "cache_dir": "/nonexistent/hostile-cache",
    "data_license": "http://hostile.invalid/licence",
    "open_graphs": "http://hostile.invalid/ DEFAULT",
    "validator": "pyshacl",
    "read_only": "true",
}


def hostile_environ() -> dict[str, str]:
    """Every setting's variable (``CLAIMGRAPH_MAX_BODY``…) with its hostile value."""
    return {s.env: HOSTILE[s.name] for s in SETTINGS}
