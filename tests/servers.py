"""Real SPARQL servers for the tests: Oxigraph server and Virtuoso, on free ports of 127.0.0.1.

Plain functions (no fixtures: ``conftest.py`` holds the chain). Each server gets a
temporary folder of its own (database, log, and for Virtuoso its ini file), starts in
seconds, and is stopped at the end by the fixture that started it.

* :func:`start_oxigraph` — ``oxigraph serve --location DIR --bind 127.0.0.1:PORT --union-default-graph``
  (the ``oxigraph`` package of the ``test`` extra).
* :func:`start_virtuoso` — Debian's ``virtuoso-t`` with an ini file written here
  (HTTP and ISQL ports, ``ResultSetMaxRows``), anonymous SPARQL updates granted by ISQL.
* :func:`missing` — why a server cannot run here (the tests skip, or fail under ``CI=true``).
* :meth:`SparqlServer.clear` — every graph a claimgraph store left on the server dropped,
  so that each test starts from an empty store.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import requests

from .live import free_port

#: The graphs claimgraph keeps for itself on a server (claimgraph.store.remote).
RESERVED = "urn:claimgraph:"
#: ResultSetMaxRows of the Virtuoso the tests write to: low, so that every dump and every
#: read of a large graph pages through it as it would through a production server's limit.
SCRATCH_MAX_ROWS = 1000
#: Seconds Oxigraph server lets a query run (its --timeout-s).
OXIGRAPH_TIMEOUT = 10


@dataclass
class SparqlServer:
    kind: str
    url: str  # the query endpoint
    update_url: str
    gsp_url: str
    process: subprocess.Popen[bytes]
    folder: Path
    log: IO[bytes]
    isql_port: int | None = None
    max_rows: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return self.url.rsplit("/", 1)[0]

    def settings(self) -> dict[str, object]:
        """The claimgraph settings that put a store on this server."""
        return {"store": self.url, "update_url": self.update_url, "gsp_url": self.gsp_url}

    def options(self) -> list[str]:
        """The same as CLI options."""
        return ["--store", self.url, "--update-url", self.update_url, "--gsp-url", self.gsp_url]

    def update(self, text: str) -> None:
        response = requests.post(self.update_url, data={"update": text}, timeout=60)
        assert response.status_code < 300, response.text[:500]

    def select(self, text: str) -> list[dict]:
        response = requests.post(
            self.url,
            data={"query": text},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        assert response.status_code == 200, response.text[:500]
        return response.json()["results"]["bindings"]

    def graphs(self, *, staged: bool = True) -> list[str]:
        """Every graph of the server that is claimgraph's: recorded, its register and default
        graph, and (``staged``: a scan of the whole server) any other under ``urn:claimgraph:``."""
        recorded = self.select(
            "SELECT DISTINCT ?g WHERE { GRAPH <urn:claimgraph:register> { ?store <urn:claimgraph:graph> ?g } }"
        )
        found = {row["g"]["value"] for row in recorded}
        if staged:
            reserved = self.select(
                f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{RESERVED}")) }}'
            )
            found |= {row["g"]["value"] for row in reserved}
        else:
            found |= {f"{RESERVED}register", f"{RESERVED}default"}
        return sorted(found)

    def clear(self) -> None:
        """Drop every graph a claimgraph store keeps here (never the server's own; a staging
        graph a failed commit left is out of claimgraph's sight, and left)."""
        graphs = self.graphs(staged=False)
        self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))

    def snapshot(self) -> dict[str, bytes]:
        """Every claimgraph graph of the server as N-Triples (Graph Store ``GET``, never capped)."""
        found = {}
        for graph in self.graphs(staged=False):
            response = requests.get(
                self.gsp_url, params={"graph": graph}, headers={"Accept": "application/n-triples"}, timeout=60
            )
            if response.status_code == 404:
                continue  # a graph that holds nothing (Virtuoso keeps no empty graph)
            assert response.status_code == 200, response.text[:500]
            found[graph] = response.content
        return found

    def restore(self, snapshot: dict[str, bytes]) -> None:
        """The server's claimgraph graphs as :meth:`snapshot` found them."""
        self.clear()
        for graph, body in snapshot.items():
            response = requests.post(
                self.gsp_url,
                params={"graph": graph},
                data=body,
                headers={"Content-Type": "application/n-triples"},
                timeout=60,
            )
            assert response.status_code < 300, response.text[:500]

    def isql(self, statement: str) -> str:
        """Run SQL through Virtuoso's ISQL as dba."""
        assert self.isql_port is not None, "ISQL is Virtuoso's"
        done = subprocess.run(
            [_isql(), f"127.0.0.1:{self.isql_port}", "dba", "dba", f"exec={statement}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0 and "Error" not in done.stdout, done.stdout + done.stderr
        return done.stdout

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


def _oxigraph() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.is_file() else shutil.which("oxigraph")


def _isql() -> str:
    return shutil.which("isql-vt") or shutil.which("isql") or "isql-vt"


def missing(kind: str) -> str | None:
    """Why the server ``kind`` cannot be started here, or None when it can."""
    if kind == "oxigraph" and _oxigraph() is None:
        return "Oxigraph server is not installed (pip install oxigraph: the test extra)"
    if kind == "virtuoso" and (shutil.which("virtuoso-t") is None or shutil.which(_isql()) is None):
        return (
            "Virtuoso is not installed (Debian: apt-get install virtuoso-opensource; "
            "make test installs it when it runs as root)"
        )
    return None


def start_oxigraph(folder: Path, *, union: bool = True) -> SparqlServer:
    """An Oxigraph server of its own in ``folder``; ``union``: started as claimgraph needs it."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = (folder / "server.log").open("w+b")
    process = subprocess.Popen(
        [
            _oxigraph() or "oxigraph",
            "serve",
            "--location",
            str(folder / "db"),
            "--bind",
            f"127.0.0.1:{port}",
            # claimgraph sends its queries as they are: the default graph is the union of the graphs.
            *(["--union-default-graph"] if union else []),
            # The server's own limit: a query claimgraph stopped waiting for would run on.
            "--timeout-s",
            str(OXIGRAPH_TIMEOUT),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    server = SparqlServer(
        "oxigraph", f"{base}/query", f"{base}/update", f"{base}/store", process, folder, log
    )
    _wait(server, timeout=30)
    return server


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
NumberOfBuffers = 4000
MaxDirtyBuffers = 3000
MaxClientConnections = 20
DirsAllowed = .
TransactionAfterImageLimit = {after_image}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 20
MaxClientConnections = 20
MaxKeepAlives = 20
KeepAliveTimeout = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 60
; Virtuoso's cost estimate refuses queries it would answer at once (claimgraph's search index
; read over a dataset of several graphs: "estimated execution time 167796736 sec"); off, as the
; README asks. Time limits still hold: claimgraph's deadline, and the timeout parameter it sends.
MaxQueryCostEstimationTime = 0
"""


def start_virtuoso(folder: Path, *, max_rows: int = 10000, after_image: int = 50_000_000) -> SparqlServer:
    """A Virtuoso of its own in ``folder``: anonymous SPARQL Update and Graph Store writes granted.

    :param max_rows: its ``ResultSetMaxRows`` (Virtuoso's default is 10,000).
    :param after_image: its ``TransactionAfterImageLimit`` in bytes (the largest transaction).
    """
    folder.mkdir(parents=True, exist_ok=True)
    http_port, isql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            folder=folder,
            http_port=http_port,
            isql_port=isql_port,
            max_rows=max_rows,
            after_image=after_image,
        )
    )
    log = (folder / "server.log").open("w+b")
    process = subprocess.Popen(
        ["virtuoso-t", "-c", str(ini), "+foreground"], cwd=folder, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{http_port}"
    server = SparqlServer(
        "virtuoso",
        f"{base}/sparql",
        f"{base}/sparql",
        f"{base}/sparql-graph-crud",
        process,
        folder,
        log,
        isql_port=isql_port,
        max_rows=max_rows,
    )
    try:
        _wait(server, timeout=120)
        server.isql('GRANT SPARQL_UPDATE TO "SPARQL";')
    except BaseException:
        server.stop()
        raise
    return server


def start(kind: str, folder: Path, **options: int) -> SparqlServer:
    return start_oxigraph(folder) if kind == "oxigraph" else start_virtuoso(folder, **options)


def _wait(server: SparqlServer, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.kind} exited with {server.process.returncode}:\n{server.output()}")
        try:
            response = requests.get(server.url, params={"query": "ASK {}"}, timeout=2)
            if response.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    server.process.kill()
    raise RuntimeError(f"{server.kind} at {server.url} did not answer within {timeout} s:\n{server.output()}")


def in_ci() -> bool:
    return bool(os.environ.get("CI"))
