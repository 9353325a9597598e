"""The benchmark harness works end to end at a tiny size (a smoke test: no timing is asserted).

``make bench`` runs it at real sizes; here it runs at 100 claims, the smallest size that
still checks every step (one event, two invalid claims refused, a write batch as large as
the store), with one run of each step, and writes its RESULTS.md into a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def developer_environ() -> dict[str, str]:
    """The environment a developer runs a benchmark in: this session's, without the hostile
    ``CLAIMGRAPH_*`` values every test runs beside (tests/hostile.py); a benchmark reads its
    settings as claimgraph's commands do."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")}


def test_harness_smoke_run(tmp_path: Path):
    out = tmp_path / "RESULTS.md"
    command = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "100", "--runs", "1"]
    command += ["--query-runs", "1", "--http-seconds", "1", "--connections", "1", "--servers", "claimgraph"]
    # The load with pyshacl is the same step with another validator (test_validator_equivalence
    # holds the validators equal); at this size it is a third of the run, so make bench has it.
    command += ["--pyshacl-limit", "0"]
    # The store on a server too (Virtuoso's figures come from make bench: its start adds seconds).
    command += ["--backends", "oxigraph"]
    # A session of its own: past the limit, the harness is stopped with the servers it started.
    with subprocess.Popen(
        [*command, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=developer_environ(),
    ) as harness:
        try:
            _, stderr = harness.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            os.killpg(harness.pid, signal.SIGKILL)
            harness.communicate()
            raise
    assert harness.returncode == 0, stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    for heading in ("1. Load with validation", "2. Writes", "3. Named queries", "4. HTTP", "100 claims"):
        assert heading in text
    assert "## Backends" in text and "| quads | " in text
    assert "| target | measured | verdict | where not met: the cause, as this run shows it |" in text
    recorded = json.loads((tmp_path / "results.json").read_text())
    [row] = recorded["results"]
    assert row["events"] >= 1 and row["invalid"] >= 2  # the size still has something to refuse
    load = row["load"]
    assert "pyshacl" not in load and "pyshacl validator" not in text  # above --pyshacl-limit
    assert load["fast"]["claims_loaded"] == 100
    rejects = load["fast"]["rejects"]
    assert rejects["refused"] and rejects["unchanged"] and rejects["claims"] == 100
    assert rejects["problems"] == row["invalid"]
    assert load["bulk"]["quads"] == load["fast"]["quads"]
    writes = row["writes"]
    assert "missing" not in writes, writes
    assert {k for k in writes if k != "store claims"} == {
        "load 100 claims (s)",
        "POST /claims, 10 claims (s)",
        "withdraw a 100-claim document (s)",
    }
    assert all(v["median"] > 0 for k, v in writes.items() if k != "store claims")
    names = {name.split(" (")[0] for name in row["queries"]}
    assert names == {p.stem for p in (ROOT / "queries").glob("*.rq")}
    assert all("claimgraph" in q for q in row["queries"].values()), row["queries"]
    [measured] = json.loads((tmp_path / "backends.json").read_text())
    assert measured["oxigraph"]["quads"] == load["fast"]["quads"]
    assert all(v["median"] > 0 for v in measured["oxigraph"]["queries (s)"].values())
    if shutil.which("wrk"):
        served = row["http"]["servers"]["claimgraph serve"]
        assert served["queries"]["cheap lookup"]["rows"] > 0
        assert served["queries"]["cheap lookup"]["1"]["requests"] > 0
        assert served["rss_mb"] > 0


def test_a_run_adds_sizes_to_an_earlier_one_each_with_its_date():
    """``--add``: the sizes an earlier run measured stay, stamped with their date and commit."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import run
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    recorded = {
        "when": "2026-01-01 00:00 UTC",
        "versions": {"claimgraph": "0.1.0 (abc1234)"},
        "results": [{"claims": 100}, {"claims": 1000}],
    }
    [kept] = run.kept_rows(recorded, [1000])
    assert kept["claims"] == 100
    assert kept["measured"] == {"when": "2026-01-01 00:00 UTC", "claimgraph": "0.1.0 (abc1234)"}
    again = run.kept_rows({**recorded, "when": "2026-02-02 00:00 UTC", "results": [kept]}, [5])
    assert again[0]["measured"]["when"] == "2026-01-01 00:00 UTC"  # its own date, not the file's


def test_engine_harness_smoke_run(tmp_path: Path):
    """``make bench-engine`` at a tiny size: both workloads, the load phases, the CLI loads, its section."""
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n\nwhat another harness wrote\n", encoding="utf-8")
    command = [sys.executable, str(ROOT / "benchmarks" / "engine.py"), "--sizes", "100", "--runs", "1"]
    command += ["--vocabulary-runs", "1", "--out", str(out)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, env=developer_environ()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    assert "what another harness wrote" in text
    assert "## Write engine (issue 20)" in text and "### Targets (issue 20)" in text
    recorded = json.loads((tmp_path / "engine.json").read_text())
    rows = {r["workload"]: r for r in recorded["rows"]}
    assert set(rows) == {"spread", "crowded keys"}
    assert rows["crowded keys"]["claims per event"] == 25  # 100 claims about 4 events
    for row in rows.values():
        for key in (
            "load 250 claims (s)",
            "POST /claims, 10 claims (s)",
            "withdraw a 100-claim document (s)",
        ):
            assert row[key]["median"] > 0
        for phases in (row["load phases (s)"], row["build phases (s)"]):
            for phase in ("read", "validate", "consensus", "commit", "index"):
                assert phases[phase] > 0, (phase, phases)
            parts = sum(v for k, v in phases.items() if k != "total")
            assert abs(parts - phases["total"]) <= 0.05 * phases["total"], phases
        assert row["index read back by SPARQL (s)"] > 0
    vocabulary = recorded["vocabulary"]
    for key in ("derived anew (s)", "kept (s)", "derived anew, CPU (s)", "kept, CPU (s)"):
        assert vocabulary[key]["median"] > 0
