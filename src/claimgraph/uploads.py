"""Corpora sent to the server file by file, staged until their last request loads them.

An upload is a folder ``<root>/<id>/<corpus name>/`` that receives the corpus folder's
files one request at a time (a file sent again replaces itself, written aside first and
renamed, so a file is there whole or not at all). Nothing reaches the store until the
load of the whole folder, which goes through the one write path like a local load.

>>> import tempfile
>>> staging = Uploads(Path(tempfile.mkdtemp()))
>>> upload = staging.open("mini")
>>> staging.put(upload, "corpus.yaml", b"agents: []\\n")
>>> staging.put(upload, "queries/deaths.rq", b"# Deaths\\nSELECT * WHERE { ?s ?p ?o }\\n")
>>> staging.files(upload), staging.folder(upload).name
(['corpus.yaml', 'queries/deaths.rq'], 'mini')

Beside the folder's own files, the named queries of its ``queries/`` folder
(``queries/NAME.rq``) are staged in a ``queries/`` folder of the upload.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from .errors import NotFound, QueryError
from .queries import CORPUS_QUERIES as QUERIES

#: A corpus's or a staged file's name.
NAME = re.compile(r"[\w.-]{1,128}")
_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Uploads:
    """The staging folders under ``root``."""

    root: Path

    def open(self, corpus: str) -> str:
        """Open a staging area for corpus ``corpus``'s files; returns its id."""
        if not NAME.fullmatch(corpus or "") or corpus.startswith("."):
            raise QueryError(f"corpus name {corpus!r}: use letters, digits, '.', '_' and '-'")
        upload = uuid.uuid4().hex
        (self.root / upload / corpus).mkdir(parents=True)
        return upload

    def folder(self, upload: str) -> Path:
        """The corpus folder of an upload. :raises NotFound: for an unknown id."""
        root = self.root / upload
        if not _ID.fullmatch(upload) or not root.is_dir():
            raise NotFound(f"no upload {upload!r} (it was loaded already, or never opened)")
        [folder] = [p for p in root.iterdir() if p.is_dir()]
        return folder

    def put(self, upload: str, name: str, data: bytes) -> None:
        """Stage one file of an upload (sent again, it replaces itself): a file of the corpus
        folder, or ``queries/NAME.rq``, a named query of its ``queries/`` folder."""
        folder, _, file = name.rpartition("/")
        if folder not in ("", QUERIES) or (folder and not file.endswith(".rq")):
            raise QueryError(f"file name {name!r}: a file of the corpus folder, or {QUERIES}/NAME.rq")
        if not NAME.fullmatch(file) or file.startswith("."):
            raise QueryError(f"file name {name!r}: a file of the corpus folder, without a path")
        target = self.folder(upload) / name
        target.parent.mkdir(exist_ok=True)
        name = file
        part = target.with_name(f".{name}.part")
        part.write_bytes(data)
        part.replace(target)

    def files(self, upload: str) -> list[str]:
        folder = self.folder(upload)
        staged = [p for p in folder.iterdir() if p.is_file()] + sorted((folder / QUERIES).glob("*.rq"))
        return sorted(str(p.relative_to(folder)) for p in staged if not p.name.startswith("."))

    def close(self, upload: str) -> None:
        if _ID.fullmatch(upload):
            shutil.rmtree(self.root / upload, ignore_errors=True)
