"""Starting a corpus: ``init``, ``add-document``, ``draft``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..api import add_document, init_corpus
from ..errors import ClaimgraphError
from .common import (
    _app,
    _fail,
    main,
    setting_options,
)


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
