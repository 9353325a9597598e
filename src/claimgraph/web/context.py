"""The one accessor for what the app shares: its claimgraph and its executor.

They live in ``app.extensions["claimgraph"]`` (put there by
:func:`claimgraph.web.create_app`); the blueprints reach them through these two
functions and import nothing else of the package's ``__init__``, so that no
import cycle runs through it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..api import Claimgraph


def get_claimgraph() -> Claimgraph:
    return current_app.extensions["claimgraph"]["claimgraph"]


def get_executor() -> Any:
    """The app's executor, created on first use (so that tests can swap it first)."""
    ext = current_app.extensions["claimgraph"]
    if ext["executor"] is None:
        ext["executor"] = ext["claimgraph"].executor()
    return ext["executor"]
