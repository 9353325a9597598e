"""``claimgraph serve``: the SPARQL endpoint and the pages, behind a production WSGI server."""

from __future__ import annotations

from typing import Any

from ..config import SETTINGS
from ..errors import ClaimgraphError, StoreError
from .common import (
    _app,
    _fail,
    main,
    setting_options,
)


@main.command()
@setting_options(*[s.name for s in SETTINGS])
def serve(**options: Any) -> None:
    """Serve the SPARQL endpoint and the query page with a production WSGI server."""
    try:
        app = _app(options)
        _check_port(app.settings.host, app.settings.port)
        app.open_store(read_only=True).close()  # a foreign folder or another base: refused before "serving …"
        from ..web import serve as run_server

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
