"""A sheet's text: UTF-8, parsed as YAML whose mappings know their lines and give no key twice."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, SheetError


class _Node(dict):
    """A mapping that remembers the line it started on."""

    line: int = 0


# libyaml's parser when PyYAML has it (about ten times faster); the constructors are Python either way.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):
    #: Each key given twice in one mapping: the key and the lines of both (YAML would keep the last).
    duplicates: list[tuple[Any, int, int]]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Node:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key, line = self.construct_object(key_node, deep=deep), key_node.start_mark.line + 1
            if key in seen:
                self.duplicates.append((key, seen[key], line))
            else:
                seen[key] = line
        mapping = _Node(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)


def parse_yaml(text: str, *, sheet: str) -> Any:
    """Parse YAML whose mappings know their line numbers.

    :raises SheetError: with the parser's line on a syntax error; naming the key and both
        lines when a mapping gives a key twice.
    """
    loader = _LineLoader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise SheetError([Problem(f"YAML syntax error: {problem}", sheet=sheet, line=line)]) from None
    except ValueError as exc:
        # A value YAML reads as a date but that is no date (2024-02-30).
        line, value = _bad_date(text)
        shown = f" {value!r}" if value else ""
        raise SheetError([Problem(f"not a valid date{shown}: {exc}", sheet=sheet, line=line)]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise SheetError(
            [
                Problem(
                    f"key {key!r} is given twice in one mapping, on line {first} and line {line}; "
                    "YAML would keep only the last: remove one",
                    sheet=sheet,
                    line=line,
                )
                for key, first, line in sorted(loader.duplicates, key=lambda d: d[2])
            ]
        )
    return data


_DATE = re.compile(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.-])")


def _bad_date(text: str) -> tuple[int | None, str | None]:
    """The line and text of the first date-like value that is no date.

    >>> _bad_date("a: 2024-02-28\\nb: 2024-02-30\\n")
    (2, '2024-02-30')
    """
    for number, line in enumerate(text.splitlines(), 1):
        for match in _DATE.finditer(line.split("#", 1)[0]):
            try:
                dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                return number, match.group()
    return None, None


def read_text(path: Path, *, sheet: str) -> str:
    """A file's text, which must be UTF-8.

    :raises SheetError: naming the file and the line of the first byte that is not UTF-8, or
        saying why it cannot be read (a folder, no permission).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        what = "a folder, not a file" if path.is_dir() else f"unreadable: {exc.strerror or exc}"
        raise SheetError([Problem(f"the sheet is {what}", sheet=sheet)]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SheetError(
            [Problem(f"the file is not UTF-8 (byte {exc.start}); save it as UTF-8", sheet=sheet, line=line)]
        ) from None
