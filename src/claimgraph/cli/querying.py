"""``claimgraph query``, and its answers as a table for a terminal."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

import click

from .. import formats
from ..api import Claimgraph, QueryRequest
from ..errors import ClaimgraphError
from .common import (
    _app,
    _fail,
    main,
    setting_options,
)

QUERY_FORMATS = ["table", "expanded", *formats.names()]


@main.command()
@click.argument("text", required=False)
@click.option(
    "--file",
    "-f",
    "path",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    help="Read the query from a .rq file ('-': from standard input).",
)
@click.option("--name", "-n", help="Run a named query from queries/ (see `claimgraph query --list`).")
@click.option(
    "--param",
    "-p",
    multiple=True,
    metavar="NAME=VALUE",
    help="A named query's parameter; an IRI may be a short id (event=camp-ashraf-attack-2013 "
    "is <base>entity/camp-ashraf-attack-2013) or a path under the base IRI (claim=claim/…).",
)
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and exit.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(QUERY_FORMATS, case_sensitive=False),
    default="table",
    show_default=True,
    metavar="FORMAT",
    help="table (columns when they fit the terminal, otherwise one record per block: every value "
    "whole), expanded (always one record per block), a results format for SELECT and ASK "
    "(json, xml, csv, tsv: every value whole) or an RDF format for CONSTRUCT and DESCRIBE "
    "(turtle, ntriples, nquads, trig, jsonld, rdfxml).",
)
@setting_options("store", "queries_dir", "base_iri", "max_rows")
def query(
    text: str | None,
    path: Path | None,
    name: str | None,
    param: tuple[str, ...],
    list_queries: bool,
    fmt: str,
    **options: Any,
) -> None:
    """Run a SPARQL query: inline TEXT, --file PATH (- for standard input) or --name NAME."""
    try:
        app = _app(options)
        if list_queries or name is not None:
            _read_named_queries(app)
        if list_queries:
            for named in app.named_queries.values():
                params = " ".join(f"[{p.name}]" for p in named.parameters)
                brought = f"  (corpus {named.corpus})" if named.corpus else ""
                click.echo(f"{named.name} {params}{brought}\n    {named.title}")
            return
        if sum(x is not None for x in (text, path, name)) != 1:
            raise click.UsageError("give exactly one of TEXT, --file and --name")
        params = dict(_split_param(p) for p in param)
        if name is not None:
            sparql = app.named_query_text(name, params)
        elif params:
            raise click.UsageError("--param works with --name only")
        elif path is not None:
            sparql = sys.stdin.read() if str(path) == "-" else path.read_text("utf-8")
        else:
            sparql = text or ""
        # A table is drawn from SPARQL JSON results; a graph answer prints as N-Triples.
        drawn = fmt in ("table", "expanded")
        wanted = "srj,ntriples" if drawn else fmt  # srj: SPARQL JSON, never JSON-LD
        store = app.open_store(read_only=True)
        try:
            answer = app.answer(store, QueryRequest(sparql, format=wanted))
        finally:
            store.close()
        if drawn and answer.kind != "graph":
            width = shutil.get_terminal_size((100, 24)).columns
            click.echo(table(json.loads(answer.body), width=width, expanded=fmt == "expanded" or None))
            return
        body = answer.body
        click.echo(body if body.endswith(b"\n") or not body else body + b"\n", nl=False)
    except ClaimgraphError as exc:
        _fail(exc)


def _read_named_queries(app: Claimgraph) -> None:
    """The corpora's named queries, read from the store when there is one (a fresh install has none)."""
    folder = app.store_folder
    if folder is not None and not folder.exists():
        return
    store = app.open_store(read_only=True)
    try:
        app.read_named_queries(lambda sparql: store.query(sparql).rows)
    finally:
        store.close()


def table(results: dict[str, Any], *, width: int = 100, expanded: bool | None = None) -> str:
    """SPARQL JSON results for a terminal of ``width`` columns, every value whole.

    Columns when every row fits in ``width``; otherwise one record per block, ``name: value``
    (as psql's expanded mode), a long value wrapped at spaces under its field. ``expanded``
    True or False forces one or the other.

    >>> r = {"head": {"vars": ["n", "who"]}, "results": {"bindings": [
    ...     {"n": {"type": "literal", "value": "52"}, "who": {"type": "literal", "value": "the UN officials"}}]}}
    >>> print(table(r, width=30))
    n   who
    --  ----------------
    52  the UN officials
    >>> r["results"]["bindings"][0]["who"]["value"] = "United Nations officials in Baghdad"
    >>> print(table(r, width=25))
    -[ 1 ]-------------------
    n:   52
    who: United Nations
         officials in Baghdad
    >>> table({"head": {}, "boolean": True})
    'true'
    """
    if "boolean" in results:
        return "true" if results["boolean"] else "false"
    names = results["head"]["vars"]
    rows = [
        [" ".join(row[v]["value"].split()) if v in row else "" for v in names]
        for row in results["results"]["bindings"]
    ]
    widths = [max([len(v), *(len(r[i]) for r in rows)]) for i, v in enumerate(names)]
    gap = 2
    fits = sum(widths) + gap * (len(widths) - 1) <= width
    if expanded or (expanded is None and not fits and rows):
        return _expanded(names, rows, width)

    def line(cells: list[str]) -> str:
        return (" " * gap).join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [line(names), (" " * gap).join("-" * w for w in widths)]
    lines += [line(r) for r in rows]
    return "\n".join(lines)


def _expanded(names: list[str], rows: list[list[str]], width: int) -> str:
    """One block per row: a rule with the row's number, then ``name: value`` lines."""
    label = max(len(n) for n in names) + 2  # "name: " padded to the longest name
    room = max(width - label, 20)
    blocks = []
    for number, row in enumerate(rows, 1):
        head = f"-[ {number} ]"
        lines = [head + "-" * max(width - len(head), 0)]
        for name, value in zip(names, row, strict=True):
            parts = textwrap.wrap(value, room, break_long_words=False, break_on_hyphens=False) or [""]
            lines.append(f"{name + ':':<{label}}{parts[0]}".rstrip())
            lines += [" " * label + part for part in parts[1:]]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _split_param(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep:
        raise click.UsageError(f"--param {text!r}: write NAME=VALUE")
    return key, value
