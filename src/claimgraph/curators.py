"""Curators and their tokens: who may write, kept in the store itself.

A curator is a ``prov:Agent`` (and a ``cg:Curator``) with a label, ``<base>curator/NAME``,
described in ``<base>graph/curators``, a graph only the write path writes. Its token is
never stored: only a salted SHA-256 of it (``cg:tokenHash``), so that the embedded store
and a store on a SPARQL server behave alike and reading the store gives no token away.
A token is 32 random bytes, so one salted hash is as hard to reverse as the token is to
guess. A revoked curator keeps its node, with ``cg:revokedAt``; its token is refused.

``CLAIMGRAPH_TOKEN`` stays: it is the operator's token, and ``<base>curator/operator`` the
agent the operator's writes (and the local CLI's) are recorded under.

>>> token = new_token()
>>> stored = hash_token(token)
>>> token_matches(token, stored), token_matches(token + "x", stored)
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from .errors import Conflict, NotFound, QueryError, Revoked, Unauthorized
from .mapping import Minter
from .namespaces import CG, PROV, RDF, RDFS
from .store import Quad, Store

#: The name the operator (CLAIMGRAPH_TOKEN, the local CLI) writes under; no curator may take it.
OPERATOR = "operator"
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def curators_graph(mint: Minter) -> URIRef:
    return mint.curators_graph


def curator_iri(mint: Minter, name: str) -> URIRef:
    return mint.curator(name)


def new_token() -> str:
    """A new token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str, *, salt: str | None = None) -> str:
    """``sha256$SALT$DIGEST`` of ``token`` (a new random salt unless given)."""
    salt = salt if salt is not None else secrets.token_hex(16)
    digest = hashlib.sha256(f"{salt}${token}".encode()).hexdigest()
    return f"sha256${salt}${digest}"


def token_matches(token: str, stored: str) -> bool:
    """Whether ``token`` is the one ``stored`` is the hash of, compared in constant time."""
    scheme, _, rest = stored.partition("$")
    salt, _, _digest = rest.partition("$")
    if scheme != "sha256" or not salt:
        return False
    return hmac.compare_digest(hash_token(token, salt=salt).encode(), stored.encode())


@dataclass(frozen=True)
class Curator:
    """Someone who writes: a curator of the store, or the operator."""

    name: str
    iri: URIRef
    token_hash: str = ""
    revoked: str | None = None
    added: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.name == OPERATOR

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "iri": str(self.iri), "added": self.added, "revoked": self.revoked}


def operator(mint: Minter) -> Curator:
    return Curator(OPERATOR, curator_iri(mint, OPERATOR))


def read_curators(store: Store, mint: Minter) -> list[Curator]:
    """Every curator the store records (revoked ones too), by name; one read of a small graph."""
    return curators_from_quads(store.quads(curators_graph(mint)), mint)


def curators_from_quads(quads: Iterable[tuple], mint: Minter) -> list[Curator]:
    """Curators from the quads (or triples) of the curators graph."""
    prefix = mint.under("curator")
    fields: dict[URIRef, dict[URIRef, str]] = {}
    for s, p, o, *_ in quads:
        if isinstance(s, URIRef) and str(s).startswith(prefix):
            fields.setdefault(s, {})[p] = str(o)
    found = []
    for iri, values in fields.items():
        name = str(iri)[len(prefix) :]
        if name == OPERATOR:
            continue  # the operator's token is CLAIMGRAPH_TOKEN, never stored
        found.append(
            Curator(
                name,
                iri,
                token_hash=values.get(CG.tokenHash, ""),
                revoked=values.get(CG.revokedAt),
                added=values.get(PROV.generatedAtTime),
            )
        )
    return sorted(found, key=lambda c: c.name)


def authenticate(
    token: str | None, curators: Iterable[Curator], *, operator_token: str, mint: Minter
) -> Curator:
    """The curator ``token`` is the token of.

    Every stored hash is compared, whichever matches, so that the time taken says nothing
    of which one did (or how far a comparison got).

    :raises Unauthorized: no token, or one nobody has.
    :raises Revoked: the token of a revoked curator.
    """
    if not token:
        raise Unauthorized("this write needs Authorization: Bearer <token>")
    found: Curator | None = None
    if operator_token and hmac.compare_digest(token.encode(), operator_token.encode()):
        found = operator(mint)
    for curator in curators:
        if token_matches(token, curator.token_hash) and found is None:
            found = curator
    if found is None:
        raise Unauthorized("this token is neither the operator's nor a curator's")
    if found.revoked:
        raise Revoked(f"curator {found.name!r}'s token was revoked on {found.revoked}")
    return found


def check_name(name: str) -> None:
    """:raises QueryError: for a name that is no lower-case slug, or the operator's."""
    if not NAME.fullmatch(name):
        raise QueryError(
            f"curator name {name!r}: use lower-case letters, digits, '.', '_' and '-' (up to 64)"
        )


def add_quads(
    mint: Minter, name: str, token: str, existing: Iterable[Curator], *, at: datetime
) -> list[Quad]:
    """What adding curator ``name`` with ``token`` writes to the curators graph.

    :raises Conflict: when the name is taken (the operator's, or a curator's, revoked or not).
    """
    check_name(name)
    if name == OPERATOR or any(c.name == name for c in existing):
        raise Conflict(f"there is a curator {name!r} already; choose another name")
    node, graph = curator_iri(mint, name), curators_graph(mint)
    return [
        (node, RDF.type, PROV.Agent, graph),
        (node, RDF.type, CG.Curator, graph),
        (node, RDFS.label, Literal(name), graph),
        (node, CG.tokenHash, Literal(hash_token(token)), graph),
        (node, PROV.generatedAtTime, timestamp(at), graph),
    ]


def revoke_quads(mint: Minter, name: str, existing: Iterable[Curator], *, at: datetime) -> list[Quad]:
    """What revoking curator ``name`` writes (nothing is removed: the curator stays, revoked).

    :raises NotFound: when there is no such curator.
    """
    found = next((c for c in existing if c.name == name), None)
    if found is None:
        raise NotFound(f"no curator {name!r}")
    if found.revoked:
        return []
    return [(found.iri, CG.revokedAt, timestamp(at), curators_graph(mint))]


def operator_quads(mint: Minter) -> list[Quad]:
    """The operator as an agent, so that the history's links to it resolve."""
    node, graph = curator_iri(mint, OPERATOR), curators_graph(mint)
    return [
        (node, RDF.type, PROV.Agent, graph),
        (node, RDF.type, CG.Curator, graph),
        (node, RDFS.label, Literal(OPERATOR), graph),
    ]


def timestamp(at: datetime) -> Literal:
    """``at`` in UTC, to the second, as an ``xsd:dateTime`` without a time zone (always UTC
    here): the one lexical form that Oxigraph, Virtuoso and rdflib (the JSON-LD dump) all keep
    as written, so that every dump equals the store.

    >>> str(timestamp(datetime(2026, 12, 7, 20, 55, 1, 123456, tzinfo=UTC)))
    '2026-12-07T20:55:01'
    """
    return Literal(at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), datatype=XSD.dateTime)


def now() -> datetime:
    return datetime.now(UTC)
