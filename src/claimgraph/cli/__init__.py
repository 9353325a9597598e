"""The command line: ``claimgraph load | validate | withdraw | curators | rebase | query | export | stats | check | serve``,
and ``init | add-document | draft`` to start a corpus.

A command that writes takes ``--server URL`` to send its write through a running server
(the one writer of its store), with the operator's or a curator's token (``--token``,
``CLAIMGRAPH_TOKEN``), and ``--reason`` for the store's history; without it, it writes the
store itself, as the operator.

Errors are one clear line (or one line per problem), never a traceback. Exit
codes are a contract: ``validate`` exits 0 when the corpus conforms, 1 on
violations, 2 on any other error; every command exits 2 on an error.

The package, one job a module: :mod:`.common` (the group, options mirrored from settings, the
app, errors out), :mod:`.writes` (load, validate, withdraw, rebase), :mod:`.team` (curators),
:mod:`.querying` (query, and its table), :mod:`.upkeep` (export, stats, check, reindex, backup,
restore), :mod:`.corpus` (init, add-document, draft), :mod:`.serving` (serve). Importing the
package registers every command on :func:`main`.
"""

from . import corpus, querying, serving, team, upkeep, writes
from .common import EXIT_ERROR, EXIT_OK, EXIT_VIOLATIONS, main, server_options, setting_options
from .querying import QUERY_FORMATS, table

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_VIOLATIONS",
    "QUERY_FORMATS",
    "corpus",
    "main",
    "querying",
    "server_options",
    "serving",
    "setting_options",
    "table",
    "team",
    "upkeep",
    "writes",
]
