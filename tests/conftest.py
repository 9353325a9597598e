"""Fixture chain: settings → claimgraph → store → loaded stores → CLI runner.

Small corpora live in ``tests/data/``; the seed corpus is ``seeds/``. Nothing is
opened at import time, and every store is a temporary folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimgraph.api import Claimgraph
from claimgraph.config import Settings, load_settings
from claimgraph.store import OxigraphStore, Store

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SEEDS = ROOT / "seeds"
MINI = DATA / "mini"
BASE = "http://example.org/cg/"


def make_settings(tmp: Path, **overrides: object) -> Settings:
    values = {
        "store": str(tmp / "store"),
        "base_iri": BASE,
        "ontology_dir": str(ROOT / "ontology"),
        "queries_dir": str(ROOT / "queries"),
    }
    values.update(overrides)
    return load_settings(values, environ={})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def claimgraph(settings: Settings) -> Claimgraph:
    return Claimgraph(settings)


@pytest.fixture
def store(claimgraph: Claimgraph) -> Iterator[Store]:
    opened = claimgraph.open_store()
    yield opened
    opened.close()


@pytest.fixture
def mini_store(claimgraph: Claimgraph, store: Store) -> Store:
    claimgraph.load(store, MINI)
    return store


@pytest.fixture(scope="session")
def seed_claimgraph(tmp_path_factory: pytest.TempPathFactory) -> Claimgraph:
    return Claimgraph(make_settings(tmp_path_factory.mktemp("seeds")))


@pytest.fixture(scope="session")
def seed_store(seed_claimgraph: Claimgraph) -> Iterator[Store]:
    """The seed corpus, loaded once for the session; tests must not write to it."""
    opened = OxigraphStore(seed_claimgraph.settings.store)
    seed_claimgraph.load(opened, SEEDS)
    yield opened
    opened.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def all_quads(store: Store) -> set[tuple]:
    return set(store.quads())


@pytest.fixture(scope="session")
def seed_app(seed_claimgraph: Claimgraph, seed_store: Store):
    """The web app over the seed store (queries answered in this process); tests must not write."""
    from claimgraph.web import create_app
    from claimgraph.web.runtime import answer_function
    from claimgraph.workers import InlineExecutor

    app = create_app(claimgraph=seed_claimgraph)
    app.extensions["claimgraph"]["executor"] = InlineExecutor(seed_store, answer_function(seed_claimgraph))
    return app


@pytest.fixture
def seed_client(seed_app):
    return seed_app.test_client()
