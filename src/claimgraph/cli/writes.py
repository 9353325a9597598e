"""The commands that write the store: ``load``, ``validate`` (load's checks, writing nothing), ``withdraw``, ``rebase``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import ClaimgraphError, InvalidInput, NotFound, StoreError
from .common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_VIOLATIONS,
    _app,
    _busy,
    _client,
    _fail,
    _Progress,
    _warn,
    _writing,
    main,
    server_options,
    setting_options,
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
