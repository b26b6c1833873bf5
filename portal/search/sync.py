"""Keep the search index in step with the database (microblog's SearchableMixin idea).

Session events note which listings a transaction touched and add a `search_change` row for each, in the
same transaction; once it commits, those listings are read back on a fresh connection and written to
this server's index. Other servers apply the change rows to their own index (portal.search.changes);
so does this one if its own index write failed. A rolled-back transaction touches nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import (
    Listing,
    ListingLanguage,
    ListingTag,
    ListingTarget,
    ListingTranslation,
    SearchChange,
    utcnow,
)
from portal.search.changes import ChangeFollower
from portal.search.documents import documents_for
from portal.search.index import IndexUnavailable, SearchIndex

if TYPE_CHECKING:
    from portal.search.importing import ImportIndexing

log = logging.getLogger(__name__)
PENDING = "search_pending_ids"
CHANGES = "search_change_ids"  # the change log rows this transaction wrote
_CHILDREN = (ListingTranslation, ListingTag, ListingTarget, ListingLanguage)


def init_app(app: Flask) -> None:
    index = SearchIndex(app.config["PORTAL_INDEX_DIR"])
    app.extensions["search_index"] = index
    app.extensions["search_changes"] = ChangeFollower(index)


def get_index(app: Flask | None = None) -> SearchIndex:
    return (app or current_app).extensions["search_index"]


def get_follower(app: Flask | None = None) -> ChangeFollower:
    return (app or current_app).extensions["search_changes"]


def _touched_ids(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Listing) and obj.id is not None:
            ids.add(obj.id)
            ids.update(offering.id for offering in obj.__dict__.get("offerings", []) if offering.id)
        elif isinstance(obj, _CHILDREN) and obj.listing_id is not None:
            ids.add(obj.listing_id)
    return ids


@event.listens_for(Session, "after_flush")  # new/dirty still list what was flushed, ids assigned
def _remember_touched(session: Session, flush_context) -> None:
    record_changes(session, _touched_ids(session))


def record_changes(session: Session, ids: Iterable[int]) -> None:
    """Log these listings as changed in the session's transaction and index them after its commit.

    Flushes call this by themselves; code that writes listings without a flush (bulk INSERTs) calls it."""
    ids = set(ids)
    if not ids:
        return
    session.info.setdefault(PENDING, set()).update(ids)
    # The change log row commits (or rolls back) with the listing: other servers follow the log.
    now = utcnow()  # one transaction, one time (and one conversion of it for the database)
    rows = session.connection().execute(
        insert(SearchChange).returning(SearchChange.id),
        [{"listing_id": listing_id, "changed_at": now} for listing_id in sorted(ids)],
    )
    session.info.setdefault(CHANGES, set()).update(rows.scalars())


@event.listens_for(Session, "before_flush")
def _remember_deleted(session: Session, flush_context, instances) -> None:
    # Deleted objects leave session.deleted after the flush; note them before it.
    ids = {obj.id for obj in session.deleted if isinstance(obj, Listing) and obj.id is not None}
    session.info.setdefault(PENDING, set()).update(ids)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(CHANGES, None)


@event.listens_for(Session, "after_commit")
def _apply(session: Session) -> None:
    ids, changes = session.info.pop(PENDING, None), session.info.pop(CHANGES, set())
    if not ids or not has_app_context() or "search_index" not in current_app.extensions:
        return
    if update_index(ids):
        get_follower().note_applied(changes)


def update_index(ids: set[int]) -> bool:
    """Write the given listings to the index; on failure the change log brings them in later."""
    index = get_index()
    if not index.exists():
        rebuild_index()  # the first import into a fresh database builds the index
        return True
    # A fresh session: the committing one may not emit SQL inside after_commit.
    with Session(db.engine) as reader:
        docs, gone = documents_for(reader, ids)
    try:
        if docs:
            index.upsert(docs)
        if gone:
            index.delete(gone)
    except IndexUnavailable:
        log.info("the search index went missing; it is rebuilt from the database on the next search")
        return False
    except Exception:  # the database is the source of truth; the change log applies these later
        log.exception("search index update failed for %d listing(s); retried from the change log", len(ids))
        return False
    return True


def rebuild_index(progress=None) -> int:
    """Build this server's index from the database and remember the change log position."""
    with Session(db.engine) as reader:
        return get_follower().rebuild(reader, progress=progress)


def import_indexing() -> ImportIndexing | None:
    """For import-csv: when this server has no index yet, one is built while the import writes."""
    from portal.search.importing import ImportIndexing

    index = get_index()
    return None if index.exists() else ImportIndexing(index, get_follower())
