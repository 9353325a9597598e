"""claimgraph as a new user gets it: a wheel built here, installed into a fresh venv outside the checkout.

The wheel is built from a copy of the checkout's tracked sources (``pip wheel``, as ``make wheel``
does), installed with its dependencies into a new virtual environment, and run from an empty
folder that holds only a corpus: ``init``, ``draft``, ``load``, ``query`` and ``serve`` find the vocabulary, shapes,
JSON-LD context, named queries and the query page's YASGUI inside the installed package, and
``--ontology-dir`` / ``--queries-dir`` point them elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from .live import MINI, ROOT, free_port

#: What the wheel must carry beside the code (paths inside the package).
CARRIED = (
    "ontology/claimgraph.ttl",
    "ontology/shapes.ttl",
    "ontology/context.jsonld",
    "web/static/vendor/yasgui.min.js",
    "web/static/vendor/yasgui.min.css",
    *(f"queries/{p.name}" for p in sorted((ROOT / "queries").glob("*.rq"))),
)
#: The files of the checkout a wheel is built from (setup.py copies ontology/ and queries/ in).
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "package.json", "package-lock.json")


@dataclass
class Installed:
    wheel: Path
    bin: Path
    work: Path  # an empty folder outside the checkout, where the commands run

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.bin / "claimgraph"), *args],
            cwd=self.work,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done


def clean_env() -> dict[str, str]:
    """The environment without this checkout's venv or settings: only the fresh venv is on PATH."""
    drop = ("CLAIMGRAPH_", "PYTHON", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    vendor = ROOT / "src" / "claimgraph" / "web" / "static" / "vendor" / "yasgui.min.js"
    if not vendor.is_file() and shutil.which("npm") is None:
        pytest.skip("the query page's YASGUI is not built and npm is not here to build it")
    top = tmp_path_factory.mktemp("package")
    source = top / "source"
    source.mkdir()
    for name in SOURCES:
        shutil.copy2(ROOT / name, source / name)
    for folder in ("src", "ontology", "queries"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    dist = top / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = dist.glob("claimgraph-*.whl")
    fresh = top / "venv"
    # pip of this checkout installs into the fresh venv (a venv's own pip takes seconds to set
    # up); nothing is compiled ahead, as a wheel installed by pipx would be at first use.
    venv.create(fresh, with_pip=False)
    pip = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(fresh / "bin" / "python"),
            "install",
            "-q",
            "--no-compile",
            str(wheel),
        ],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    work = top / "work"
    work.mkdir()
    return Installed(wheel, fresh / "bin", work)


def test_the_wheel_carries_what_claimgraph_reads_at_run_time(installed: Installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    missing = [name for name in CARRIED if f"claimgraph/{name}" not in names]
    assert missing == []


def test_the_installed_package_is_the_one_that_runs(installed: Installed):
    where = subprocess.run(
        [str(installed.bin / "python"), "-c", "import claimgraph; print(claimgraph.__file__)"],
        cwd=installed.work,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.bin.parent) and not Path(where).is_relative_to(ROOT)


def test_load_query_and_serve_from_an_empty_folder(installed: Installed):
    """init, a corpus folder, draft, then load, a named query and serve: nothing else present."""
    installed.run("init", "started")
    assert "agents:" in (installed.work / "started" / "corpus.yaml").read_text(encoding="utf-8")
    corpus = installed.work / "my-corpus"
    shutil.copytree(MINI, corpus)
    drafted = installed.run("draft", "my-corpus/doc-a.txt")
    assert "# - subject:" in drafted.stdout  # the drafting assistant's libraries came with the wheel
    loaded = installed.run("load", "my-corpus", "--store", "store")
    assert "5 claims" in loaded.stdout
    listed = installed.run("query", "--list")
    assert "casualties-by-source" in listed.stdout
    answer = installed.run("query", "--name", "casualties-by-source", "--store", "store", "--format", "csv")
    assert len(answer.stdout.strip().splitlines()) > 1  # a header and the mini corpus's counts
    with served(installed, "--store", "store") as url:
        page = requests.get(url + "/", timeout=30)
        assert page.status_code == 200 and "vendor/yasgui.min.js" in page.text
        assert requests.get(url + "/static/vendor/yasgui.min.js", timeout=30).status_code == 200
        for name in ("shapes.ttl", "claimgraph.ttl", "context.jsonld"):
            assert requests.get(f"{url}/ontology/{name}", timeout=30).status_code == 200, name
        csv = requests.get(url + "/queries/casualties-by-source", headers={"Accept": "text/csv"}, timeout=30)
        assert csv.status_code == 200 and csv.text.splitlines() == answer.stdout.splitlines()


def test_the_folders_can_be_given(installed: Installed):
    mine = installed.work / "my-queries"
    mine.mkdir()
    (mine / "every-claim.rq").write_text(
        "# Every claim\nPREFIX cg: <https://w3id.org/claimgraph/ns#>\n"
        "SELECT ?claim WHERE { ?claim a cg:Claim }\n",
        encoding="utf-8",
    )
    listed = installed.run("query", "--list", "--queries-dir", "my-queries")
    assert listed.stdout.split()[0] == "every-claim" and "casualties-by-source" not in listed.stdout
    nowhere = installed.run("load", str(MINI), "--store", "other", "--ontology-dir", "no-such", check=False)
    assert nowhere.returncode == 2
    assert nowhere.stderr.startswith("error: ontology folder no-such: no shapes.ttl there")
    assert "Traceback" not in nowhere.stderr


class served:
    """``claimgraph serve`` of the installed package on a free port, until the block ends."""

    def __init__(self, installed: Installed, *args: str) -> None:
        self.installed, self.args, self.port = installed, args, free_port()

    def __enter__(self) -> str:
        self.log = (self.installed.work / "serve.log").open("w+b")
        self.process = subprocess.Popen(
            [str(self.installed.bin / "claimgraph"), "serve", *self.args, "--port", str(self.port)],
            cwd=self.installed.work,
            env=clean_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=2).ok:
                    return url
            except requests.ConnectionError:
                time.sleep(0.2)
        raise AssertionError(f"claimgraph serve did not answer within 60 s:\n{self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
