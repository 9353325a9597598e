"""A benchmark's own section of ``RESULTS.md``, between two HTML comments that name its writer.

Each benchmark that is not the main harness (``run.py``) writes one section, and ``run.py``
keeps every such section when it rewrites the file.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent


class Section:
    """The section between ``begin`` and ``end`` (its markers included)."""

    def __init__(self, begin: str, end: str) -> None:
        self.begin, self.end = begin, end
        self.pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)

    def replace(self, document: str, section: str) -> str:
        """``document`` with this section replaced by ``section`` (added at the end if none)."""
        if self.pattern.search(document):
            return self.pattern.sub(lambda _m: section, document, count=1)
        return document.rstrip("\n") + "\n\n" + section

    def found_in(self, path: Path) -> str | None:
        """This section of the file at ``path``, if it has one."""
        if not path.is_file():
            return None
        found = self.pattern.search(path.read_text("utf-8"))
        return found.group() if found else None

    def write(self, path: Path, section: str) -> None:
        old = path.read_text("utf-8") if path.is_file() else "# Benchmark results\n"
        path.write_text(self.replace(old, section), encoding="utf-8")


def stamp() -> dict[str, str]:
    """When and at which commit a run was measured."""
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True, check=False
    )
    return {
        "measured": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": done.stdout.strip() or "?",
    }
