"""Reading and writing the directory CSV (contracts §2)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from portal.importer.rows import COLUMNS, REQUIRED_COLUMNS, ListingRow, parse_row
from portal.models import Listing

TOKYO = ZoneInfo("Asia/Tokyo")
# Cells a spreadsheet would run as a formula. A leading apostrophe makes them text (and is undone on import).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMERIC_COLUMNS = ("lat", "lng")


class CsvFileError(ValueError):
    """The file as a whole cannot be read: not found, empty, not CSV, bad header."""


@dataclass
class ParsedFile:
    rows: list[tuple[int, ListingRow]] = field(default_factory=list)  # (line number, row)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    notes: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str | None]:
    """UTF-8 (with or without a BOM), else CP932 as Japanese Excel saves it; returns text and a note."""
    if b"\x00" in data[:4096]:
        raise CsvFileError("this file is not a CSV text file (it contains binary data)")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        raise CsvFileError("this file is neither UTF-8 nor Shift_JIS text: save it as 'CSV UTF-8'") from None
    return text, "read as Shift_JIS (CP932); next time save the file as 'CSV UTF-8 (comma delimited)'"


def unescape_formula(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def parse_text(text: str) -> ParsedFile:
    """Parse the whole file; every bad row is reported with its line number."""
    if not text.strip():
        raise CsvFileError("the file is empty: it needs a header row and at least one listing")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [cell.strip() for cell in next(reader)]
    except csv.Error as exc:
        raise CsvFileError(f"line 1: not a CSV header ({exc})") from None
    _check_header(header)
    parsed = ParsedFile()
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        parsed.notes.append(f"ignored unknown column(s): {', '.join(unknown)}")
    line = reader.line_num + 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            joined = "".join(record)  # once a row, not once a cell: this runs for every row of the file
            if not joined.strip():
                continue
            if len(record) > len(header):
                parsed.errors.append((start, f"{len(record)} cells but the header has {len(header)}"))
                continue
            cells = dict(zip(header, record, strict=False))
            if "'" in joined:  # unescape_formula only where it can change something
                cells = {name: unescape_formula(value) for name, value in cells.items()}
            row, errors = parse_row(cells)
            if row is None:
                parsed.errors.extend((start, reason) for reason in errors)
            else:
                parsed.rows.append((start, row))
    except csv.Error as exc:
        parsed.errors.append((reader.line_num, f"not valid CSV ({exc})"))
    if not parsed.rows and not parsed.errors:
        raise CsvFileError("the file has a header but no listings")
    return parsed


def _check_header(header: list[str]) -> None:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise CsvFileError(f"line 1: the column '{name}' appears twice in the header")
        seen.add(name)
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        known = sum(1 for name in header if name in COLUMNS)
        if known == 0:
            raise CsvFileError(
                "line 1: this does not look like a directory CSV: the header has none of the columns "
                f"({', '.join(COLUMNS[:6])}, ...)"
            )
        raise CsvFileError(f"line 1: required column(s) missing: {', '.join(missing)}")


def read_file(path: str | Path) -> ParsedFile:
    path = Path(path)
    if not path.exists():
        raise CsvFileError(f"{path}: no such file")
    if path.is_dir():
        raise CsvFileError(f"{path}: is a folder, not a CSV file")
    text, note = decode(path.read_bytes())
    parsed = parse_text(text)
    if note:
        parsed.notes.insert(0, note)
    return parsed


def _escape(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def listing_cells(listing: Listing) -> dict[str, str]:
    """One listing as CSV cells (the same columns the import reads)."""

    def when(value) -> str:
        return value.astimezone(TOKYO).isoformat() if value else ""

    def number(value: float | None) -> str:
        return "" if value is None else repr(value)

    cells = {
        "kind": listing.kind,
        "name": listing.name,
        "name_kana": listing.name_kana,
        "summary": listing.summary,
        "description": listing.description,
        "organisation": listing.organisation.name if listing.organisation else "",
        "address": listing.address,
        "area": listing.area.code if listing.area else "",
        "phone": listing.phone,
        "email": listing.email,
        "url": listing.url,
        "targets": ";".join(listing.targets),
        "tags": ";".join(listing.tags),
        "languages": ";".join(listing.languages),
        "hours": listing.hours,
        "window_code": listing.window_code or "",
        "starts_at": when(listing.starts_at),
        "ends_at": when(listing.ends_at),
    }
    cells = {name: _escape(value) for name, value in cells.items()}
    cells["lat"], cells["lng"] = number(listing.lat), number(listing.lng)
    return cells


def write_csv(listings: Iterable[Listing], out: io.TextIOBase) -> int:
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for listing in listings:
        writer.writerow(listing_cells(listing))
        count += 1
    return count
