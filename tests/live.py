"""A live claimgraph server for tests with real HTTP clients.

Plain functions and context managers (no fixtures here, so that ``conftest.py``
stays the core's): a test module wraps them in its own module-scoped fixtures.

* :func:`corpus_for_tests` — the seed corpus.
* :func:`loaded_store` — a store folder with a corpus loaded through the Python API.
* :func:`live_server` — ``claimgraph serve`` (waitress) as a subprocess on a free
  port of 127.0.0.1, polled until it answers, terminated at the end.
* :func:`listener` — a TCP listener on 127.0.0.1 that records every connection,
  to show that the server fetches nothing it is told about.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO

import requests

from claimgraph.api import Claimgraph
from claimgraph.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
MINI = ROOT / "tests" / "data" / "mini"
BASE = "http://example.org/cg/"
SERVE = "from claimgraph.cli import main; main()"


def settings_for(store: Path | str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "store": str(store),
        "base_iri": BASE,
        "ontology_dir": str(ROOT / "ontology"),
        "queries_dir": str(ROOT / "queries"),
    }
    values.update(overrides)
    return load_settings(values, environ={})


@cache
def corpus_for_tests() -> Path:
    """The corpus the live tests serve: the seed corpus, so that real clients are
    checked against the answers researchers get."""
    return SEEDS


def loaded_store(folder: Path, corpus: Path) -> Path:
    """Load ``corpus`` into a new store in ``folder``; returns the store's path."""
    path = folder / "store"
    cg = Claimgraph(settings_for(path))
    store = cg.open_store()
    try:
        cg.load(store, corpus)
    finally:
        store.close()
    return path


@cache
def shared_store(corpus: Path) -> Path:
    """``corpus`` loaded once per test session into a temporary store, read-only for tests.

    Servers open it read-only, so several may serve it at once; tests must not write to it.
    """
    folder = Path(tempfile.mkdtemp(prefix="claimgraph-live-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return loaded_store(folder, corpus)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    settings: Settings

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


@contextmanager
def live_server(
    store: Path | str, *, env: dict[str, str] | None = None, port: int | None = None, **options: object
) -> Iterator[LiveServer]:
    """``claimgraph serve --store STORE --port <free>`` until the block ends.

    ``options`` are settings passed as CLI options (``max_body=2048`` → ``--max-body 2048``);
    they come after the defaults, so that ``base_iri=`` overrides the test base.
    """
    port = port or free_port()
    args = ["--store", str(store), "--host", "127.0.0.1", "--port", str(port)]
    args += [
        "--base-iri",
        BASE,
        "--ontology-dir",
        str(ROOT / "ontology"),
        "--queries-dir",
        str(ROOT / "queries"),
    ]
    for name, value in options.items():
        args += ["--" + name.replace("_", "-"), str(value)]
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")}
    child_env.update(env or {})
    # A file, not a pipe: a pipe nobody reads would block the server once full.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", *args],
        env=child_env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield LiveServer(url, process, settings_for(store, port=port, **options))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: IO[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")
            raise RuntimeError(f"the server exited with {process.returncode}:\n{output}")
        try:
            if requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server at {url} did not answer within {timeout} s")


@dataclass
class Listener:
    """A TCP listener on 127.0.0.1; ``connections`` counts who connected."""

    port: int
    connections: list[bytes] = field(default_factory=list)

    def url(self, path: str = "/graph") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def listener() -> Iterator[Listener]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    found = Listener(server.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    found.connections.append(conn.recv(200) or b"(connected)")
                except OSError:
                    found.connections.append(b"(connected)")
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        time.sleep(0.2)  # a connection the server started late is still counted
        stop.set()
        thread.join()
        server.close()
