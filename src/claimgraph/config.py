"""Settings, declared once as data and read from ``CLAIMGRAPH_*`` variables.

This is the only module that reads the environment. The CLI mirrors every
setting as an option, and the README lists them (a test keeps it so).

>>> s = load_settings(environ={"CLAIMGRAPH_QUERY_TIMEOUT": "5"})
>>> s.query_timeout
5.0
>>> load_settings({"port": 8080}, environ={}).port
8080
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, type and the help text the CLI shows."""

    name: str
    default: Any
    help: str
    type: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return "CLAIMGRAPH_" + self.name.upper()

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {text!r}")


#: The SHACL validators (``validation``): the fast one first, the reference second.
VALIDATORS = ("fast", "pyshacl")


def _validator(text: str) -> str:
    name = text.strip().lower()
    if name not in VALIDATORS:
        raise ValueError(f"unknown validator {text!r}; choose one of {', '.join(VALIDATORS)}")
    return name


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "store",
        "store",
        "Folder of the embedded store, ':memory:' for one that is not kept, or the query URL of a "
        "SPARQL 1.1 server (http:// or https://) to keep the store on.",
    ),
    Setting(
        "update_url",
        "",
        "SPARQL Update URL of the server the store is on; empty: the store URL (a last segment "
        "'query' read as 'update').",
    ),
    Setting(
        "gsp_url",
        "",
        "Graph Store Protocol URL of the server the store is on, used to stage large writes; empty: "
        "writes are staged by SPARQL Update.",
    ),
    Setting("store_user", "", "User name for the SPARQL server (HTTP Basic, or Digest when it asks)."),
    Setting("store_password", "", "Password for the SPARQL server."),
    Setting("store_token", "", "Bearer token for the SPARQL server (instead of a user and password)."),
    Setting(
        "store_timeout_param",
        "timeout={ms}",
        "Form field that carries a query's time limit to the SPARQL server ({ms} milliseconds, {s} "
        "seconds; Virtuoso's is timeout={ms}); empty: none is sent.",
    ),
    Setting(
        "store_write_timeout",
        300.0,
        "Seconds a commit to the SPARQL server may take before claimgraph stops waiting (and makes "
        "sure it is whole).",
        float,
    ),
    Setting(
        "base_iri",
        "http://127.0.0.1:5000/",
        "Base IRI under which entities, claims and graphs are minted.",
    ),
    Setting(
        "token",
        "",
        "The operator's bearer token: writes carry it or a curator's token (claimgraph curators); "
        "with neither, writes are refused. A command with --server sends it.",
    ),
    Setting(
        "read_only",
        False,
        "Serve the store without taking writes: every write is refused (403) and the store's folder is "
        "never opened for writing (a folder on read-only media can be served); the search index is kept "
        "in memory.",
        _bool,
    ),
    Setting("host", "127.0.0.1", "Address the server listens on."),
    Setting(
        "trusted_proxy",
        "",
        "Address of the reverse proxy in front of the server (e.g. 127.0.0.1) whose X-Forwarded-Proto, "
        "-Host, -For and -Prefix headers are believed (the public scheme, host and base path of links); "
        "empty: no proxy's.",
    ),
    Setting("port", 5000, "Port the server listens on.", int),
    Setting("threads", 8, "Request threads of the WSGI server.", int),
    Setting("query_workers", 2, "Worker processes that run queries.", int),
    Setting("query_timeout", 30.0, "Seconds a query may run before it is stopped.", float),
    Setting(
        "answer_cache",
        64,
        "Megabytes of query answers the server keeps for the commit they were read at and gives "
        "again to the same request (0: none); a write changes the commit, so none is served stale.",
        int,
    ),
    Setting("max_rows", 10000, "Most result rows (or triples) a query may return.", int),
    Setting("max_body", 1_048_576, "Largest request body in bytes.", int),
    Setting("allow_service", False, "Let queries use SERVICE to call other endpoints.", _bool),
    Setting(
        "queries_dir",
        "",
        "Folder of the named queries (*.rq); empty: the queries installed with claimgraph. A corpus "
        "may add its own in a queries/ folder beside its corpus.yaml.",
        str,
    ),
    Setting(
        "ontology_dir",
        "",
        "Folder of the vocabulary, shapes and JSON-LD context; empty: the ones installed with claimgraph.",
        str,
    ),
    Setting(
        "cache_dir",
        "",
        "Folder where what is derived once per version of the ontology files is kept (the vocabulary "
        "and shapes graphs a load writes); empty: the user's cache folder ($XDG_CACHE_HOME/claimgraph "
        "or ~/.cache/claimgraph); 'none': nothing kept on disk.",
        str,
    ),
    Setting(
        "data_license",
        "https://creativecommons.org/licenses/by/4.0/",
        "Licence IRI the dumps, nanopublications and VoID description state for the data.",
    ),
    Setting(
        "open_graphs",
        "",
        "IRI prefixes (space- or comma-separated) of named graphs that may hold any RDF but a "
        "domain assertion; the word DEFAULT opens the default graph. Empty: closed everywhere.",
        str,
    ),
    Setting(
        "validator",
        "fast",
        "SHACL validator of loads and writes: fast (the shapes compiled to SPARQL, run by pyoxigraph)"
        " or pyshacl (the reference; same verdicts, slower).",
        _validator,
    ),
)

SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    store: str
    update_url: str
    gsp_url: str
    store_user: str
    store_password: str
    store_token: str
    store_timeout_param: str
    store_write_timeout: float
    base_iri: str
    token: str
    read_only: bool
    host: str
    trusted_proxy: str
    port: int
    threads: int
    query_workers: int
    query_timeout: float
    answer_cache: int
    max_rows: int
    max_body: int
    allow_service: bool
    queries_dir: str
    ontology_dir: str
    cache_dir: str
    data_license: str
    open_graphs: str
    validator: str


assert [f.name for f in fields(Settings)] == [s.name for s in SETTINGS]


def load_settings(
    overrides: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults, then ``CLAIMGRAPH_*`` variables, then ``overrides`` (None values skipped).

    :raises ConfigError: for an unknown setting or a value of the wrong type.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    for setting in SETTINGS:
        if setting.env in environ:
            values[setting.name] = _convert(setting, environ[setting.env], setting.env)
    for name, value in (overrides or {}).items():
        if name not in SETTINGS_BY_NAME:
            raise ConfigError(f"unknown setting {name!r}")
        if value is not None:
            setting = SETTINGS_BY_NAME[name]
            values[name] = _convert(setting, value, setting.option) if isinstance(value, str) else value
    if not values["base_iri"].endswith(("/", "#")):
        values["base_iri"] += "/"
    if not values["cache_dir"]:
        values["cache_dir"] = user_cache_dir(environ)
    for name in INSTALLED:
        values[name] = values[name] or str(installed(INSTALLED[name]))
    return Settings(**values)


def user_cache_dir(environ: Mapping[str, str]) -> str:
    """The user's cache folder for claimgraph (XDG), or 'none' when ``environ`` names no home.

    >>> user_cache_dir({"HOME": "/home/ada"})
    '/home/ada/.cache/claimgraph'
    >>> user_cache_dir({})
    'none'
    """
    if environ.get("XDG_CACHE_HOME"):
        return os.path.join(environ["XDG_CACHE_HOME"], "claimgraph")
    if environ.get("HOME"):
        return os.path.join(environ["HOME"], ".cache", "claimgraph")
    return "none"


#: The settings whose default is a folder installed with claimgraph, and that folder's name.
INSTALLED = {"ontology_dir": "ontology", "queries_dir": "queries"}


def installed(name: str) -> Path:
    """The folder ``name`` (ontology, queries) installed with claimgraph: inside the package when it
    was installed from a wheel, at the top of the checkout when it runs from its source.

    >>> (installed("ontology") / "shapes.ttl").is_file()
    True
    """
    package = Path(__file__).resolve().parent
    for folder in (package / name, package.parent.parent / name):
        if folder.is_dir():
            return folder
    raise ConfigError(f"the {name} folder installed with claimgraph is missing from {package}")


def ontology_folder(ontology_dir: str | Path) -> Path:
    """``ontology_dir`` checked: a folder that holds ``shapes.ttl`` (and the vocabulary beside it).

    :raises ConfigError: saying which folder, and the setting that names it.
    """
    folder = Path(ontology_dir)
    if not (folder / "shapes.ttl").is_file():
        raise ConfigError(
            f"ontology folder {folder}: no shapes.ttl there (--ontology-dir, CLAIMGRAPH_ONTOLOGY_DIR; "
            "empty: the one installed with claimgraph)"
        )
    return folder


def _convert(setting: Setting, raw: str, where: str) -> Any:
    try:
        return setting.type(raw)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
