"""What every command shares: the group, options mirrored from settings, the app, errors out, progress."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from ..api import Claimgraph, ServerClient
from ..config import SETTINGS, load_settings
from ..errors import ClaimgraphError, InvalidInput, StoreError

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
