"""docs/tutorial.md ("your first corpus") runs word for word, and prints what it says it prints.

Its ``sh`` blocks are run in order as one bash script, in a temporary folder that
stands for the clone's folder (the settings point at the clone's ``ontology/`` and
``queries/``), with the virtual environment's ``bin`` first on the ``PATH`` and a free
port in place of the tutorial's 5055.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

TUTORIAL = ROOT / "docs" / "tutorial.md"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```", TUTORIAL.read_text("utf-8"), re.S | re.M)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_tutorial_runs_word_for_word(tmp_path: Path):
    script = "set -euo pipefail\n" + "\n".join(blocks("sh")).replace("5055", str(free_port()))
    # The reader's home (where the vocabulary cache goes) is not the folder they work in.
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    environ = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "CLAIMGRAPH_ONTOLOGY_DIR": str(ROOT / "ontology"),
        "CLAIMGRAPH_QUERIES_DIR": str(ROOT / "queries"),
    }
    done = subprocess.run(
        ["bash", "-c", script], cwd=work, env=environ, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    # What the page says the commands print.
    for shown in blocks("text")[1:]:
        for line in shown.splitlines():
            if line.startswith(("fire", "fire/")) and "…" not in line:
                # How many quads a load adds follows the mapping, which may grow: not checked.
                assert line.split(" quads added")[0].rsplit(":", 1)[0] in out + done.stderr, line
    assert "fire/harbour-fire.txt: added as 'harbour-fire'" in out
    record = next(b for b in blocks("text") if b.startswith("# The claim sheet"))
    assert record in out  # the sheet's record, as the page shows it
    assert "4 draft claims added" in done.stderr
    # The query, and the same question over HTTP: both death counts, with their quotes.
    assert out.count("killing seven workers") == 2 and out.count("nine bodies") == 2
    assert "Lena Okafor" in out and "Port Aldren fire service" in out
    assert sorted(p.name for p in work.iterdir()) == []  # cleaned up
