"""Running compiled checks over a staged batch: focus nodes marked once, results as pyshacl gives them."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import Graph

from ..namespaces import RDF, RDFS, SH
from .checks import FOCUS, _Check, _SparqlCheck
from .results import Result
from .staging import Staged
from .wording import _sparql_messages


def run_checks(
    staged: Staged,
    checks: list[_Check],
    sparql_checks: list[_SparqlCheck],
    focus_graphs: dict[str, str],
    data_names: Graph | None = None,
) -> list[Result]:
    """Run every compiled check over a staged batch; the results, as pyshacl would give them.

    :param data_names: the graph whose namespace prefixes pyshacl's own messages use
        (a fresh rdflib graph's, by default, as in ``validation``).
    """
    names = data_names if data_names is not None else Graph()
    marked = _mark_sparql_targets(checks, sparql_checks, staged.store)
    _mark_focus_nodes(focus_graphs, staged.store)
    results: list[Result] = []
    for check in [*checks, *sparql_checks]:
        shape = check.shape
        if shape.only_sparql_targets and not any(marked[graph] for graph, _ in shape.sparql_targets):
            continue  # no focus node: the engine need not plan the check's body
        if isinstance(check, _Check):
            results += _run_core(staged, check, names)
        else:
            results += _run_sparql(staged, check)
    return results


def _mark_sparql_targets(
    checks: list[_Check], sparql_checks: list[_SparqlCheck], store: ox.Store
) -> dict[str, int]:
    """Put the focus nodes of each SPARQL target into its marker graph; how many each has."""
    marker = ox.NamedNode(FOCUS)
    marked: dict[str, int] = {}
    for check in [*checks, *sparql_checks]:
        for graph, query in check.shape.sparql_targets:
            if graph in marked:
                continue
            name = ox.NamedNode(graph)
            found = {row["this"] for row in store.query(query) if row["this"] is not None}
            store.extend(ox.Quad(node, marker, marker, name) for node in found)
            marked[graph] = len(found)
    return marked


def _mark_focus_nodes(focus_graphs: dict[str, str], store: ox.Store) -> None:
    """Put the focus nodes of each shape into its marker graph (after the SPARQL targets' own)."""
    marker = ox.NamedNode(FOCUS)
    for source, graph in focus_graphs.items():
        name = ox.NamedNode(graph)
        found = {row["this"] for row in store.query(f"SELECT ?this WHERE {{ {source} }}")}
        store.extend(ox.Quad(marker, marker, node, name) for node in found if node is not None)


def _run_core(staged: Staged, check: _Check, names: Graph) -> Iterator[Result]:
    shape = check.shape
    to_rdflib = staged.term
    for row in staged.store.query(check.query):
        focus = to_rdflib(row["this"])
        value = to_rdflib(row["v"]) if check.has_value else None
        path = shape.path
        if check.closed:
            path, value = to_rdflib(row["p"]), to_rdflib(row["o"])
            if (path, value) == (RDF.type, RDFS.Resource):
                continue
        if check.judge is not None and not check.judge(value):
            continue
        messages = shape.messages or (check.generic(names, focus, value),)
        yield Result(focus, shape.node, check.component, shape.severity, path, value, tuple(messages))


def _run_sparql(staged: Staged, check: _SparqlCheck) -> list[Result]:
    store, to_rdflib = staged.store, staged.term
    shape = check.shape
    select = check.select
    results: list[Result] = []
    if select.batchable:
        text = f"{select.text[: select.where]} {shape.focus} {select.text[select.where :]}"
        answers = [(None, store.query(check.prefixes + "\n" + text))]
    else:
        focus_query = f"SELECT ?this WHERE {{ {shape.focus} }}"
        text = check.prefixes + "\n" + select.text
        answers = [
            (row["this"], store.query(text, substitutions={ox.Variable("this"): row["this"]}))
            for row in store.query(focus_query)
        ]
    for given, answer in answers:
        names = [v.value for v in answer.variables]
        seen: set = set()
        failed: set = set()
        for row in answer:
            bound = {n: to_rdflib(row[n]) for n in names if row[n] is not None}
            focus = to_rdflib(given) if given is not None else bound.get("this")
            failure = bound.pop("failure", None)
            path = bound.pop("path", None)
            value = bound.pop("value", None)
            this = bound.pop("this", None)
            if given is None and focus is None:
                continue
            if failure is not None:
                if focus in failed:
                    continue
                failed.add(focus)
                this = path = None
                value = None if shape.is_property else focus
            elif path is None and value is None and this is None:
                continue
            else:
                key = (focus, this, path, value, tuple(sorted(bound.items())))
                if key in seen:
                    continue
                seen.add(key)
                if value is None:
                    value = None if shape.is_property else focus
            variables = dict(bound)
            if failure is None:
                for name, term in (("this", this), ("path", path), ("value", value)):
                    if term is not None:
                        variables[name] = term
            if path is None and shape.is_property:
                path = shape.path
            results.append(
                Result(
                    focus=this or focus,
                    shape=shape.node,
                    component=SH.SPARQLConstraintComponent,
                    severity=shape.severity,
                    path=path,
                    value=value,
                    messages=_sparql_messages(check.messages, shape.messages, variables),
                    constraint=check.constraint,
                )
            )
    return results
