"""The command line: ``claimgraph load | validate | query | export | stats | serve``.

Errors are one clear line (or one line per problem), never a traceback. Exit
codes are a contract: ``validate`` exits 0 when the corpus conforms, 1 on
violations, 2 on any other error; every command exits 2 on an error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .api import Claimgraph
from .config import SETTINGS, load_settings
from .errors import ClaimgraphError, InvalidInput
from .export import FORMATS
from .results import to_csv, to_json, to_table, to_tsv

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2


def setting_options(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mirror the named settings as CLI options (their help and env names come from SETTINGS)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for setting in reversed([s for s in SETTINGS if s.name in names]):
            func = click.option(
                setting.option,
                setting.name,
                default=None,
                type=setting.type if setting.type in (int, float, str) else str,
                help=f"{setting.help} [env {setting.env}; default {setting.default!r}]",
            )(func)
        return func

    return decorate


def _app(options: dict[str, Any]) -> Claimgraph:
    return Claimgraph(load_settings(options))


def _fail(exc: ClaimgraphError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_ERROR)


@click.group()
@click.version_option(package_name="claimgraph")
def main() -> None:
    """claimgraph: a knowledge-graph store for contested claims."""


@main.command()
@click.argument(
    "folders",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@setting_options("store", "base_iri", "ontology_dir")
def load(folders: tuple[Path, ...], **options: Any) -> None:
    """Validate and load corpus FOLDERS (each one transaction, all or nothing)."""
    try:
        app = _app(options)
        store = app.open_store()
        try:
            for folder in folders:
                steps = [
                    "reading sheets",
                    "building RDF",
                    "validating",
                    "deriving consensus",
                    "committing",
                ]
                with click.progressbar(length=len(steps), label=f"loading {folder}", file=sys.stderr) as bar:
                    report = app.load(store, folder, progress=lambda _step: bar.update(1))
                click.echo(f"{folder}: {report}")
        finally:
            store.close()
    except InvalidInput as exc:
        click.echo(f"error: nothing was loaded. {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except ClaimgraphError as exc:
        _fail(exc)


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@setting_options("base_iri", "ontology_dir")
def validate(folders: tuple[Path, ...], **options: Any) -> None:
    """Check corpus FOLDERS against the sheets' rules and the SHACL shapes; write nothing.

    Exit status: 0 conforms, 1 violations, 2 error.
    """
    try:
        app = _app(options)
        violations = False
        for folder in folders:
            if not folder.is_dir():
                raise ClaimgraphError(f"{folder}: no such folder")
            try:
                claims = app.validate(folder)
                click.echo(f"{folder}: conforms ({claims} claims)")
            except InvalidInput as exc:
                violations = True
                click.echo(f"{folder}: does not conform. {exc}", err=True)
    except ClaimgraphError as exc:
        _fail(exc)
    sys.exit(EXIT_VIOLATIONS if violations else EXIT_OK)


WRITERS = {"table": to_table, "csv": to_csv, "tsv": to_tsv, "json": to_json}


@main.command()
@click.argument("text", required=False)
@click.option(
    "--file",
    "-f",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the query from a .rq file.",
)
@click.option("--name", "-n", help="Run a named query from queries/ (see `claimgraph query --list`).")
@click.option("--param", "-p", multiple=True, metavar="NAME=VALUE", help="A named query's parameter.")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and exit.")
@click.option("--format", "fmt", type=click.Choice(sorted(WRITERS)), default="table", show_default=True)
@setting_options("store", "queries_dir")
def query(
    text: str | None,
    path: Path | None,
    name: str | None,
    param: tuple[str, ...],
    list_queries: bool,
    fmt: str,
    **options: Any,
) -> None:
    """Run a SPARQL query: inline TEXT, --file PATH or --name NAME."""
    try:
        app = _app(options)
        if list_queries:
            for named in app.named_queries.values():
                params = " ".join(f"[{p.name}]" for p in named.parameters)
                click.echo(f"{named.name} {params}\n    {named.title}")
            return
        if sum(x is not None for x in (text, path, name)) != 1:
            raise click.UsageError("give exactly one of TEXT, --file and --name")
        params = dict(_split_param(p) for p in param)
        store = app.open_store(read_only=True)
        try:
            if name is not None:
                result = app.run_named(store, name, params)
            else:
                if params:
                    raise click.UsageError("--param works with --name only")
                result = store.query(path.read_text(encoding="utf-8") if path else text or "")
        finally:
            store.close()
        if result.kind == "graph" and fmt != "table":
            raise click.UsageError("CONSTRUCT and DESCRIBE answers print as a table (N-Triples)")
        click.echo(WRITERS[fmt](result))
    except ClaimgraphError as exc:
        _fail(exc)


def _split_param(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep:
        raise click.UsageError(f"--param {text!r}: write NAME=VALUE")
    return key, value


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="trig", show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of standard output.",
)
@setting_options("store", "ontology_dir", "base_iri", "data_license")
def export_command(fmt: str, output: Path | None, **options: Any) -> None:
    """Dump the whole store (TriG, N-Quads, Turtle, JSON-LD, RDF 1.2, nanopublications, VoID); gzip for -o *.gz."""
    try:
        app = _app(options)
        store = app.open_store(read_only=True)
        try:
            data = app.export(store, fmt, compress=bool(output and output.suffix == ".gz"))
        finally:
            store.close()
        if output:
            output.write_bytes(data)
            click.echo(f"wrote {len(data)} bytes to {output}", err=True)
        else:
            sys.stdout.buffer.write(data)
    except ClaimgraphError as exc:
        _fail(exc)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@setting_options("store")
def stats(as_json: bool, **options: Any) -> None:
    """Counts of quads, graphs, claims, documents, agents and contested facts."""
    try:
        app = _app(options)
        store = app.open_store(read_only=True)
        try:
            counts = app.stats(store)
        finally:
            store.close()
        if as_json:
            click.echo(json.dumps(counts))
        else:
            for key, value in counts.items():
                click.echo(f"{key:22} {value}")
    except ClaimgraphError as exc:
        _fail(exc)


@main.command()
@setting_options(*[s.name for s in SETTINGS])
def serve(**options: Any) -> None:
    """Serve the SPARQL endpoint and the query page with a production WSGI server."""
    try:
        app = _app(options)
        from .web import serve as run_server

        run_server(app)
    except ClaimgraphError as exc:
        _fail(exc)


if __name__ == "__main__":
    main()
