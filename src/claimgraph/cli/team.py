"""``claimgraph curators add | list | revoke``: the store's curators and their tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..api import Claimgraph
from ..errors import ClaimgraphError, StoreError
from .common import (
    _app,
    _busy,
    _client,
    _fail,
    main,
    server_options,
    setting_options,
)


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
