"""A sheet's literal values and dates, at the precision they are written."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..model import LiteralValue, MonthDay, Year, YearMonth

YEAR_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MONTH_DAY = re.compile(r"^--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def read_value(raw: Any) -> LiteralValue:
    """A sheet's literal at the precision it is written, typed.

    A full date (``2013-09-01``) is an ``xsd:date``; ``'2017-09'`` a year-month
    (``xsd:gYearMonth``); ``{year: 1988}`` a year (``xsd:gYear``); ``'--09-01'``
    a day of a month with no year (``xsd:gMonthDay``); numbers, true/false and
    other text stay what they are.

    :raises ValueError: for anything else, saying what was given.

    >>> read_value("2015-10"), read_value({"year": 1988}), read_value("--09-01")
    (YearMonth(year=2015, month=10), Year(year=1988), MonthDay(month=9, day=1))
    >>> read_value("2015-13")
    '2015-13'
    >>> read_value({"year": "1988"})
    Traceback (most recent call last):
    ...
    ValueError: a year is written {year: 1988} (four digits), got {'year': '1988'}
    """
    if isinstance(raw, dict):
        year = raw.get("year")
        if (
            set(raw) != {"year"}
            or isinstance(year, bool)
            or not isinstance(year, int)
            or not 0 < year < 10000
        ):
            raise ValueError(f"a year is written {{year: 1988}} (four digits), got {dict(raw)!r}")
        return Year(year)
    if isinstance(raw, str):
        if match := YEAR_MONTH.match(raw):
            return YearMonth(int(match.group(1)), int(match.group(2)))
        if match := MONTH_DAY.match(raw):
            return MonthDay(int(match.group(1)), int(match.group(2)))
        return raw
    if isinstance(raw, bool | int | float | dt.date):
        return raw
    raise ValueError(
        "value must be a number, a date (2013-09-01, '2013-09', {year: 2013}, '--09-01'), "
        f"true/false or text, got {type(raw).__name__}"
    )


def read_date(raw: Any) -> dt.date | YearMonth | Year:
    """A date at the precision a text gives it: full date, year-month or year.

    :raises ValueError: for anything else.

    >>> read_date("2017-09")
    YearMonth(year=2017, month=9)
    >>> read_date("September 2017")
    Traceback (most recent call last):
    ...
    ValueError: expected a date like 2013-09-13, '2013-09' or {year: 2013}, got 'September 2017'
    """
    try:
        value = read_value(raw)
    except ValueError:
        value = None
    if isinstance(value, dt.date | YearMonth | Year) and not isinstance(value, dt.datetime):
        return value
    raise ValueError(f"expected a date like 2013-09-13, '2013-09' or {{year: 2013}}, got {raw!r}")
