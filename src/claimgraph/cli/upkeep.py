"""The store's upkeep: ``export``, ``stats``, ``check``, ``reindex``, ``backup``, ``restore``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..api import EXPORT_FORMATS
from ..errors import ClaimgraphError
from .common import (
    EXIT_OK,
    EXIT_VIOLATIONS,
    _app,
    _fail,
    main,
    setting_options,
)


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
