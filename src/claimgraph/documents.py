"""Starting a corpus folder and adding a document to it: ``claimgraph init`` and ``add-document``.

A document is copied into the corpus folder as it is (a text file), or as the text of
an HTML page saved to disk, with the page's title, date and language where the page
states them. Its sheet is written beside it with the document's header (the SHA-256 of
the copied bytes, the metadata found) and no claims yet: ``claimgraph draft`` proposes
them.

>>> slug("Harbour Fire (final)")
'harbour-fire-final'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import CorpusNotFound, InvalidInput, Problem, SheetError
from .mentions import find_dates
from .model import MonthDay, PartialDate, Year, YearMonth
from .pages import Page, read_html
from .sheets import CORPUS_FILE, read_entities, read_text, sheet_for

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}

CORPUS_TEMPLATE = """\
# The entities and agents that this corpus's claim sheets talk about
# (docs/reference/sheets.md, "corpus.yaml", says every key).
#
# An id is a lower-case slug (it becomes <base>entity/<id>) and is shared by
# every corpus in a store: a sheet may also use any id already in the store.
# alt_labels are the other names the documents use for it; `claimgraph draft`
# finds labels and alternative labels in a document's sentences to propose
# subjects and claimants.

agents:                       # parties that can claim something (prov:Agent)
  # - id: un-officials
  #   type: schema:GovernmentOrganization   # one CURIE or a list
  #   label: United Nations officials
  #   alt_labels: [UN officials]
  # - id: author-report         # the voice of an unsigned document
  #   type: cg:UnnamedSource
  #   label: Unnamed author of report.txt

entities:                     # everything else claims are about
  # - id: harbour-fire-2024
  #   type: schema:Event
  #   label: Harbour fire of 2024
  #   alt_labels: [the harbour fire]
"""


@dataclass(frozen=True)
class AddedDocument:
    """A document copied into a corpus folder, with its new sheet."""

    path: Path
    sheet: Path
    id: str
    sha256: str
    title: str | None
    date: PartialDate | None
    language: str | None
    place: str | None = None


def init_corpus(folder: Path) -> Path:
    """Start a corpus folder: create it (if need be) with a commented ``corpus.yaml``.

    :raises InvalidInput: when the folder holds a ``corpus.yaml`` already.
    """
    folder = Path(folder)
    target = folder / CORPUS_FILE
    if target.exists():
        raise InvalidInput([Problem("exists already: this folder is a corpus", sheet=str(target))])
    if folder.exists() and not folder.is_dir():
        raise InvalidInput([Problem("a file, not a folder", sheet=str(folder))])
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(CORPUS_TEMPLATE, encoding="utf-8")
    return target


def add_document(
    source: Path,
    corpus: Path,
    *,
    ident: str | None = None,
    creator: str | None = None,
    language: str | None = None,
) -> AddedDocument:
    """Copy ``source`` into ``corpus`` (an HTML page as its text) and write its sheet's header.

    :param ident: the document's id (default: a slug of the file name).
    :param creator: the agent id that speaks in the document's own voice (default: left
        for the researcher to fill in).
    :param language: the document's language (default: what an HTML page states).

    The date is what an HTML page states, else a dateline's ("Washington, October 19,
    2019 — …"), whose place is the entity of ``corpus.yaml`` that has its name.
    :raises CorpusNotFound: when ``corpus`` has no ``corpus.yaml``.
    :raises InvalidInput: when the file cannot be read as UTF-8 text, or the corpus holds a
        document or sheet of that name already.
    """
    source, corpus = Path(source), Path(corpus)
    if not (corpus / CORPUS_FILE).is_file():
        raise CorpusNotFound(
            f"{corpus}: no {CORPUS_FILE} here; start the corpus with `claimgraph init {corpus}`"
        )
    if not source.is_file():
        raise InvalidInput([Problem("no such file", sheet=str(source))])
    data, file_name, page = document_bytes(source.read_bytes(), source.name)
    target = corpus / file_name
    sheet = sheet_for(target)
    for path in (target, sheet):
        if path.exists() and path.resolve() != source.resolve():
            raise InvalidInput(
                [Problem(f"exists already (adding {source}); remove it or rename the file", sheet=str(path))]
            )
    if sheet.exists():
        raise InvalidInput([Problem("exists already", sheet=str(sheet))])
    ident = ident or slug(target.stem)
    if not re.match(r"^[a-z0-9][a-z0-9._-]*$", ident):
        raise InvalidInput(
            [Problem(f"document id must be a lower-case slug, got {ident!r}", sheet=str(source))]
        )
    if not data.strip():
        raise InvalidInput([Problem("the document has no text", sheet=str(source))])
    if target.resolve() != source.resolve():
        target.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    found = dateline(data.decode("utf-8"))
    added = AddedDocument(
        path=target,
        sheet=sheet,
        id=ident,
        sha256=digest,
        title=page.title,
        date=page.date or (found[1] if found else None),
        language=language or page.language,
        place=_place(corpus, found[0]) if found else None,
    )
    sheet.write_text(sheet_header(added, creator=creator), encoding="utf-8")
    return added


def document_bytes(data: bytes, name: str) -> tuple[bytes, str, Page]:
    """What a corpus keeps of a file: its bytes (an HTML page's text), its file name, and
    what an HTML page states of its title, date and language.

    >>> data, name, page = document_bytes(b"<title>T</title><p>Two dead.</p>", "page.html")
    >>> name, page.title, data
    ('page.txt', 'T', b'T\\n\\nTwo dead.\\n')

    :raises InvalidInput: when a text file is not UTF-8.
    """
    if Path(name).suffix.lower() in HTML_SUFFIXES:
        page = read_html(data)
        return page.text.encode("utf-8"), Path(name).stem + ".txt", page
    _check_utf8(data, Path(name))
    return data, name, Page(text="")


_PLACE = re.compile(r"\s*([A-Z][^,\n]{1,40}),\s+")


def dateline(text: str) -> tuple[str, PartialDate] | None:
    """The place and date of a dateline that opens one of the first paragraphs, if the text has one.

    >>> dateline("Headline\\n\\nWashington, October 19, 2019— “On September 1, 2013, …")
    ('Washington', datetime.date(2019, 10, 19))
    >>> dateline("On September 1, 2013, an attack …") is None
    True
    """
    for paragraph in text.split("\n\n")[:6]:
        place = _PLACE.match(paragraph)
        if place is None:
            continue
        rest = paragraph[place.end() : place.end() + 40]
        dates = find_dates(rest)
        if (
            dates
            and dates[0].start == 0
            and not isinstance(dates[0].value, MonthDay)
            and re.match(r"\s*[—–:-]", rest[dates[0].end :])
        ):
            return place.group(1).strip(), dates[0].value
    return None


def _place(corpus: Path, words: str) -> str | None:
    """The entity of ``corpus.yaml`` whose label or alternative label is the dateline's place."""
    try:
        entities = read_entities(read_text(corpus / CORPUS_FILE, sheet=CORPUS_FILE), sheet=CORPUS_FILE)
    except SheetError:
        return None
    wanted = words.casefold()
    return next((e.id for e in entities if wanted in (n.casefold() for n in (e.label, *e.alt_labels))), None)


def _check_utf8(data: bytes, source: Path) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidInput(
            [Problem(f"not UTF-8 text (byte {exc.start}); save it as UTF-8", sheet=str(source), line=line)]
        ) from None


def slug(name: str) -> str:
    """A document id from a file name.

    >>> slug("Report of 3 May (final)")
    'report-of-3-may-final'
    >>> slug("000_29cd18593cd2def4")
    '000_29cd18593cd2def4'
    """
    text = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._")
    return text or "document"


def yaml_date(value: PartialDate | None) -> str:
    """A date as a sheet writes it, at its precision.

    >>> import datetime as dt
    >>> yaml_date(dt.date(2019, 10, 19)), yaml_date(YearMonth(2019, 10)), yaml_date(Year(1988))
    ('2019-10-19', "'2019-10'", '{year: 1988}')
    >>> yaml_date(MonthDay(9, 1)), yaml_date(None)
    ("'--09-01'", 'null')
    """
    if value is None:
        return "null"
    if isinstance(value, Year):
        return f"{{year: {value.year}}}"
    if isinstance(value, YearMonth | MonthDay):
        return f"'{value}'"
    return value.isoformat()


def yaml_scalar(value: object) -> str:
    """A scalar as one line of YAML (quoted where YAML needs it).

    >>> print(yaml_scalar("It's: a title"), yaml_scalar(None), yaml_scalar(52))
    'It''s: a title' null 52
    """
    if value is None:
        return "null"
    text = yaml.safe_dump(value, allow_unicode=True, width=10**6, default_style=None)
    return text.removesuffix("\n...\n").strip()


def sheet_header(added: AddedDocument, *, creator: str | None = None) -> str:
    """The sheet of a new document: its ``document`` record, and ``claims:`` still empty."""
    name = added.path.name
    lines = [
        f'# The claim sheet of {name} (docs/reference/sheets.md, "A claim sheet", says every key).',
        f"# `claimgraph draft {name}` proposes claims to copy below `claims:`.",
        "document:",
        _line("id", yaml_scalar(added.id)),
        _line("file", yaml_scalar(name)),
        _line("sha256", added.sha256, "of the file's bytes; the loader checks it"),
        _line("title", yaml_scalar(added.title), None if added.title else "only as the document gives it"),
        _line("publisher", "null", "an agent id, only where the document names a publisher"),
        _line(
            "creator",
            yaml_scalar(creator),
            None if creator else "required: the agent that speaks in its own voice",
        ),
        _line("date", yaml_date(added.date), None if added.date else "the dateline, at its precision"),
        _line(
            "place", yaml_scalar(added.place), None if added.place else "the dateline's place, an entity id"
        ),
        _line("language", yaml_scalar(added.language)),
        "claims:",
    ]
    return "\n".join(lines) + "\n"


def _line(key: str, shown: str, note: str | None = None) -> str:
    line = f"  {key}: {shown}"
    return line.ljust(max(30, len(line) + 2)) + f"# {note}" if note else line


@dataclass(frozen=True)
class DocumentUpload:
    """A document sent from the browser (a file's bytes, or pasted text under a file name)."""

    data: bytes
    name: str
    ident: str | None = None
    creator: str | None = None
    title: str | None = None
    date: str | None = None
    language: str | None = None
    corpus: str | None = None


def uploaded_sheet(upload: DocumentUpload) -> tuple[bytes, str, AddedDocument, str]:
    """What ``add-document`` would write for an uploaded file: the bytes kept, their file name,
    the document's record and its sheet (no claims yet), with the same checks.

    :raises InvalidInput: listing every problem, each naming its form field (``path``).
    """
    problems: list[Problem] = []
    name = Path(upload.name or "").name.strip()
    if not name or not re.match(r"^[\w][\w .()-]*\.[A-Za-z0-9]+$", name):
        problems.append(
            Problem(f"a file name with an extension is required (e.g. report.txt), got {name!r}", path="name")
        )
        raise InvalidInput(problems)
    try:
        data, file_name, page = document_bytes(upload.data, name)
    except InvalidInput as exc:
        raise InvalidInput([Problem(p.message, line=p.line, path="file") for p in exc.problems]) from None
    if not data.strip():
        problems.append(Problem("the document has no text", path="file"))
    ident = (upload.ident or "").strip() or slug(Path(file_name).stem)
    if not re.match(r"^[a-z0-9][a-z0-9._-]*$", ident):
        problems.append(Problem(f"document id must be a lower-case slug, got {ident!r}", path="id"))
    if not (upload.creator or "").strip():
        problems.append(
            Problem("creator is required: the agent that speaks in its own voice", path="creator")
        )
    date: PartialDate | None = None
    if (upload.date or "").strip():
        try:
            date = form_date(upload.date or "")
        except ValueError as exc:
            problems.append(Problem(str(exc), path="date"))
    if problems:
        raise InvalidInput(problems)
    text = data.decode("utf-8")
    found = dateline(text)
    added = AddedDocument(
        path=Path(file_name),
        sheet=sheet_for(Path(file_name)),
        id=ident,
        sha256=hashlib.sha256(data).hexdigest(),
        title=(upload.title or "").strip() or page.title,
        date=date or page.date or (found[1] if found else None),
        language=(upload.language or "").strip() or page.language,
    )
    return data, file_name, added, sheet_header(added, creator=(upload.creator or "").strip())


def form_date(text: str) -> PartialDate:
    """A date typed in a form, at its precision.

    >>> form_date("2019-10-19"), form_date("2019-10"), form_date("1988")
    (datetime.date(2019, 10, 19), YearMonth(year=2019, month=10), Year(year=1988))
    >>> form_date("19 Oct")
    Traceback (most recent call last):
    ...
    ValueError: a date is written 2019-10-19, 2019-10 or 2019, got '19 Oct'
    """
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value)
        if (match := re.fullmatch(r"(\d{4})-(\d{2})", value)) and 1 <= int(match.group(2)) <= 12:
            return YearMonth(int(match.group(1)), int(match.group(2)))
        if re.fullmatch(r"\d{4}", value):
            return Year(int(value))
    except ValueError:
        pass
    raise ValueError(f"a date is written 2019-10-19, 2019-10 or 2019, got {value!r}")
