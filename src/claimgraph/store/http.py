"""An HTTP client for a SPARQL 1.1 server: the Query, Update and Graph Store protocols.

Made for :class:`claimgraph.store.remote.RemoteStore`, and for nothing else:

* connections are reused (a pool per endpoint, thread-safe);
* every request has a deadline: the connect timeout, the read timeout and the
  whole body read are bounded by it, and a query carries the server's own time
  limit parameter where the operator names one (``timeout={ms}`` for Virtuoso);
* only requests that are safe to repeat are retried: a query (a read) when the
  connection failed or was dropped before an answer came; an update or a Graph
  Store write only when the connection could not be made (nothing was sent);
* queries and updates are sent as HTML form posts (``application/x-www-form-urlencoded``),
  which every server reads; Virtuoso can hang on a direct ``application/sparql-query`` body;
* credentials: a bearer token, or a user and password sent the way the server asks for
  them on its first 401 (:mod:`.auth`).

A server's answer that says less than it seems is refused here, before anyone reads it:
Virtuoso's "anytime" answers (``X-SQL-State: S1TAT``: the query was stopped at the time
limit and the rows so far returned with 200) become :class:`QueryTimeout`. The
``X-SPARQL-MaxRows`` header (rows cut at ``ResultSetMaxRows``) is left to the caller,
which knows whether it reads a page or an answer (:attr:`Response.cut_at`).

>>> Endpoints.for_url("http://127.0.0.1:7878/query")
Endpoints(query='http://127.0.0.1:7878/query', update='http://127.0.0.1:7878/update', gsp=None)
>>> Endpoints.for_url("http://127.0.0.1:8890/sparql").update
'http://127.0.0.1:8890/sparql'
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from ..errors import QueryError, QueryTimeout, StoreError
from .auth import Authenticator, Credentials

__all__ = ["ConnectionLost", "Credentials", "Endpoints", "Response", "SparqlClient", "timeout_field"]

FORM = "application/x-www-form-urlencoded"
#: Bytes read from a response at a time, the deadline checked between reads.
CHUNK = 65536
#: Seconds to make a connection (within the request's deadline).
CONNECT_TIMEOUT = 5.0
#: Tries of a request that is safe to repeat (a query), when the connection fails.
READ_TRIES = 3


class ConnectionLost(StoreError):
    """The connection broke after the request was sent: the server may have run it, or not."""


@dataclass(frozen=True)
class Endpoints:
    """The URLs of a server: SPARQL Query, SPARQL Update, and the Graph Store (None: not used)."""

    query: str
    update: str
    gsp: str | None = None

    @classmethod
    def for_url(cls, query: str, *, update: str = "", gsp: str = "") -> Endpoints:
        """The endpoints of a server whose query URL is ``query``; ``update`` defaults to the
        query URL, with a last path segment ``query`` read as ``update`` (Oxigraph server's
        and Fuseki's layout: ``…/query``, ``…/update``)."""
        if not update:
            update = re.sub(r"/query$", "/update", query)
        return cls(query=query, update=update, gsp=gsp or None)


@dataclass
class Response:
    """A 2xx answer: its media type, headers and body (``stream`` instead, when streamed)."""

    status: int
    media_type: str
    headers: Mapping[str, str]
    body: bytes = b""
    stream: Any = None

    @property
    def cut_at(self) -> int | None:
        """Virtuoso's ``X-SPARQL-MaxRows``: the answer holds that many rows and may have
        been cut there (``ResultSetMaxRows``), even when no more would have followed."""
        value = self.headers.get("X-SPARQL-MaxRows")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return 0

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


def timeout_field(template: str, seconds: float) -> tuple[str, str] | None:
    """The form field that carries a query's time limit, from the operator's template.

    ``{ms}`` stands for milliseconds, ``{s}`` for seconds; an empty template sends nothing.

    >>> timeout_field("timeout={ms}", 2.5)
    ('timeout', '2500')
    >>> timeout_field("timeout={s}", 2.5)
    ('timeout', '3')
    >>> timeout_field("", 2.5) is None
    True
    """
    if not template.strip():
        return None
    name, _, value = template.strip().partition("=")
    value = value.replace("{ms}", str(max(1, round(seconds * 1000)))).replace(
        "{s}", str(max(1, int(-(-seconds // 1))))
    )
    return name, value


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def timeout(self) -> urllib3.Timeout:
        left = max(self.left(), 0.001)
        return urllib3.Timeout(connect=min(CONNECT_TIMEOUT, left), read=left)


class _BodyReader:
    """A response body read in chunks, refused past the deadline; a file-like object for parsers."""

    def __init__(self, response: Any, deadline: _Deadline, what: str) -> None:
        self._response = response
        self._deadline = deadline
        self._what = what
        self._done = False

    def read(self, size: int = -1) -> bytes:
        if self._deadline.left() <= 0:
            self.close()
            raise QueryTimeout(
                f"the SPARQL server did not send the whole {self._what} within {self._deadline.seconds:g} s"
            )
        try:
            if size is None or size < 0:
                return b"".join(self._chunks())
            return self._response.read(min(size, CHUNK))
        except ReadTimeoutError:
            self.close()
            raise QueryTimeout(
                f"the SPARQL server did not send the whole {self._what} within {self._deadline.seconds:g} s"
            ) from None
        except (ProtocolError, HTTPError) as exc:
            self.close()
            raise StoreError(f"the SPARQL server broke off the {self._what}: {exc}") from None

    def _chunks(self) -> Iterator[bytes]:
        while True:
            if self._deadline.left() <= 0:
                raise QueryTimeout(
                    f"the SPARQL server did not send the whole {self._what} within {self._deadline.seconds:g} s"
                )
            chunk = self._response.read(CHUNK)
            if not chunk:
                self._done = True
                return
            yield chunk

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        # An answer read only in part leaves bytes on the connection: it cannot be reused.
        if not self._done:
            self._response.close()
        self._response.release_conn()


class SparqlClient:
    """Talks to one SPARQL server; safe to share between threads, not between processes.

    :param timeout_param: the template of the form field that carries a query's time
        limit to the server (:func:`timeout_field`), or empty.
    """

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        credentials: Credentials | None = None,
        timeout_param: str = "",
        pool_size: int = 8,
    ) -> None:
        self.endpoints = endpoints
        self.credentials = credentials or Credentials()
        self._auth = Authenticator(self.credentials)
        self.timeout_param = timeout_param
        self._pid = os.getpid()
        self._pool_size = pool_size
        self._pool = urllib3.PoolManager(num_pools=4, maxsize=pool_size, block=False, retries=False)

    # ------------------------------------------------------------ the three protocols

    def query(
        self,
        text: str,
        *,
        default_graphs: Iterable[str],
        named_graphs: Iterable[str],
        accept: str,
        timeout: float,
        stream: bool = False,
    ) -> Response:
        """Run a query (SPARQL 1.1 Protocol, POST form) on the dataset given.

        :param stream: leave the body unread (:attr:`Response.stream`, a file-like reader
            bounded by the deadline); close it when done.
        :raises QueryError: when the server refuses the query (4xx).
        :raises QueryTimeout: past ``timeout`` seconds, or when the server stopped the query
            at its own limit and answered with what it had.
        :raises StoreError: when the server cannot be reached or fails.
        """
        fields = [("query", text)]
        fields += [("default-graph-uri", g) for g in default_graphs]
        fields += [("named-graph-uri", g) for g in named_graphs]
        limit = timeout_field(self.timeout_param, timeout)
        if limit is not None:
            fields.append(limit)
        response = self._send(
            self.endpoints.query,
            body=urlencode(fields).encode("utf-8"),
            content_type=FORM,
            accept=accept,
            timeout=timeout,
            what="query",
            repeatable=True,
            stream=stream,
        )
        state = response.headers.get("X-SQL-State", "")
        if state.upper().startswith("S1T"):
            response.close()
            # Virtuoso's "anytime" answer: stopped at the limit, the rows so far sent as if whole.
            raise QueryTimeout(
                "the SPARQL server stopped the query at its time limit and answered with the rows it "
                f"had found so far ({response.headers.get('X-SQL-Message', state).strip()[:200]}); "
                "an incomplete answer is never passed on"
            )
        return response

    def update(self, text: str, *, timeout: float) -> Response:
        """Run an update (SPARQL 1.1 Protocol, POST form); never repeated once sent.

        :raises QueryError: when the server refuses it (4xx).
        :raises QueryTimeout: when no answer came within ``timeout`` seconds (it may still run).
        :raises StoreError: when the server cannot be reached or fails.
        """
        return self._send(
            self.endpoints.update,
            body=urlencode({"update": text}).encode("utf-8"),
            content_type=FORM,
            accept="*/*",
            timeout=timeout,
            what="update",
            repeatable=False,
        )

    def post_graph(self, graph: str, ntriples: bytes, *, timeout: float) -> Response:
        """Add N-Triples to ``graph`` (Graph Store protocol ``POST ?graph=``)."""
        if self.endpoints.gsp is None:
            raise StoreError("no Graph Store URL is configured (CLAIMGRAPH_GSP_URL)")
        separator = "&" if "?" in self.endpoints.gsp else "?"
        return self._send(
            f"{self.endpoints.gsp}{separator}{urlencode({'graph': graph})}",
            body=ntriples,
            content_type="application/n-triples",
            accept="*/*",
            timeout=timeout,
            what="Graph Store upload",
            repeatable=False,
        )

    def close(self) -> None:
        self._pool.clear()

    # ------------------------------------------------------------ one request

    def _send(
        self,
        url: str,
        *,
        body: bytes,
        content_type: str,
        accept: str,
        timeout: float,
        what: str,
        repeatable: bool,
        stream: bool = False,
    ) -> Response:
        if os.getpid() != self._pid:
            # A forked child must not share the parent's sockets.
            self._pool = urllib3.PoolManager(num_pools=4, maxsize=self._pool_size, block=False, retries=False)
            self._pid = os.getpid()
        deadline = _Deadline(timeout)
        connect_tries, read_tries = READ_TRIES, READ_TRIES if repeatable else 1
        challenged = False
        while True:
            headers = {"Content-Type": content_type, "Accept": accept, **self._auth.headers("POST", url)}
            try:
                raw = self._pool.request(
                    "POST",
                    url,
                    body=body,
                    headers=headers,
                    timeout=deadline.timeout(),
                    preload_content=False,
                    redirect=False,
                )
            except (NewConnectionError, ConnectTimeoutError) as exc:
                # Nothing was sent: any request may be tried again.
                connect_tries -= 1
                if connect_tries > 0 and deadline.left() > 0.1:
                    time.sleep(0.05)
                    continue
                raise StoreError(
                    f"cannot reach the SPARQL server at {_origin(url)}: {_reason(exc)}"
                ) from None
            except ReadTimeoutError:
                raise QueryTimeout(
                    f"the SPARQL server did not answer the {what} within {timeout:g} s"
                    + ("" if repeatable else "; it may still be running")
                ) from None
            except (ProtocolError, HTTPError) as exc:
                # The connection dropped: a read may be asked again, a write may have been applied.
                read_tries -= 1
                if read_tries > 0 and deadline.left() > 0.1:
                    continue
                raise ConnectionLost(
                    f"the SPARQL server at {_origin(url)} broke off the {what}: {exc}"
                ) from None
            if raw.status == 401 and not challenged and self._auth.take_challenge(raw.headers):
                challenged = True
                _discard(raw)
                continue
            media_type = raw.headers.get("Content-Type", "").split(";")[0].strip().lower()
            reader = _BodyReader(raw, deadline, what)
            if 200 <= raw.status < 300:
                if stream:
                    return Response(raw.status, media_type, raw.headers, stream=reader)
                data = reader.read()
                reader.close()
                return Response(raw.status, media_type, raw.headers, body=data)
            try:
                message = _message(reader.read()[:4000])
            except (QueryTimeout, StoreError):
                message = ""
            reader.close()
            raise _refusal(raw.status, message, what, url)


def _discard(raw: Any) -> None:
    raw.drain_conn()
    raw.release_conn()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text.split(": ", 1)[-1] if ": " in text else text


def _message(body: bytes) -> str:
    """The server's error message: its text up to the echo of the request (Virtuoso repeats it)."""
    text = body.decode("utf-8", errors="replace")
    text = text.split("\nSPARQL query:", 1)[0].split("\nSPARQL request:", 1)[0]
    text = re.sub(r"<[^>]+>", " ", text) if text.lstrip().startswith("<") else text
    return " ".join(text.split())[:500]


#: Words by which a server's 5xx says that a time or cost limit stopped the request.
_TIME_LIMITS = re.compile(r"timed? ?out|timeout|exceeds the limit|estimated execution time", re.I)


def _refusal(status: int, message: str, what: str, url: str) -> Exception:
    said = f": {message}" if message else ""
    if status in (400, 422):
        return QueryError(f"the SPARQL server refused the {what}{said}")
    if status in (401, 403):
        return StoreError(
            f"the SPARQL server at {_origin(url)} refused the {what} ({status}{said}); check "
            "CLAIMGRAPH_STORE_USER / CLAIMGRAPH_STORE_PASSWORD or CLAIMGRAPH_STORE_TOKEN, and the "
            "server's permissions"
        )
    if status == 404:
        return StoreError(f"no SPARQL endpoint at {_origin(url)} (404)")
    if status == 413:
        return StoreError(f"the {what} is too large for the SPARQL server at {_origin(url)} (413{said})")
    if _TIME_LIMITS.search(message):
        return QueryTimeout(f"the SPARQL server stopped the {what} at its limit{said}")
    return StoreError(f"the SPARQL server at {_origin(url)} answered {status} to the {what}{said}")
