"""Write checked rows into the directory: one transaction, add or update, nothing on failure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.importer.rows import ListingRow
from portal.models import LISTING_CLASSES, Area, Listing, ListingTranslation, utcnow

SCALAR_FIELDS = (
    "name_kana", "summary", "description", "address", "lat", "lng", "phone", "email", "url", "hours",
    "starts_at", "ends_at",
)  # fmt: skip
TRANSLATED_FIELDS = ("name", "summary", "description", "hours")


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
    for line, row in rows:
        if row.kind in ("menu", "event") and row.organisation not in members_in_file | known:
            errors.append((line, f"unknown organisation '{row.organisation}': add it as a member first"))
    return sorted(errors)


def apply_rows(
    session: Session,
    rows: Sequence[tuple[int, ListingRow]],
    *,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Add or update every row; raise ImportRejected (and change nothing) if any row is bad.

    The caller commits; this only flushes.
    """
    errors = check_references(session, rows)
    if errors:
        raise ImportRejected(errors)
    summary = ImportSummary()
    areas = _areas_for(session, rows, summary)
    existing = _existing_listings(session, rows)
    members = {key[1]: listing for key, listing in existing.items() if key[0] == "member"}
    # Members first, so that menus and events in the same file can name them.
    ordered = sorted(rows, key=lambda item: item[1].kind != "member")
    for done, (_, row) in enumerate(ordered, start=1):
        listing = existing.get(row.key)
        owner = members.get(row.organisation) if row.kind in ("menu", "event") else None
        if listing is None:
            listing = LISTING_CLASSES[row.kind](name=row.name, kind=row.kind)
            session.add(listing)
            _fill(listing, row, areas, owner)
            summary.added[row.kind] += 1
        elif _fill(listing, row, areas, owner):
            listing.updated_at = utcnow()
            summary.updated[row.kind] += 1
        else:
            summary.unchanged[row.kind] += 1
        if row.kind == "member":
            members[row.name] = listing
        if progress:
            progress(done)
    session.flush()
    return summary


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
    names = sorted({row.name for _, row in rows})
    found: dict[tuple[str, str, str], Listing] = {}
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
