"""Reading a Seller Center export as it comes: CSV or XLSX, streamed, columns found by name.

Real exports start with a byte-order mark, may put a row describing each
column under the header, and differ in column order and spelling by region
and month; so a column is found by any of its known names (case, spacing and
punctuation aside) and the rows come one at a time, never the whole file.
No Flask, no database: the import services use this.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from tracker.playbook.phrases import Phrase, phrase

# Rows before the header that may be skipped (a title, an export date).
HEADER_SEARCH_ROWS = 10
# A CSV field longer than this is not an export (csv's own default is 128 KiB).
FIELD_LIMIT = 1_000_000
_ZIP_MAGIC = b"PK\x03\x04"


class Refused(ValueError):
    """A file, or one of its rows, that cannot be read: where, and what is wrong."""

    def __init__(self, problem: Phrase, *, row: int | None = None, column: str | None = None):
        self.problem, self.row, self.column = problem, row, column
        super().__init__(str(self.said()))

    def said(self) -> Phrase:
        """The problem with its place: 'row 7, column 'Quantity': …'."""
        if self.row is not None and self.column is not None:
            return phrase(
                "row %(row)s, column '%(column)s': %(problem)s",
                row=self.row,
                column=self.column,
                problem=self.problem,
            )
        if self.row is not None:
            return phrase("row %(row)s: %(problem)s", row=self.row, problem=self.problem)
        if self.column is not None:
            return phrase(
                "column '%(column)s': %(problem)s", column=self.column, problem=self.problem
            )
        return self.problem


@dataclass(frozen=True)
class Column:
    """A column an import reads: its key, the names exports give it, whether it must be there."""

    key: str
    names: tuple[str, ...]
    required: bool = False


def normalised(name: Any) -> str:
    """A header as compared: lower case, letters and digits only ('Order ID ' is 'orderid')."""
    return re.sub(r"[^0-9a-z]+", "", str(name or "").replace("\ufeff", "").casefold())


@dataclass
class Table:
    """An opened export: where each wanted column is, and its rows (numbered as the file shows)."""

    header: tuple[str, ...]
    header_row: int
    found: dict[str, int]  # column key → position
    rows: Iterator[tuple[int, Sequence[Any]]]
    file_format: str

    def used(self) -> dict[str, str]:
        """Each column read, by key, under the name the file gives it."""
        return {key: self.header[position] for key, position in self.found.items()}

    def cell(self, values: Sequence[Any], key: str) -> Any:
        """The value of column ``key`` in a row (None when absent or beyond the row's end)."""
        position = self.found.get(key)
        if position is None or position >= len(values):
            return None
        value = values[position]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value


def open_table(stream: IO[bytes], columns: Sequence[Column], kind: Phrase) -> Table:
    """Open a CSV or XLSX export and find its header and the columns wanted."""
    start = stream.read(4)
    stream.seek(0)
    if start == _ZIP_MAGIC:
        rows, file_format = _xlsx_rows(stream), "xlsx"
    else:
        rows, file_format = _csv_rows(stream), "csv"
    return _find_header(rows, columns, kind, file_format)


def _find_header(
    rows: Iterator[tuple[int, Sequence[Any]]],
    columns: Sequence[Column],
    kind: Phrase,
    file_format: str,
) -> Table:
    wanted = {normalised(name): column.key for column in columns for name in column.names}
    for number, values in rows:
        names = [normalised(value) for value in values]
        hits = {wanted[name] for name in names if name in wanted}
        if hits:
            return _table(number, values, names, rows, columns, kind, file_format)
        if number >= HEADER_SEARCH_ROWS:
            break
    expected = ", ".join(column.names[0] for column in columns if column.required)
    raise Refused(
        phrase(
            "no header row found for the %(kind)s export (expected columns: %(expected)s)",
            kind=kind,
            expected=expected,
        )
    )


def _table(
    number: int,
    values: Sequence[Any],
    names: list[str],
    rows: Iterator[tuple[int, Sequence[Any]]],
    columns: Sequence[Column],
    kind: Phrase,
    file_format: str,
) -> Table:
    header = tuple(str(value or "").replace("\ufeff", "").strip() for value in values)
    found: dict[str, int] = {}
    for column in columns:
        for name in column.names:
            key = normalised(name)
            if key in names:
                found[column.key] = names.index(key)
                break
    missing = [column.names[0] for column in columns if column.required and column.key not in found]
    if missing:
        raise Refused(
            phrase(
                "not the %(kind)s export: required columns missing: %(missing)s "
                "(the file has: %(found)s)",
                kind=kind,
                missing=", ".join(missing),
                found=", ".join(name for name in header if name) or "-",
            ),
            row=number,
        )
    return Table(header, number, found, rows, file_format)


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, Sequence[Any]]]:
    """Rows of a CSV file in UTF-8 (with or without BOM) or UTF-16 (Excel's 'Unicode text')."""
    start = stream.read(2)
    stream.seek(0)
    encoding = "utf-16" if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    sample = stream.read(8192).decode(encoding, errors="ignore")  # only to tell the separator
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return _read_csv(text, dialect)


def _read_csv(text: io.TextIOWrapper, dialect: Any) -> Iterator[tuple[int, Sequence[Any]]]:
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(text, dialect)
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            if any(value.strip() for value in values):
                yield number, values
    except UnicodeDecodeError:
        raise Refused(
            phrase("is not UTF-8 text: save the export again as CSV UTF-8 or XLSX"),
            row=number + 1,
        ) from None
    except csv.Error as error:
        raise Refused(
            phrase("not readable as CSV (%(why)s)", why=str(error)), row=number + 1
        ) from None
    finally:
        # Leave the caller's stream open (it closes it), if it still is when this ends.
        with contextlib.suppress(ValueError):
            text.detach()


def _xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, Sequence[Any]]]:
    """Rows of the first sheet of an XLSX workbook, read in read-only (streaming) mode."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise Refused(
            phrase("not a readable XLSX workbook (%(why)s)", why=str(error) or type(error).__name__)
        ) from None
    return _read_xlsx(workbook)


def _read_xlsx(workbook: Any) -> Iterator[tuple[int, Sequence[Any]]]:
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if any(value is not None and str(value).strip() for value in values):
                yield number, values
    finally:
        workbook.close()


def first_of(values: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``keys`` with a value."""
    for key in keys:
        if values.get(key) is not None:
            return values[key]
    return None
