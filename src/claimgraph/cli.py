"""The command line: ``claimgraph load | validate | withdraw | curators | rebase | query | export | stats | check | serve``,
and ``init | add-document | draft`` to start a corpus.

A command that writes takes ``--server URL`` to send its write through a running server
(the one writer of its store), with the operator's or a curator's token (``--token``,
``CLAIMGRAPH_TOKEN``), and ``--reason`` for the store's history; without it, it writes the
store itself, as the operator.

Errors are one clear line (or one line per problem), never a traceback. Exit
codes are a contract: ``validate`` exits 0 when the corpus conforms, 1 on
violations, 2 on any other error; every command exits 2 on an error.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from . import formats
from .api import EXPORT_FORMATS, Claimgraph, QueryRequest, ServerClient, add_document, init_corpus
from .config import SETTINGS, load_settings
from .errors import ClaimgraphError, InvalidInput, NotFound, StoreError

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
    """The claimgraph the options configure; a test passes ``obj={"environ": {...}}`` to ``invoke``."""
    context = click.get_current_context(silent=True)
    obj = context.find_root().obj if context is not None else None
    environ = obj.get("environ") if isinstance(obj, dict) else None
    return Claimgraph(load_settings(options, environ=environ))


def _fail(exc: ClaimgraphError) -> None:
    """One line on standard error, and the error's exit code (its row of the error table)."""
    click.echo(f"error: {exc}", err=True)
    sys.exit(exc.exit_code)


@click.group()
@click.version_option(package_name="claimgraph")
def main() -> None:
    """claimgraph: a knowledge-graph store for contested claims."""


class _Progress:
    """Real progress of a long write: a bar per stage on a terminal, a line per stage otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.stage: str | None = None
        self.bar: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            if self.tty and total > 1:
                self.bar = click.progressbar(length=total, label=f"{self.label}: {stage}", file=sys.stderr)
                self.bar.__enter__()
                self.shown = 0
            else:
                click.echo(f"{self.label}: {stage}" + (f" ({total} to do)" if total > 1 else ""), err=True)
        if self.bar is not None:
            self.bar.update(done - self.shown)
            self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _warn(warnings: list[str]) -> None:
    """A committed write's warnings (work after the commit that failed), on standard error."""
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


@contextlib.contextmanager
def _writing(store: Any) -> Iterator[list[object]]:
    """Close ``store`` after the writes of the block, which appends each that committed.

    On an error, the store is closed and the first error is the one told; once a write
    has committed, a failure to close (the flush on a full disk) is a warning, not a failure.
    """
    committed: list[object] = []
    try:
        yield committed
    except BaseException:
        with contextlib.suppress(ClaimgraphError):
            store.close()
        raise
    try:
        store.close()
    except ClaimgraphError as exc:
        if not committed:
            raise
        _warn([str(exc)])


def _claims_word(folder: Path, exc: InvalidInput) -> str:
    return f"{folder}: nothing was loaded. {exc}"


def server_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--server URL`` and ``--reason TEXT``, for the commands that write."""
    func = click.option("--reason", help="Why: recorded with the write in the store's history.")(func)
    return click.option(
        "--server",
        metavar="URL",
        help="Send the write through the claimgraph server at URL (the one writer of its store), "
        "with --token or CLAIMGRAPH_TOKEN (the operator's or a curator's token).",
    )(func)


def _client(app: Claimgraph, server: str) -> ServerClient:
    return ServerClient(server, app.settings.token)


def _busy(app: Claimgraph, exc: StoreError) -> StoreError:
    """A store held by a running server: say how to send the write through it."""
    if "in use" not in str(exc):
        return exc
    s = app.settings
    return StoreError(
        f"{exc}. If a server holds it, send the write through the server: add "
        f"--server http://{s.host}:{s.port}/ (with the operator's or a curator's token in CLAIMGRAPH_TOKEN)"
    )


@main.command()
@click.argument(
    "folders",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option(
    "--replace",
    is_flag=True,
    help="Let the corpus take over documents another corpus loaded (otherwise refused).",
)
@click.option(
    "--upload", metavar="ID", help="With --server: resume an upload cut short (its id was printed)."
)
@server_options
@setting_options("store", "base_iri", "ontology_dir", "cache_dir", "validator", "token", "host", "port")
def load(
    folders: tuple[Path, ...],
    replace: bool,
    upload: str | None,
    server: str | None,
    reason: str | None,
    **options: Any,
) -> None:
    """Validate and load corpus FOLDERS (each one transaction, all or nothing)."""
    try:
        app = _app(options)
        if server:
            client = _client(app, server)
            for folder in folders:
                progress = _Progress(f"loading {folder}")
                try:
                    answer = client.send_corpus(
                        folder, replace=replace, reason=reason, progress=progress, upload=upload
                    )
                finally:
                    progress.close()
                click.echo(f"{folder}: {answer.get('summary', 'nothing changed')} (through {client.url})")
            return
        try:
            store = app.open_store()
        except StoreError as exc:
            raise _busy(app, exc) from None
        with _writing(store) as committed, app.acting(None, reason):
            for folder in folders:
                progress = _Progress(f"loading {folder}")
                try:
                    report = app.load(store, folder, replace=replace, progress=progress)
                finally:
                    progress.close()
                committed.append(folder)
                click.echo(f"{folder}: committed: {report}")
                _warn(report.warnings)
    except InvalidInput as exc:
        click.echo(f"error: nothing was loaded. {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except ClaimgraphError as exc:
        _fail(exc)


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--against-store",
    is_flag=True,
    help="Check against the store (its registry, documents and consensus), as a load would.",
)
@click.option(
    "--server",
    metavar="URL",
    help="With --against-store: check against the store of the claimgraph server at URL (with --token).",
)
@setting_options("store", "base_iri", "ontology_dir", "cache_dir", "validator", "token")
def validate(folders: tuple[Path, ...], against_store: bool, server: str | None, **options: Any) -> None:
    """Check corpus FOLDERS exactly as `load` does (sheets, registry, SHACL, consensus); write nothing.

    Exit status: 0 conforms, 1 violations, 2 error.
    """
    try:
        app = _app(options)
        violations = False
        if server:
            if not against_store:
                raise click.UsageError("--server checks against the server's store: add --against-store")
            client = _client(app, server)
            for folder in folders:
                if not folder.is_dir():
                    raise ClaimgraphError(f"{folder}: no such folder")
                try:
                    answer = client.send_corpus(folder, action="validate")
                    click.echo(f"{folder}: conforms ({answer.get('claims', 0)} claims)")
                except InvalidInput as exc:
                    violations = True
                    click.echo(f"{folder}: does not conform. {exc}", err=True)
            sys.exit(EXIT_VIOLATIONS if violations else EXIT_OK)
        store = app.open_store(read_only=True) if against_store else None
        try:
            for folder in folders:
                if not folder.is_dir():
                    raise ClaimgraphError(f"{folder}: no such folder")
                progress = _Progress(f"validating {folder}")
                try:
                    claims = app.validate(folder, store=store, progress=progress)
                    click.echo(f"{folder}: conforms ({claims} claims)")
                except InvalidInput as exc:
                    violations = True
                    click.echo(f"{folder}: does not conform. {exc}", err=True)
                finally:
                    progress.close()
        finally:
            if store is not None:
                store.close()
    except ClaimgraphError as exc:
        _fail(exc)
    sys.exit(EXIT_VIOLATIONS if violations else EXIT_OK)


@main.command()
@click.argument("document_ids", nargs=-1, required=True)
@server_options
@setting_options("store", "base_iri", "ontology_dir", "token", "host", "port")
def withdraw(document_ids: tuple[str, ...], server: str | None, reason: str | None, **options: Any) -> None:
    """Withdraw documents (by id): their claims leave the current graphs (kept as withdrawn,
    with the store's history), and entities nothing else refers to go.

    The local curator (the operator) needs no token: whoever can write the store's folder may.
    """
    try:
        app = _app(options)
        if server:
            client = _client(app, server)
            for ident in document_ids:
                answer = client.withdraw(ident, reason=reason)
                click.echo(
                    f"{ident}: withdrawn, {len(answer.get('withdrawn', []))} claims (through {client.url})"
                )
            return
        try:
            store = app.open_store()
        except StoreError as exc:
            raise _busy(app, exc) from None
        with _writing(store) as committed, app.acting(None, reason):
            for ident in document_ids:
                try:
                    report = app.withdraw(store, ident)
                except NotFound:
                    raise NotFound(f"no document {ident!r} in the store at {app.settings.store}") from None
                committed.append(ident)
                click.echo(
                    f"{ident}: withdrawn, {len(report.removed_claims)} claims, {report.removed} quads removed"
                )
                _warn(report.warnings)
    except ClaimgraphError as exc:
        _fail(exc)


@main.group()
def curators() -> None:
    """The store's curators: each writes with a token of its own (CLAIMGRAPH_TOKEN is the operator's)."""


def _curators_call(options: dict[str, Any], server: str | None, local: Callable, remote: Callable) -> Any:
    app = _app(options)
    if server:
        return remote(_client(app, server))
    try:
        store = app.open_store()
    except StoreError as exc:
        raise _busy(app, exc) from None
    try:
        return local(app, store)
    finally:
        store.close()


@curators.command("add")
@click.argument("name")
@server_options
@setting_options("store", "base_iri", "ontology_dir", "token", "host", "port")
def curators_add(name: str, server: str | None, reason: str | None, **options: Any) -> None:
    """Add curator NAME and print its new token (the last line; it is shown once, never stored)."""
    try:

        def local(app: Claimgraph, store: Any) -> str:
            with app.acting(None, reason):
                return app.add_curator(store, name)[1]

        token = _curators_call(
            options, server, local, lambda client: client.add_curator(name, reason=reason)["token"]
        )
        click.echo(f"curator {name} added; its token (keep it: it is not shown again):")
        click.echo(token)
    except ClaimgraphError as exc:
        _fail(exc)


@curators.command("list")
@click.option("--server", metavar="URL", help="List the curators of the server at URL (operator's token).")
@setting_options("store", "base_iri", "ontology_dir", "token", "host", "port")
def curators_list(server: str | None, **options: Any) -> None:
    """List the curators: name, when added, and when revoked."""
    try:
        rows = _curators_call(
            options,
            server,
            lambda app, store: [c.as_dict() for c in app.curators(store)],
            lambda client: client.curators(),
        )
        for row in rows:
            state = f"revoked {row['revoked']}" if row.get("revoked") else "active"
            click.echo(f"{row['name']}\tadded {row.get('added') or '?'}\t{state}")
    except ClaimgraphError as exc:
        _fail(exc)


@curators.command("revoke")
@click.argument("name")
@server_options
@setting_options("store", "base_iri", "ontology_dir", "token", "host", "port")
def curators_revoke(name: str, server: str | None, reason: str | None, **options: Any) -> None:
    """Revoke curator NAME's token at once (the curator and what it wrote stay)."""
    try:

        def local(app: Claimgraph, store: Any) -> Any:
            with app.acting(None, reason):
                return app.revoke_curator(store, name)

        _curators_call(options, server, local, lambda client: client.revoke_curator(name, reason=reason))
        click.echo(f"curator {name} revoked")
    except ClaimgraphError as exc:
        _fail(exc)


@main.command()
@click.argument("new_base")
@setting_options("store", "ontology_dir")
def rebase(new_base: str, **options: Any) -> None:
    """Re-mint every IRI of the store under NEW_BASE, in one transaction."""
    try:
        app = _app(options)
        store = app.open_store(any_base=True)
        with _writing(store) as committed:
            report = app.rebase(store, new_base)
            committed.append(new_base)
            click.echo(f"rebased to {new_base}: {report.added} quads re-minted")
            _warn(report.warnings)
    except ClaimgraphError as exc:
        _fail(exc)


#: ``--format`` of ``query``: a terminal table, or any format of :mod:`claimgraph.formats`.
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


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORT_FORMATS)), default="trig", show_default=True)
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
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@setting_options("store", "base_iri", "ontology_dir", "cache_dir", "validator")
def check(as_json: bool, **options: Any) -> None:
    """Whether the store is whole: metadata, shapes, consensus, vocabulary, search index; writes nothing.

    Exit status: 0 whole, 1 a problem found (each line names its fix), 2 error.
    """
    try:
        app = _app(options)
        store = app.open_store(read_only=True, any_base=True)
        try:
            findings = app.check(store)
        finally:
            store.close()
    except ClaimgraphError as exc:
        _fail(exc)
    whole = all(f.ok for f in findings)
    if as_json:
        click.echo(json.dumps({"whole": whole, "checks": [f.as_dict() for f in findings]}))
    else:
        for finding in findings:
            click.echo("\n".join(finding.lines()))
    sys.exit(EXIT_OK if whole else EXIT_VIOLATIONS)


@main.command()
@setting_options("store", "base_iri")
def reindex(**options: Any) -> None:
    """Rebuild the search index and the commit marker (after a write that warned it could not)."""
    try:
        app = _app(options)
        store = app.open_store()
        try:
            app.reindex(store)
        finally:
            store.close()
        click.echo(f"{app.settings.store}: search index rebuilt")
    except ClaimgraphError as exc:
        _fail(exc)


@main.command()
@click.argument("dest", type=click.Path(path_type=Path))
@setting_options("store", "base_iri")
def backup(dest: Path, **options: Any) -> None:
    """Copy the store to the new folder DEST, consistently, also while a server serves it."""
    try:
        app = _app(options)
        marker = app.backup(dest)
        click.echo(f"{app.settings.store}: backed up to {dest} (commit {marker.count})")
    except ClaimgraphError as exc:
        _fail(exc)


@main.command()
@click.argument("backup_folder", metavar="BACKUP", type=click.Path(path_type=Path))
@setting_options("store", "base_iri")
def restore(backup_folder: Path, **options: Any) -> None:
    """Make the backup BACKUP the store (--store: a new or empty folder)."""
    try:
        app = _app(options)
        marker = app.restore(backup_folder)
        click.echo(f"{backup_folder}: restored to {app.settings.store} (commit {marker.count})")
    except ClaimgraphError as exc:
        _fail(exc)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def init(folder: Path) -> None:
    """Start a corpus FOLDER with a commented corpus.yaml (its entities and agents)."""
    try:
        written = init_corpus(folder)
        click.echo(f"{written}: written; declare the corpus's agents and entities in it")
    except ClaimgraphError as exc:
        _fail(exc)


@main.command("add-document")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--corpus",
    "corpus",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The corpus folder.",
)
@click.option("--id", "ident", help="The document's id (default: a slug of the file name).")
@click.option("--creator", help="The agent id that speaks in the document's own voice (else fill it in).")
@click.option("--language", help="The document's language, e.g. en (default: what an HTML page states).")
def add_document_command(
    file: Path, corpus: Path, ident: str | None, creator: str | None, language: str | None
) -> None:
    """Copy a text FILE (or the text of a saved HTML page) into a corpus and write its sheet's header."""
    try:
        added = add_document(file, corpus, ident=ident, creator=creator, language=language)
    except ClaimgraphError as exc:
        _fail(exc)
    found = ", ".join(
        f"{name} {value}"
        for name, value in (
            ("title", added.title),
            ("date", added.date),
            ("place", added.place),
            ("language", added.language),
        )
        if value
    )
    click.echo(
        f"{added.path}: added as {added.id!r} (sha256 {added.sha256[:12]}…){'; ' + found if found else ''}"
    )
    click.echo(f"{added.sheet}: its sheet; next: claimgraph draft {added.path}")


@main.command()
@click.argument("document", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--corpus",
    type=click.Path(file_okay=False, path_type=Path),
    help="The corpus folder whose corpus.yaml names the entities (default: the document's folder).",
)
@click.option(
    "--in-place", is_flag=True, help="Add the drafts to the document's sheet instead of printing them."
)
@click.option(
    "--against-store", is_flag=True, help="Propose the store's entities and agents too (its registry)."
)
@click.option(
    "--count-kinds",
    "scheme",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A SKOS scheme of count kinds (Turtle) besides the ontology folder's.",
)
@setting_options("store", "base_iri", "ontology_dir")
def draft(
    document: Path,
    corpus: Path | None,
    in_place: bool,
    against_store: bool,
    scheme: Path | None,
    **options: Any,
) -> None:
    """Draft the claims of DOCUMENT: its sheet with every sentence that states a number, a date or
    someone's words as a commented-out claim to correct and uncomment."""
    try:
        app = _app(options)
        store = app.open_store(read_only=True) if against_store else None
        try:
            drafted = app.draft(document, corpus=corpus, store=store, scheme=scheme)
        finally:
            if store is not None:
                store.close()
    except ClaimgraphError as exc:
        _fail(exc)
    if in_place:
        drafted.sheet.write_text(drafted.text, encoding="utf-8")
        click.echo(f"{drafted.sheet}: {len(drafted.drafts)} draft claims added (commented out)", err=True)
    else:
        click.echo(drafted.text, nl=False)


@main.command()
@setting_options(*[s.name for s in SETTINGS])
def serve(**options: Any) -> None:
    """Serve the SPARQL endpoint and the query page with a production WSGI server."""
    try:
        app = _app(options)
        _check_port(app.settings.host, app.settings.port)
        app.open_store(read_only=True).close()  # a foreign folder or another base: refused before "serving …"
        from .web import serve as run_server

        run_server(app)
    except ClaimgraphError as exc:
        _fail(exc)


def _check_port(host: str, port: int) -> None:
    """Refuse a port in use before the server says it is serving."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise StoreError(
                f"cannot serve on {host}:{port}: {exc.strerror or exc}; choose another --port"
            ) from None


if __name__ == "__main__":
    main()
