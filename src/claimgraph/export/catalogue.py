"""The dumps published: each one's name, RDF format and file name."""

from __future__ import annotations

from dataclasses import dataclass

from .. import formats


@dataclass(frozen=True)
class DumpFormat:
    """A dump: the RDF format it is written in (:mod:`claimgraph.formats`) and the file name it is
    published under (``/dumps/<file>``)."""

    format: str
    file: str

    @property
    def media_type(self) -> str:
        return formats.by_name(self.format).media_type


#: Export format name → its RDF format and file name.
FORMATS: dict[str, DumpFormat] = {
    "trig": DumpFormat("trig", "claimgraph.trig"),
    "nquads": DumpFormat("nquads", "claimgraph.nq"),
    "turtle": DumpFormat("turtle", "claimgraph.ttl"),
    "jsonld": DumpFormat("jsonld", "claimgraph.jsonld"),
    "rdf12": DumpFormat("nquads", "claimgraph-rdf12.nq"),
    "nanopubs": DumpFormat("trig", "nanopubs.trig"),
    "void": DumpFormat("turtle", "void.ttl"),
}
GZIP = "application/gzip"


def dump_file(file: str) -> tuple[str, bool] | None:
    """The format name and whether gzip is wanted, for a published file name (None: no such dump).

    >>> dump_file("claimgraph.trig.gz"), dump_file("nope.txt")
    (('trig', True), None)
    """
    compressed = file.endswith(".gz")
    plain = file[: -len(".gz")] if compressed else file
    for name, fmt in FORMATS.items():
        if fmt.file == plain:
            return name, compressed
    return None
