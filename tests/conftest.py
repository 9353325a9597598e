"""The one fixture chain: settings → claimgraph → store → app → client, and the CLI runner.

Small corpora live in ``tests/data/``; the seed corpus is ``seeds/``. Nothing is
opened at import time, every store is a temporary folder, and no fixture reads
the developer's environment: settings come from :func:`tests.live.settings_for`
(``environ={}``), the app from ``create_app(claimgraph=…)``, and the CLI runner
invokes commands with an empty environment of settings.

A test module that needs other settings (a token, a copied store) overrides
``settings`` and keeps the rest of the chain.
"""

from __future__ import annotations

from collections.abc import Iterator
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

from .live import BASE, MINI, ROOT, SEEDS, settings_for

DATA = ROOT / "tests" / "data"
__all__ = ["BASE", "DATA", "MINI", "ROOT", "SEEDS", "make_settings"]

#: Settings for a store in the folder given (the one settings function of the tests).
make_settings = settings_for


class Runner(CliRunner):
    """A CLI runner whose commands see no ``CLAIMGRAPH_*`` variable of the developer's."""

    def invoke(self, cli: Any, args: Any = None, **extra: Any) -> Result:
        extra.setdefault("obj", {"environ": {}})
        return super().invoke(cli, args, **extra)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path / "store")


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


@pytest.fixture
def app(claimgraph: Claimgraph, store: Store) -> Flask:
    """The web app over ``store``, its queries and writes run in this process."""
    application = create_app(claimgraph=claimgraph)
    application.extensions["claimgraph"]["executor"] = claimgraph.executor(store=store)
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def seed_claimgraph(tmp_path_factory: pytest.TempPathFactory) -> Claimgraph:
    return Claimgraph(settings_for(tmp_path_factory.mktemp("seeds") / "store"))


@pytest.fixture(scope="session")
def seed_store(seed_claimgraph: Claimgraph) -> Iterator[Store]:
    """The seed corpus, loaded once for the session; tests must not write to it."""
    opened = OxigraphStore(seed_claimgraph.settings.store)
    seed_claimgraph.load(opened, SEEDS)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def seed_app(seed_claimgraph: Claimgraph, seed_store: Store) -> Flask:
    """The web app over the seed corpus; tests must not write through it."""
    application = create_app(claimgraph=seed_claimgraph)
    application.extensions["claimgraph"]["executor"] = seed_claimgraph.executor(store=seed_store)
    return application


@pytest.fixture
def seed_client(seed_app: Flask) -> FlaskClient:
    return seed_app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return Runner()


def all_quads(store: Store) -> set[tuple]:
    return set(store.quads())
