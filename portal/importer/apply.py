"""Write checked rows into the directory: one transaction, add or update, nothing on failure.

New listings (most rows of a big import) are written with bulk INSERTs, not one ORM object each; listings
that already exist are updated through the ORM, as a person's edit would be.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, selectinload

from portal.importer.rows import ListingRow
from portal.models import (
    Area,
    Listing,
    ListingLanguage,
    ListingTag,
    ListingTarget,
    ListingTranslation,
    WindowArea,
    utcnow,
)
from portal.pagecache import note_change
from portal.search.sync import record_changes

SCALAR_FIELDS = (
    "name_kana", "summary", "description", "address", "lat", "lng", "phone", "email", "url", "hours",
    "starts_at", "ends_at",
)  # fmt: skip
TRANSLATED_FIELDS = ("name", "summary", "description", "hours")
INSERT_BATCH = 1000  # new listings per bulk INSERT: the progress bar moves, memory stays small
# The list columns of a listing: (row attribute, child table, column holding one value).
_LIST_TABLES = (("targets", ListingTarget, "target"), ("tags", ListingTag, "tag"),
                ("languages", ListingLanguage, "language"))  # fmt: skip


class NewListingsHook(Protocol):
    """Told about the new listings of an import as they are written (portal.search.importing uses it)."""

    def start(self, session: Session, rows: list[ListingRow], areas: dict[str, Area]) -> None:
        """Before the first INSERT: the new rows, in the order they will be inserted."""

    def added(self, ids: list[int], stamp: datetime) -> None:
        """The ids of the next rows of that order, just inserted, and their created/updated time."""


class ImportRejected(Exception):
    """The rows cannot all be applied; `errors` holds (line, reason) for every problem."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


@dataclass
class ImportSummary:
    added: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    new_areas: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        kinds = sorted(set(self.added) | set(self.updated) | set(self.unchanged))
        out = [
            f"{kind}: {self.added[kind]} added, {self.updated[kind]} updated, "
            f"{self.unchanged[kind]} unchanged"
            for kind in kinds
        ]
        total_added, total_updated = sum(self.added.values()), sum(self.updated.values())
        out.append(f"total: {total_added} added, {total_updated} updated")
        if self.new_areas:
            out.append(f"new area codes created: {', '.join(self.new_areas)}")
        return out


def check_references(session: Session, rows: Sequence[tuple[int, ListingRow]]) -> list[tuple[int, str]]:
    """Problems that need the whole file and the database: duplicates and unknown organisations."""
    errors: list[tuple[int, str]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in rows:
        if row.key in seen:
            errors.append((line, f"the same {row.kind} '{row.name}' is already on line {seen[row.key]}"))
        seen.setdefault(row.key, line)
    members_in_file = {row.name for _, row in rows if row.kind == "member"}
    wanted = {row.organisation for _, row in rows if row.kind in ("menu", "event")} - members_in_file
    known = set(
        session.scalars(select(Listing.name).where(Listing.kind == "member", Listing.name.in_(wanted)))
    ) if wanted else set()  # fmt: skip
    owners = members_in_file | known  # once: a union per row cost a tenth of a big import
    for line, row in rows:
        if row.kind in ("menu", "event") and row.organisation not in owners:
            errors.append((line, f"unknown organisation '{row.organisation}': add it as a member first"))
    return sorted(errors)


class _Progress:
    """Counts rows done and reports the running total to the caller's callback, if any."""

    def __init__(self, callback: Callable[[int], None] | None):
        self.callback = callback
        self.done = 0

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.callback:
            self.callback(self.done)


def apply_rows(
    session: Session,
    rows: Sequence[tuple[int, ListingRow]],
    *,
    progress: Callable[[int], None] | None = None,
    hook: NewListingsHook | None = None,
) -> ImportSummary:
    """Add or update every row; raise ImportRejected (and change nothing) if any row is bad.

    The caller commits; this only flushes and inserts, in the caller's transaction.
    """
    errors = check_references(session, rows)
    if errors:
        raise ImportRejected(errors)
    summary = ImportSummary()
    done = _Progress(progress)
    areas = _areas_for(session, rows, summary)
    session.flush()  # new areas get their ids: new listings refer to them by id
    existing = _existing_listings(session, rows)
    new = [row for _, row in rows if row.key not in existing]
    # Members first, so that menus and events in the same file can name them.
    new_members = [row for row in new if row.kind == "member"]
    new_others = [row for row in new if row.kind != "member"]
    if hook is not None:
        hook.start(session, new_members + new_others, areas)
    writer = _NewListings(session, areas, summary, done, hook)
    owners = _stored_owners(session, rows)
    owners.update({name: listing.id for (kind, name, _), listing in existing.items() if kind == "member"})
    owners.update(writer.add(new_members, owners))
    for _, row in rows:
        listing = existing.get(row.key)
        if listing is not None:
            _update(session, listing, row, areas, owners, summary)
            done.advance(1)
    writer.add(new_others, owners)
    session.flush()
    return summary


def _stored_owners(session: Session, rows: Sequence[tuple[int, ListingRow]]) -> dict[str, int]:
    """Member organisations already in the database that menus and events in this file name."""
    wanted = {row.organisation for _, row in rows if row.kind in ("menu", "event")}
    if not wanted:
        return {}
    found = session.execute(
        select(Listing.name, Listing.id).where(Listing.kind == "member", Listing.name.in_(wanted))
    )
    return {name: listing_id for name, listing_id in found}


# --- new listings: bulk INSERTs ----------------------------------------------------------------------


@dataclass
class _NewListings:
    """Inserts new listings with their child rows, batch by batch, telling the hook (if any) their ids."""

    session: Session
    areas: dict[str, Area]
    summary: ImportSummary
    done: _Progress
    hook: NewListingsHook | None

    def add(self, rows: list[ListingRow], owners: dict[str, int]) -> dict[str, int]:
        """Insert these rows; returns name → id of those inserted."""
        ids: dict[str, int] = {}
        for batch in _batches(rows, INSERT_BATCH):
            # created, updated and confirmed: one time a batch, known here so the index gets it too
            stamp = utcnow()
            listing_ids = _insert_listings(self.session, batch, self.areas, owners, stamp)
            _insert_children(self.session, list(zip(listing_ids, batch, strict=True)), self.areas)
            # No flush sees these rows: write their search change log rows (other servers follow the log)
            # and have this server's index brought up to date after the commit, as for any flushed listing.
            record_changes(self.session, listing_ids)
            note_change(self.session)
            if self.hook is not None:
                self.hook.added(listing_ids, stamp)
            for listing_id, row in zip(listing_ids, batch, strict=True):
                ids[row.name] = listing_id
                self.summary.added[row.kind] += 1
            self.done.advance(len(batch))
        return ids


def _batches(rows: list[ListingRow], size: int) -> Iterator[list[ListingRow]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _listing_values(
    row: ListingRow, areas: dict[str, Area], owners: dict[str, int], stamp: datetime
) -> dict[str, Any]:
    """The listing table's columns for a new row; the rest take their column defaults."""
    values = {name: getattr(row, name) for name in SCALAR_FIELDS}
    values.update(
        created_at=stamp,
        updated_at=stamp,
        confirmed_at=stamp,
        kind=row.kind,
        name=row.name,
        area_id=areas[row.area].id if row.area else None,
        organisation_id=owners.get(row.organisation) if row.kind in ("menu", "event") else None,
        window_code=row.window_code or None,
    )
    return values


def _insert_listings(
    session: Session, rows: list[ListingRow], areas: dict[str, Area], owners: dict[str, int], stamp: datetime
) -> list[int]:
    """Multi-row INSERTs (SQLAlchemy's insertmanyvalues); returns the new ids in the order of ``rows``."""
    values = [_listing_values(row, areas, owners, stamp) for row in rows]
    # RETURNING in parameter order costs one statement per row on SQLite, so the ids come back unordered
    # and are matched by what an import keeps unique (kind, name, owner: check_references). A Core INSERT
    # of the table: the ORM's bulk INSERT only added per-row work (every row names every column; `kind`
    # is the polymorphic identity).
    table = Listing.__table__
    statement = insert(table).returning(table.c.id, table.c.kind, table.c.name, table.c.organisation_id)
    ids = {(kind, name, owner): id_ for id_, kind, name, owner in session.execute(statement, values)}
    return [ids[(v["kind"], v["name"], v["organisation_id"])] for v in values]


def _insert_children(session: Session, added: list[tuple[int, ListingRow]], areas: dict[str, Area]) -> None:
    """Targets, tags, languages, translations and served areas of newly inserted listings."""
    for attribute, model, column in _LIST_TABLES:
        pairs = [(i, item) for i, row in added for item in getattr(row, attribute)]
        _insert_pairs(session, model.__table__, ("listing_id", column), pairs)
    translations = [
        {"listing_id": i, "lang": lang, "reviewed": True,
         **{name: texts.get(name, "") or "" for name in TRANSLATED_FIELDS}}
        for i, row in added
        for lang, texts in row.translations.items()
    ]  # fmt: skip
    _insert(session, ListingTranslation, translations)
    served = [(i, areas[code].id) for i, row in added for code in row.areas_served or ()]
    _insert_pairs(session, WindowArea.__table__, ("window_id", "area_id"), served)


def _insert(session: Session, model: type, values: list[dict[str, Any]]) -> None:
    """Child rows as a plain table INSERT: the ORM's bulk INSERT only adds per-row work for these tables
    (no RETURNING wanted, column defaults such as updated_at are the table's own)."""
    if values:  # an INSERT with no rows would insert one row of defaults
        session.execute(insert(model.__table__), values)


def _insert_pairs(session: Session, table: Table, columns: tuple[str, str], rows: list[tuple]) -> None:
    """Rows of a two-column link table (its whole key: no defaults) straight to the driver's executemany.

    Why: SQLAlchemy builds and type-processes a parameter dict per row, most of the importer's time on
    the ~6 tag, target and language rows each listing has; plain ints and strings need none of it."""
    if not rows:
        return
    connection = session.connection()
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=list(columns))
    if compiled.positional:  # e.g. SQLite's ?: the values in the statement's order
        order = [columns.index(name) for name in compiled.positiontup]
        params: list = rows if order == [0, 1] else [tuple(row[i] for i in order) for row in rows]
    else:  # e.g. psycopg's %(name)s
        params = [dict(zip(columns, row, strict=True)) for row in rows]
    connection.exec_driver_sql(compiled.string, params)


# --- existing listings: the ORM ----------------------------------------------------------------------


def _update(
    session: Session,
    listing: Listing,
    row: ListingRow,
    areas: dict[str, Area],
    owners: dict[str, int],
    summary: ImportSummary,
) -> None:
    owner_id = owners.get(row.organisation) if row.kind in ("menu", "event") else None
    # Members this import updates are already loaded; session.get reads only one added above.
    owner = session.get(Listing, owner_id) if owner_id is not None else None
    if _fill(listing, row, areas, owner):
        listing.updated_at = utcnow()
        summary.updated[row.kind] += 1
    else:
        summary.unchanged[row.kind] += 1


def _set(obj, name: str, value) -> bool:
    if getattr(obj, name) == value:
        return False
    setattr(obj, name, value)
    return True


def _fill(listing: Listing, row: ListingRow, areas: dict[str, Area], owner: Listing | None) -> bool:
    """Copy the row onto the listing; True when anything changed."""
    changed = False
    for name in SCALAR_FIELDS:
        changed |= _set(listing, name, getattr(row, name))
    changed |= _set(listing, "area", areas.get(row.area) if row.area else None)
    changed |= _set(listing, "organisation", owner)
    changed |= _set(listing, "window_code", row.window_code or None)
    for name in ("targets", "tags", "languages"):
        if set(getattr(listing, name)) != set(getattr(row, name)):  # stored without order
            setattr(listing, name, list(getattr(row, name)))
            changed = True
    if row.areas_served is not None:
        served = [areas[code] for code in row.areas_served]
        if set(listing.served_areas) != set(served):
            listing.served_areas = served
            changed = True
    for lang, texts in row.translations.items():
        changed |= _translate(listing, lang, texts)
    return changed


def _translate(listing: Listing, lang: str, texts: dict[str, str]) -> bool:
    translation = listing.translation(lang)
    if translation is None:
        translation = ListingTranslation(lang=lang, reviewed=True)
        listing.translations.append(translation)
    changed = False
    for name in TRANSLATED_FIELDS:
        changed |= _set(translation, name, texts.get(name, "") or "")
    return changed


def _areas_for(session: Session, rows, summary: ImportSummary) -> dict[str, Area]:
    codes = {row.area for _, row in rows if row.area}
    codes |= {code for _, row in rows for code in (row.areas_served or [])}
    areas = {area.code: area for area in session.scalars(select(Area))}
    for code in sorted(codes - set(areas)):
        # An unknown area code is created (named by its code) so no row is lost; a coordinator names it later.
        areas[code] = Area(code=code, name=code)
        session.add(areas[code])
        summary.new_areas.append(code)
    return areas


def _existing_listings(session: Session, rows) -> dict[tuple[str, str, str], Listing]:
    found: dict[tuple[str, str, str], Listing] = {}
    if session.scalar(select(Listing.id).limit(1)) is None:
        return found  # a new city's first import: nothing to look up, name by name
    names = sorted({row.name for _, row in rows})
    for start in range(0, len(names), 500):  # keep under the database's bound-parameter limit
        query = (
            select(Listing)
            .where(Listing.name.in_(names[start : start + 500]))
            .options(
                selectinload(Listing._targets),
                selectinload(Listing._tags),
                selectinload(Listing._languages),
                selectinload(Listing.translations),
                selectinload(Listing.served_areas),
                selectinload(Listing.organisation),
            )
        )
        for listing in session.scalars(query):
            owner = (
                listing.organisation.name
                if listing.kind in ("menu", "event") and listing.organisation
                else ""
            )
            found[(listing.kind, listing.name, owner)] = listing
    return found
