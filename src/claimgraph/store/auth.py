"""Credentials for a SPARQL server: a bearer token, or a user and password sent the way the
server asks for them on its first 401 — Basic, or Digest (RFC 7616) as Virtuoso's
``/sparql-auth`` does. Virtuoso answers Basic credentials it did not ask for with a bare 401,
so the first request goes without."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["Authenticator", "Credentials"]


@dataclass(frozen=True)
class Credentials:
    """How to authenticate: a user and password (Basic, or Digest when the server asks), or a bearer token."""

    user: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)


class Authenticator:
    """The credentials of one client, and how its server asked for them (thread-safe)."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        #: How the server asked to be answered: None until it asks (a 401), "basic" or "digest".
        self._scheme: str | None = None
        self._digest: dict[str, str] = {}
        self._nonce_count = 0
        self._lock = threading.Lock()

    def headers(self, method: str, url: str) -> dict[str, str]:
        """The ``Authorization`` header of a request (none before the server asked for credentials)."""
        c = self.credentials
        if c.token:
            return {"Authorization": f"Bearer {c.token}"}
        if not c.user or self._scheme is None:
            # Virtuoso answers Basic credentials it does not take with a 401 that asks for
            # nothing: the first request goes without, and the server says which it wants.
            return {}
        with self._lock:
            if self._scheme == "digest":
                return {"Authorization": self._digest_header(method, url)}
        basic = base64.b64encode(f"{c.user}:{c.password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {basic}"}

    def take_challenge(self, headers: Mapping[str, str]) -> bool:
        """Remember how the server asks to be answered (Basic, or Digest: RFC 7616) so that the
        request can be sent again with the credentials."""
        if not self.credentials.user:
            return False
        challenge = headers.get("WWW-Authenticate", "")
        if challenge.lower().startswith("basic"):
            with self._lock:
                self._scheme = "basic"
            return True
        if not challenge.lower().startswith("digest "):
            return False
        params = {k: a or b for k, a, b in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', challenge[7:])}
        algorithm = params.get("algorithm", "MD5").upper()
        if algorithm not in ("MD5", "SHA-256") or "nonce" not in params:
            return False
        with self._lock:
            self._scheme, self._digest = "digest", params
            self._nonce_count = 0
        return True

    def _digest_header(self, method: str, url: str) -> str:
        # Called with the lock held.
        d = self._digest
        c = self.credentials
        algorithm = d.get("algorithm", "MD5").upper()

        def h(text: str) -> str:
            name = "sha256" if algorithm == "SHA-256" else "md5"
            return hashlib.new(name, text.encode("utf-8")).hexdigest()

        parts = urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        ha1 = h(f"{c.user}:{d.get('realm', '')}:{c.password}")
        ha2 = h(f"{method}:{uri}")
        self._nonce_count += 1
        nc = f"{self._nonce_count:08x}"
        cnonce = os.urandom(8).hex()
        qop = "auth" if "auth" in d.get("qop", "").split(",") else ""
        middle = f"{nc}:{cnonce}:{qop}:" if qop else ""
        answer = h(f"{ha1}:{d['nonce']}:{middle}{ha2}")
        fields = [
            f'username="{c.user}"',
            f'realm="{d.get("realm", "")}"',
            f'nonce="{d["nonce"]}"',
            f'uri="{uri}"',
            f'response="{answer}"',
            f"algorithm={algorithm}",
        ]
        if qop:
            fields += [f"qop={qop}", f"nc={nc}", f'cnonce="{cnonce}"']
        if "opaque" in d:
            fields.append(f'opaque="{d["opaque"]}"')
        return "Digest " + ", ".join(fields)
