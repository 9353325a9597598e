"""The consensus a sequence of writes leaves is the consensus derived from scratch.

Hypothesis draws sequences of loads (documents of a few claims about two events: counts
with and without a count kind, dates at different precision, claimants passed on through
others) and withdrawals, on one store; after every write the store's consensus graph is
compared with :func:`claimgraph.consensus.consensus_triples` of every claim the store then
holds. The store is shared by the examples of a run: the property holds from any state the
engine leaves, so each example starts where the last one stopped. Besides loads and
withdrawals, a SPARQL update gives a stored count another value, or deletes a claim's node.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimgraph.api import Claimgraph
from claimgraph.consensus import consensus_triples, stored_claims
from claimgraph.namespaces import CG, RDF
from claimgraph.store import Store

from .conftest import Servers, backend_settings

AGENTS = ("mayor", "agency", "hospitals", "press")
EVENTS = ("flood", "fire")
#: (predicate, value as the sheet writes it, count kind or None)
FACTS = (
    ("cg:deathCount", "12", "killed"),
    ("cg:deathCount", "14", "killed"),
    ("cg:deathCount", "12", "injured"),
    ("cg:deathCount", "14", "missing"),
    ("cg:deathCount", "12", "missing"),
    ("schema:startDate", "2020-05-03", None),
    ("schema:startDate", "'2020-05'", None),
    ("schema:startDate", "2020-05-04", None),
)
CORPUS = "\n".join(
    [
        "agents:",
        *(f"  - {{id: {a}, type: cg:UnnamedSource, label: The {a}}}" for a in AGENTS),
        "entities:",
        *(f"  - {{id: {e}, type: schema:Event, label: The {e}}}" for e in EVENTS),
    ]
)

claim = st.tuples(
    st.sampled_from(EVENTS),
    st.sampled_from(FACTS),
    st.sampled_from(AGENTS),
    st.none() | st.sampled_from(AGENTS),
)
#: Loads mostly: the records of a key that only gains claims are kept from those claims alone
#: (claimcount, documents, claimants, source groups merged), not derived again from the key's claims.
loads = st.one_of(
    st.tuples(st.just("load"), st.lists(claim, min_size=1, max_size=6)),
    st.tuples(st.just("load"), st.lists(claim, min_size=1, max_size=6)),
    st.tuples(st.just("load"), st.lists(claim, min_size=1, max_size=6)),
    st.tuples(st.just("withdraw"), st.integers(min_value=0, max_value=50)),
)
step = st.one_of(
    st.tuples(st.just("load"), st.lists(claim, min_size=1, max_size=4)),
    st.tuples(st.just("withdraw"), st.integers(min_value=0, max_value=50)),
    st.tuples(
        st.just("alter"), st.tuples(st.integers(min_value=0, max_value=50), st.sampled_from((12, 14, 15)))
    ),
    st.tuples(st.just("drop"), st.integers(min_value=0, max_value=50)),
)


@pytest.fixture(scope="module")
def upkeep(
    backend: str, servers: Servers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Claimgraph, Store, Path, list[str]]]:
    folder = tmp_path_factory.mktemp(f"upkeep-{backend}")
    cg = Claimgraph(backend_settings(backend, servers, folder / "store"))
    store = cg.open_store()
    try:
        yield cg, store, folder, []
    finally:
        store.close()


def _document(folder: Path, name: str, claims: list) -> Path:
    corpus = folder / "upkeep"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir()
    (corpus / "corpus.yaml").write_text(CORPUS + "\n", encoding="utf-8")
    sentences, lines = [], []
    for n, (event, (predicate, value, kind), claimant, via) in enumerate(claims):
        quote = f"claim {n} of {name}"
        sentences.append(f"The {claimant} said {quote}.")
        lines += [f"  - subject: {event}", f"    predicate: {predicate}", f"    value: {value}"]
        lines += [f"    claimant: {claimant}", f'    quote: "{quote}"']
        if kind:
            lines.append(f"    count_kind: {kind}")
        if via and via != claimant:
            lines.append(f"    via: [{{agent: {via}}}]")
    text = "\n".join(sentences) + "\n"
    (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
    head = [
        "document:",
        f"  id: {name}",
        f"  file: {name}.txt",
        f"  sha256: {hashlib.sha256(text.encode()).hexdigest()}",
        f"  creator: {claims[0][2]}",
        "  language: en",
        "claims:",
    ]
    (corpus / f"{name}.yaml").write_text("\n".join(head + lines) + "\n", encoding="utf-8")
    return corpus


def _consensus(cg: Claimgraph, store: Store) -> tuple[set, set]:
    """(the consensus graph as stored, the consensus derived from every stored claim)."""
    graph = cg.mint.consensus_graph
    stored = {(s, p, o) for s, p, o, _g in store.quads(graph)}
    pairs = {
        (r["s"], r["p"])
        for r in store.query(
            f"SELECT DISTINCT ?s ?p WHERE {{ ?c a <{CG.Claim}> ; <{RDF.subject}> ?s ; <{RDF.predicate}> ?p }}"
        ).rows
    }
    return stored, consensus_triples(stored_claims(store, pairs), cg.mint)


@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=4))
def test_the_consensus_kept_by_writes_is_the_consensus_derived_again(upkeep, steps):
    _run(upkeep, steps)


@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(loads, min_size=1, max_size=5))
def test_the_records_kept_from_new_claims_alone_are_the_records_derived_again(upkeep, steps):
    _run(upkeep, steps)


def _run(upkeep: tuple[Claimgraph, Store, Path, list[str]], steps: list) -> None:
    cg, store, folder, loaded = upkeep
    for kind, what in steps:
        if kind == "load":
            name = f"doc-{len(loaded) + sum(1 for _ in folder.glob('seen-*'))}"
            (folder / f"seen-{name}").touch()
            cg.load(store, _document(folder, name, what))
            loaded.append(name)
        elif kind == "withdraw" and loaded:
            cg.withdraw(store, loaded.pop(what % len(loaded)))
        elif kind in ("alter", "drop"):
            counts = sorted(
                str(r["c"])
                for r in store.query(
                    f"SELECT ?c WHERE {{ ?c a <{CG.Claim}> ; <{RDF.predicate}> <{CG.deathCount}> }}"
                ).rows
            )
            if not counts:
                continue
            if kind == "alter":
                number, value = what
                claim = counts[number % len(counts)]
                update = (
                    f"DELETE {{ GRAPH ?g {{ <{claim}> <{RDF.object}> ?o }} }}"
                    f" INSERT {{ GRAPH ?g {{ <{claim}> <{RDF.object}> {value} }} }}"
                    f" WHERE {{ GRAPH ?g {{ <{claim}> <{RDF.object}> ?o }} }}"
                )
            else:  # the claim node alone: its #fragments stay, and are not claims
                update = f"DELETE WHERE {{ GRAPH ?g {{ <{counts[what % len(counts)]}> ?p ?o }} }}"
            report = cg.update(store, update)
            assert report.removed_claims if kind == "drop" else report.claims or not report.added, report
        stored, derived = _consensus(cg, store)
        assert stored == derived, (sorted(stored - derived)[:5], sorted(derived - stored)[:5])
