"""The search change log: one row per listing change, written in the listing's own transaction.

Each app server keeps its own Whoosh index and applies the rows it has not seen yet
(portal.search.changes). No foreign key: a deleted listing's change must stay in the log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class SearchChange(Base):
    __tablename__ = "search_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_id: Mapped[int] = mapped_column(Integer, index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
