"""The share sheet: chosen listings with a QR code to each one's page (segno, inline SVG, no images)."""

from __future__ import annotations

import segno
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Listing

MAX_SHARED = 30  # a printed sheet, not an export


def parse_ids(raw: str) -> tuple[list[int], list[str]]:
    """`1,2,3` → ([1, 2, 3], []); anything else is reported, duplicates dropped, order kept."""
    ids: list[int] = []
    bad: list[str] = []
    for part in (raw or "").replace(" ", ",").split(","):
        part = part.strip()[:20]
        if not part:
            continue
        if part.isascii() and part.isdigit() and int(part) < 2**31 and int(part) not in ids:
            ids.append(int(part))
        elif not (part.isascii() and part.isdigit()):
            bad.append(part)
    return ids[:MAX_SHARED], bad


def shared_listings(session: Session, ids: list[int]) -> list[Listing]:
    if not ids:
        return []
    found = {
        item.id: item
        for item in session.scalars(
            select(Listing).where(
                Listing.id.in_(ids), Listing.status == "published", Listing.retired_at.is_(None)
            )
        )
    }
    return [found[i] for i in ids if i in found]


def qr_svg(url: str, title: str) -> str:
    """An inline SVG QR code, sized for a printed page, with a title for screen readers."""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=3, border=2, title=title, svgclass="qr", lineclass=None, omitsize=False)
