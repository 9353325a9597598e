"""Named queries: the researcher questions kept as ``queries/*.rq`` files.

Each file opens with a comment header: a title line, a description, and one
``@param`` line per parameter::

    # Casualties by source
    #
    # Which sources give which casualty count.
    #
    # @param event iri  The event to report on (default: every event).

A parameter given at run time is bound by a ``VALUES`` block placed at the top
of the query's ``WHERE`` pattern, so the same text runs on any SPARQL server.

>>> q = parse_named_query("x", "# Title\\n#\\n# What.\\n# @param n integer  A number.\\nSELECT * WHERE { ?s ?p ?n }")
>>> q.title, q.description, [p.name for p in q.parameters]
('Title', 'What.', ['n'])
>>> bind_parameters(q, {"n": "7"})
'# Title\\n#\\n# What.\\n# @param n integer  A number.\\nSELECT * WHERE { VALUES ?n { 7 } ?s ?p ?n }'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Literal, URIRef

from .errors import ConfigError, Problem, QueryError
from .namespaces import CG, RDFS, XSD

PARAM = re.compile(r"^@param\s+(\w+)\s+(iri|integer|string|date)\s*(.*)$")
PARAM_TYPES = ("iri", "integer", "string", "date")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    #: The corpus that brought it (its ``queries/`` folder), or None for a built-in one.
    corpus: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "parameters": [p.__dict__ for p in self.parameters],
            "corpus": self.corpus,
        }


def parse_named_query(name: str, text: str) -> NamedQuery:
    """Read the header of one ``.rq`` file.

    :raises QueryError: when the header has no title.
    """
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line[1:].strip())
    if not header or not header[0]:
        raise QueryError(f"{name}.rq: the first line must be a '# Title' comment")
    description, parameters = [], []
    for line in header[1:]:
        match = PARAM.match(line)
        if match:
            parameters.append(Parameter(*match.groups()))
        elif line.startswith("@param"):
            raise QueryError(
                f"{name}.rq: cannot read {line!r}; write '@param name {'|'.join(PARAM_TYPES)} text'"
            )
        elif line:
            description.append(line)
        elif description and description[-1] != "":
            description.append("")
    return NamedQuery(
        name=name,
        title=header[0],
        description=" ".join(d for d in description if d).strip(),
        parameters=tuple(parameters),
        text=text,
    )


def load_named_queries(folder: Path) -> dict[str, NamedQuery]:
    """Every ``*.rq`` in ``folder``, by file stem.

    :raises ConfigError: when ``folder`` is not a folder.
    """
    if not Path(folder).is_dir():
        raise ConfigError(
            f"queries folder {folder}: no such folder (--queries-dir, CLAIMGRAPH_QUERIES_DIR; "
            "empty: the one installed with claimgraph)"
        )
    queries = {}
    for path in sorted(Path(folder).glob("*.rq")):
        queries[path.stem] = parse_named_query(path.stem, path.read_text(encoding="utf-8"))
    return queries


#: The folder of a corpus that holds its own named queries, beside ``corpus.yaml``.
CORPUS_QUERIES = "queries"

#: A named query's name: what its URL and ``--name`` say.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def read_corpus_queries(folder: Path, corpus: str, problems: list[Problem]) -> list[NamedQuery]:
    """The named queries a corpus folder brings: each ``queries/*.rq`` beside its ``corpus.yaml``.

    A file whose name or header cannot be read is added to ``problems`` (with its path).
    """
    found = []
    for path in sorted((Path(folder) / CORPUS_QUERIES).glob("*.rq")):
        where = f"{CORPUS_QUERIES}/{path.name}"
        if not NAME.fullmatch(path.stem):
            problems.append(
                Problem(
                    f"{path.stem!r} cannot name a query: use letters, digits, '-' and '_'",
                    sheet=where,
                    line=1,
                )
            )
            continue
        try:
            text = path.read_text(encoding="utf-8")
            query = parse_named_query(path.stem, text)
        except UnicodeDecodeError as exc:
            problems.append(Problem(f"not UTF-8 (byte {exc.start}); save it as UTF-8", sheet=where, line=1))
            continue
        except QueryError as exc:
            problems.append(Problem(str(exc).split(": ", 1)[-1], sheet=where, line=1))
            continue
        found.append(dataclasses.replace(query, corpus=corpus))
    return found


#: The named queries the corpora brought, from their corpus graphs.
STORED_QUERIES = f"""SELECT ?corpus ?name ?text WHERE {{
    GRAPH ?g {{ ?c <{CG.namedQuery}> ?q ; <{RDFS.label}> ?corpus .
               ?q <{CG.queryName}> ?name ; <{CG.queryText}> ?text }}
}} ORDER BY ?name ?corpus"""


def corpus_queries(select: Callable[[str], list[dict]]) -> dict[str, NamedQuery]:
    """The named queries the corpora in a store brought (:data:`STORED_QUERIES` run by ``select``), by name."""
    found: dict[str, NamedQuery] = {}
    for row in select(STORED_QUERIES):
        try:
            query = parse_named_query(str(row["name"]), str(row["text"]))
        except QueryError:
            continue  # the loader refuses such a text; only a write of raw RDF could leave one
        found.setdefault(query.name, dataclasses.replace(query, corpus=str(row["corpus"])))
    return found


def render_parameter(parameter: Parameter, raw: str) -> str:
    """A parameter value as SPARQL syntax, checked against its declared type.

    :raises QueryError: when the value does not fit the type.

    >>> render_parameter(Parameter("e", "iri", ""), "http://example.org/a")
    '<http://example.org/a>'
    >>> render_parameter(Parameter("e", "iri", ""), "http://x> } DROP ALL {")
    Traceback (most recent call last):
    ...
    claimgraph.errors.QueryError: parameter e: not an absolute IRI: 'http://x> } DROP ALL {'
    """
    if parameter.type == "iri":
        if not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|^`\\]+", raw):
            raise QueryError(f"parameter {parameter.name}: not an absolute IRI: {raw!r}")
        return URIRef(raw).n3()
    if parameter.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise QueryError(f"parameter {parameter.name}: not an integer: {raw!r}")
        return str(int(raw))
    if parameter.type == "date":
        try:
            return Literal(dt.date.fromisoformat(raw), datatype=XSD.date).n3()
        except ValueError:
            raise QueryError(f"parameter {parameter.name}: not a date like 2013-09-01: {raw!r}") from None
    return Literal(raw).n3()


WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def bind_parameters(query: NamedQuery, values: Mapping[str, str]) -> str:
    """The query text with the given parameters bound; unknown names are refused.

    :raises QueryError: for an unknown parameter or a value of the wrong type.
    """
    declared = {p.name: p for p in query.parameters}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise QueryError(
            f"{query.name}: unknown parameter(s) {', '.join(unknown)}; it takes {', '.join(declared) or 'none'}"
        )
    if not values:
        return query.text
    body = query.text
    match = WHERE.search(body)
    if match is None:
        raise QueryError(f"{query.name}: no WHERE clause to bind parameters in")
    blocks = " ".join(
        f"VALUES ?{name} {{ {render_parameter(declared[name], raw)} }}" for name, raw in values.items()
    )
    return body[: match.end()] + " " + blocks + body[match.end() :]
