"""The one fixture chain: backend → settings → claimgraph → store → app → client, and the CLI runner.

Small corpora live in ``tests/data/``; the seed corpus is ``seeds/``. Nothing is
opened at import time, every store is a temporary folder or an emptied server, and
no fixture reads the developer's environment: settings come from
:func:`tests.live.settings_for` (``environ={}``), the app from
``create_app(claimgraph=…)``, and the CLI runner invokes commands with an empty
environment of settings; the session runs with a hostile value in every setting's
variable (:func:`pytest_configure`), so that a test that read it would fail.

**Backends.** The modules in :data:`BACKEND_MODULES` (the store, the loader, the
write path, the endpoint) run every test three times, ``[embedded]``,
``[oxigraph]`` and ``[virtuoso]``: on the embedded store, and on a store kept on a
real Oxigraph server and a real Virtuoso (:mod:`tests.servers`), with the same
expected answers. Each server is started once for the session, on first use, in a
temporary folder on a free port of 127.0.0.1; a test's store on it is emptied first.
The seed corpus is loaded once per backend, on a server of its own. Where a server
cannot run (Virtuoso not installed), its tests skip saying why; under ``CI=true`` they fail.

A test module that needs other settings (a token, a copied store) overrides
``settings`` and keeps the rest of the chain.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from claimgraph.api import Claimgraph
from claimgraph.config import Settings
from claimgraph.store import OxigraphStore, Store
from claimgraph.web import create_app

from .hostile import hostile_environ
from .live import BASE, MINI, ROOT, SEEDS, settings_for
from .prepared import keep_parsed_queries
from .servers import SCRATCH_MAX_ROWS, SparqlServer, in_ci, missing, start
from .timing import SLOW_TESTS, WEIGHTS

DATA = ROOT / "tests" / "data"
__all__ = ["BACKENDS", "BASE", "DATA", "MINI", "ROOT", "SEEDS", "SHARED", "make_settings", "needs_shared"]

#: Where a store can be: the embedded store, and the two SPARQL servers the tests run.
BACKENDS = ("embedded", "oxigraph", "virtuoso")
#: The test modules that run on every backend: the store, loader, write path and endpoint.
BACKEND_MODULES = {
    "test_store",
    "test_loader",
    "test_changes",
    "test_consensus_upkeep",
    "test_writes",
    "test_gsp",
    "test_protocol",
    "test_queries",
    "test_export",
    "test_w3c_protocol",
    "test_w3c_gsp",
    "test_history",
    "test_remote",
    "test_annotate",
    "test_corpus_queries",
    "test_check",
}


def pytest_configure(config: pytest.Config) -> None:
    """Every setting's ``CLAIMGRAPH_*`` variable holds a hostile value for the whole session
    (:mod:`tests.hostile`), over whatever the developer exported: a test that read the
    environment instead of being given its settings fails (``tests/test_environment.py``)."""
    os.environ.update(hostile_environ())
    keep_parsed_queries()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "backend" in metafunc.fixturenames and module in BACKEND_MODULES:
        backends = getattr(metafunc.module, "MODULE_BACKENDS", BACKENDS)
        metafunc.parametrize("backend", backends, indirect=True, scope="module")


#: Modules that start servers or subprocesses for most of their tests: not in ``make quick``.
SLOW_MODULES = {
    "test_benchmarks",
    "test_browser",
    "test_annotate_browser",
    "test_clients",
    "test_w3c_gsp",
    "test_w3c_protocol",
    "test_package",
    "test_proxy",
    "test_validator_equivalence",
    "test_team",
    "test_curation_pages",
    "test_tutorial",
}
#: Modules whose tests share no costly module fixture: handed out test by test, over every worker.
SPLIT = {"test_validator_equivalence"}


def _backend_of(item: pytest.Item) -> str:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("backend", "embedded") if callspec is not None else "embedded"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``slow`` on what ``make quick`` leaves out (a store on a server, the modules above, the
    tests of :data:`tests.timing.SLOW_TESTS` and tests marked so); the groups of :data:`tests.timing.WEIGHTS` first, the longest first, each kept together."""
    for item in items:
        module = item.path.stem
        name = f"{item.path.name}::{item.originalname}" if isinstance(item, pytest.Function) else ""
        if module in SLOW_MODULES or name in SLOW_TESTS or _backend_of(item) != "embedded":
            item.add_marker(pytest.mark.slow)

    def weight(item: pytest.Item) -> int:
        backend = _backend_of(item)
        return -WEIGHTS.get(item.path.stem + (f"[{backend}]" if backend != "embedded" else ""), 0)

    items.sort(key=weight)  # stable: the order within a group stays


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """pytest-xdist hands out whole modules, one backend at a time (``test_writes.py[virtuoso]``):
    a module's fixtures (a live server, a loaded corpus) are set up once per backend, on one
    worker, and the servers of a backend once per worker (session fixtures). The modules of
    :data:`SPLIT` go test by test."""
    from xdist.scheduler import LoadScopeScheduling

    class ByModuleAndBackend(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if Path(module).stem in SPLIT:
                return nodeid
            found = re.search(r"[\[-](oxigraph|virtuoso)[\]-]", nodeid)
            return f"{module}[{found.group(1)}]" if found else module

    config.option.loadscopereorder = False  # the collection's order: the longest first
    return ByModuleAndBackend(config, log)


#: Settings for a store in the folder given (the one settings function of the tests).
make_settings = settings_for


class Runner(CliRunner):
    """A CLI runner whose commands see no ``CLAIMGRAPH_*`` variable of the developer's."""

    def invoke(self, cli: Any, args: Any = None, **extra: Any) -> Result:
        extra.setdefault("obj", {"environ": {}})
        return super().invoke(cli, args, **extra)


class Servers:
    """The SPARQL servers of the session, started on first use: one per (kind, role)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: dict[tuple[str, str], SparqlServer] = {}

    def get(self, kind: str, role: str = "scratch") -> SparqlServer:
        """The server ``kind`` (oxigraph, virtuoso) for ``role``: "scratch" (emptied for each
        test, Virtuoso's ResultSetMaxRows low), "seeds" (the seed corpus), or a module's own.

        Skips (fails under CI) when the server cannot run here.
        """
        reason = missing(kind)
        if reason is not None:
            if in_ci():
                pytest.fail(f"{reason} (CI=true: every backend must run)")
            pytest.skip(reason)
        if (kind, role) not in self.running:
            options = {"max_rows": SCRATCH_MAX_ROWS} if kind == "virtuoso" and role == "scratch" else {}
            self.running[kind, role] = start(kind, self.folder / f"{kind}-{role}", **options)
        return self.running[kind, role]

    def stop(self) -> None:
        for server in self.running.values():
            server.stop()
        self.running.clear()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    running = Servers(tmp_path_factory.mktemp("servers"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    """Where the module's stores are: "embedded" unless the module runs on every backend."""
    return getattr(request, "param", "embedded")


def backend_settings(
    backend: str, servers: Servers, folder: Path, role: str = "scratch", **overrides: object
) -> Settings:
    """Settings for a store on ``backend``: a folder, or the server of ``role`` (emptied)."""
    if backend == "embedded":
        return settings_for(folder, **overrides)
    server = servers.get(backend, role)
    server.clear()
    remote = {**server.settings(), **overrides}
    return settings_for(remote.pop("store"), **remote)


@dataclass
class Loaded:
    """A corpus loaded once (per module, say); :meth:`fresh` gives each test a copy of the store."""

    backend: str
    folder: Path
    server: SparqlServer | None = None
    snapshot: dict[str, bytes] | None = None

    def fresh(self, target: Path, **overrides: object) -> Settings:
        """Settings for a copy of the loaded store: a copied folder, or the server restored to it."""
        if self.server is None:
            shutil.copytree(self.folder, target)
            return settings_for(target, **overrides)
        assert self.snapshot is not None
        self.server.restore(self.snapshot)
        remote = {**self.server.settings(), **overrides}
        return settings_for(remote.pop("store"), **remote)


def load_once(backend: str, servers: Servers, folder: Path, corpus: Path, **overrides: object) -> Loaded:
    """``corpus`` loaded into a store on ``backend`` (the scratch server for a remote one)."""
    settings = backend_settings(backend, servers, folder / "store", **overrides)
    cg = Claimgraph(settings)
    store = cg.open_store()
    try:
        cg.load(store, corpus)
    finally:
        store.close()
    if backend == "embedded":
        return Loaded(backend, folder / "store")
    server = servers.get(backend)
    return Loaded(backend, folder, server, server.snapshot())


def serve_options(backend: str, servers: Servers, folder: Path, role: str) -> tuple[str, dict[str, str]]:
    """Where ``claimgraph serve`` keeps a store on ``backend`` (:func:`tests.live.live_server`'s
    ``store`` and options): a folder, or an emptied server of ``role``."""
    if backend == "embedded":
        return str(folder), {}
    server = servers.get(backend, role)
    server.clear()
    return server.url, {"update_url": server.update_url, "gsp_url": server.gsp_url}


@pytest.fixture
def settings(tmp_path: Path, backend: str, servers: Servers) -> Settings:
    return backend_settings(backend, servers, tmp_path / "store")


@pytest.fixture
def claimgraph(settings: Settings) -> Claimgraph:
    return Claimgraph(settings)


@pytest.fixture
def store(claimgraph: Claimgraph) -> Iterator[Store]:
    opened = claimgraph.open_store()
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def mini_snapshots() -> dict[tuple, dict[str, bytes]]:
    """The mini corpus as loaded on a server, by (backend, base IRI, ontology): restored, not loaded again."""
    return {}


def load_mini(
    cg: Claimgraph, backend: str, servers: Servers, snapshots: dict, store: Store | None = None
) -> None:
    """The mini corpus into ``cg``'s store (``store`` when it is open): loaded, or on a server
    restored as its first load left it."""
    key = (backend, cg.settings.base_iri, cg.settings.ontology_dir)
    if backend != "embedded" and key in snapshots:
        servers.get(backend).restore(snapshots[key])
        return
    opened = store if store is not None else cg.open_store()
    try:
        cg.load(opened, MINI)
    finally:
        if store is None:
            opened.close()
    if backend != "embedded":
        snapshots[key] = servers.get(backend).snapshot()


@pytest.fixture
def mini_store(
    claimgraph: Claimgraph, store: Store, backend: str, servers: Servers, mini_snapshots: dict
) -> Store:
    """The mini corpus loaded into the test's store (on a server: restored after the first load)."""
    load_mini(claimgraph, backend, servers, mini_snapshots, store)
    return store


@pytest.fixture
def app(claimgraph: Claimgraph, store: Store) -> Flask:
    """The web app over ``store``, its queries and writes run in this process."""
    application = create_app(claimgraph=claimgraph)
    application.extensions["claimgraph"]["executor"] = claimgraph.executor(store=store)
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class SeedStores:
    """The seed corpus loaded once per backend for the session: its claimgraph, store and app."""

    def __init__(self, folder: Path, servers: Servers) -> None:
        self.folder = folder
        self.servers = servers
        self.loaded: dict[str, tuple[Claimgraph, Store, Flask]] = {}

    def get(self, backend: str) -> tuple[Claimgraph, Store, Flask]:
        if backend not in self.loaded:
            cg = Claimgraph(backend_settings(backend, self.servers, self.folder / backend, role="seeds"))
            opened = OxigraphStore(cg.settings.store) if backend == "embedded" else cg.open_store()
            cg.load(opened, SEEDS)
            application = create_app(claimgraph=cg)
            application.extensions["claimgraph"]["executor"] = cg.executor(store=opened)
            self.loaded[backend] = (cg, opened, application)
        return self.loaded[backend]

    def close(self) -> None:
        for _cg, opened, _app in self.loaded.values():
            opened.close()


@pytest.fixture(scope="session")
def seed_stores(tmp_path_factory: pytest.TempPathFactory, servers: Servers) -> Iterator[SeedStores]:
    seeds = SeedStores(tmp_path_factory.mktemp("seeds"), servers)
    yield seeds
    seeds.close()


@pytest.fixture(scope="module")
def seed_claimgraph(backend: str, seed_stores: SeedStores) -> Claimgraph:
    return seed_stores.get(backend)[0]


@pytest.fixture(scope="module")
def seed_store(backend: str, seed_stores: SeedStores) -> Store:
    """The seed corpus, loaded once per backend for the session; tests must not write to it."""
    return seed_stores.get(backend)[1]


@pytest.fixture(scope="module")
def seed_app(backend: str, seed_stores: SeedStores) -> Flask:
    """The web app over the seed corpus; tests must not write through it."""
    return seed_stores.get(backend)[2]


@pytest.fixture
def seed_client(seed_app: Flask) -> FlaskClient:
    return seed_app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return Runner()


#: ``../shared/`` beside the repository: the seed documents as given, and the W3C test suites.
SHARED = ROOT.parent / "shared"


def needs_shared(path: Path) -> None:
    """Skip a test whose files under ``../shared/`` are absent, saying where; under ``CI=true``
    fail instead (CI runs beside ``shared/``: a suite that silently went missing is a failure)."""
    if path.exists():
        return
    reason = f"{path} is not here (../shared/ beside the repository)"
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the suites under ../shared/ must run)")
    pytest.skip(reason)


def embedded_only(backend: str, why: str) -> None:
    """Skip a test of what only the embedded store does, saying why."""
    if backend != "embedded":
        pytest.skip(f"embedded store only: {why}")


def all_quads(store: Store) -> set[tuple]:
    return set(store.quads())
