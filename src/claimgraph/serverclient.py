"""Writing through a running claimgraph server: the CLI's ``--server URL``.

The server is the one writer of its store; a command given ``--server`` sends its write
there, with a token (the operator's ``CLAIMGRAPH_TOKEN`` or a curator's), and the server
validates, commits and records it exactly as a local command would. A corpus goes up as
a resumable sequence of bounded requests — ``POST /uploads`` opens a staging area,
``PUT /uploads/<id>/<file>`` sends each file (sent again, it replaces itself; ``GET
/uploads/<id>`` says which arrived), ``POST /uploads/<id>/load`` commits the corpus whole
(or ``…/validate`` checks it against the store) — so no request body is larger than one
file, and nothing is written until the last request.

Errors come back in the server's one JSON shape and are raised as the domain error of
the same row (a 422 with every problem, sheet and line; 401; 403; 404; …).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ClaimgraphError, InvalidInput, Problem, StoreError, table
from .queries import CORPUS_QUERIES

#: Seconds a request to the server may take (a large load is validated in its last request).
TIMEOUT = 3600.0


def _error_for(status: int, code: str, message: str, details: dict[str, Any]) -> ClaimgraphError:
    """The domain error of the server's answer (its row of the one error table)."""
    if status == 422 and "problems" in details:
        fields = Problem.__dataclass_fields__
        problems = [Problem(**{k: v for k, v in p.items() if k in fields}) for p in details["problems"]]
        return InvalidInput(problems, report=details.get("report"))
    for cls in table():
        if cls.status == status and cls.code == code and not issubclass(cls, InvalidInput):
            return cls(message)
    return StoreError(f"the server answered {status} {code}: {message}")


@dataclass
class ServerClient:
    """A claimgraph server's write API.

    :param url: the server's address (``http://127.0.0.1:5000/``).
    :param token: the bearer token the writes carry.
    """

    url: str
    token: str = ""

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise StoreError(f"--server {self.url!r}: give the server's http:// or https:// address")
        self.url = self.url.rstrip("/") + "/"

    def request(
        self, method: str, path: str, *, body: bytes | None = None, media: str | None = None, **params: str
    ) -> Any:
        """Send one request; the decoded JSON answer. :raises ClaimgraphError: for an error answer."""
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
        target = urllib.parse.urljoin(self.url, path) + (f"?{query}" if query else "")
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if media:
            headers["Content-Type"] = media
        request = urllib.request.Request(target, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                data = response.read()
        except urllib.error.HTTPError as exc:
            data = exc.read()
            try:
                error = json.loads(data)["error"]
            except (ValueError, KeyError, TypeError):
                raise StoreError(f"{method} {target}: the server answered {exc.code} {exc.reason}") from None
            raise _error_for(
                exc.code, error.get("code", ""), error.get("message", ""), error.get("details") or {}
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StoreError(f"cannot reach the claimgraph server at {self.url}: {reason}") from None
        return json.loads(data) if data else {}

    def send_corpus(
        self,
        folder: Path,
        *,
        action: str = "load",
        replace: bool = False,
        reason: str | None = None,
        progress: Callable[[str, int, int], None] | None = None,
        upload: str | None = None,
    ) -> dict[str, Any]:
        """Upload a corpus folder file by file, then have the server load (or validate) it whole.

        :param action: ``load`` or ``validate``.
        :param upload: an earlier upload's id, to resume it (files it holds are not sent again).
        """
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
        files += sorted((folder / CORPUS_QUERIES).glob("*.rq"))  # its own named queries
        if upload is None:
            upload = self.request("POST", "uploads", corpus=folder.name)["upload"]
            have: set[str] = set()
        else:
            have = set(self.request("GET", f"uploads/{upload}").get("files", []))
        for done, path in enumerate(files, start=1):
            name = path.relative_to(folder).as_posix()
            if name not in have:
                self.request("PUT", f"uploads/{upload}/{urllib.parse.quote(name)}", body=path.read_bytes())
            if progress is not None:
                progress("uploading", done, len(files))
        if progress is not None:
            progress(f"{action} on the server", 0, 1)
        return self.request(
            "POST", f"uploads/{upload}/{action}", replace="1" if replace else "", reason=reason or ""
        )

    def withdraw(self, document_id: str, *, reason: str | None = None) -> dict[str, Any]:
        return self.request("DELETE", f"claims/{urllib.parse.quote(document_id)}", reason=reason or "")

    def curators(self) -> list[dict[str, Any]]:
        return self.request("GET", "curators")["curators"]

    def add_curator(self, name: str, *, reason: str | None = None) -> dict[str, Any]:
        return self.request(
            "POST",
            "curators",
            body=json.dumps({"name": name}).encode(),
            media="application/json",
            reason=reason or "",
        )

    def revoke_curator(self, name: str, *, reason: str | None = None) -> dict[str, Any]:
        return self.request("DELETE", f"curators/{urllib.parse.quote(name)}", reason=reason or "")
