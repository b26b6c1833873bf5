"""Keep the search index in step with the database (microblog's SearchableMixin idea).

Session events note which listings a transaction touched; once it commits, those listings are
read back on a fresh connection and written to the index. A rolled-back transaction touches nothing.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Listing, ListingLanguage, ListingTag, ListingTarget, ListingTranslation
from portal.search.documents import all_documents, count_documents, documents_for
from portal.search.index import SearchIndex

log = logging.getLogger(__name__)
PENDING = "search_pending_ids"
_CHILDREN = (ListingTranslation, ListingTag, ListingTarget, ListingLanguage)


def init_app(app: Flask) -> None:
    app.extensions["search_index"] = SearchIndex(app.config["PORTAL_INDEX_DIR"])


def get_index(app: Flask | None = None) -> SearchIndex:
    return (app or current_app).extensions["search_index"]


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
    session.info.setdefault(PENDING, set()).update(_touched_ids(session))


@event.listens_for(Session, "before_flush")
def _remember_deleted(session: Session, flush_context, instances) -> None:
    # Deleted objects leave session.deleted after the flush; note them before it.
    ids = {obj.id for obj in session.deleted if isinstance(obj, Listing) and obj.id is not None}
    session.info.setdefault(PENDING, set()).update(ids)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)


@event.listens_for(Session, "after_commit")
def _apply(session: Session) -> None:
    ids = session.info.pop(PENDING, None)
    if not ids or not has_app_context() or "search_index" not in current_app.extensions:
        return
    update_index(ids)


def update_index(ids: set[int]) -> None:
    """Write the given listings to the index; a missing or failing index is rebuilt from the database."""
    index = get_index()
    if not index.exists():
        rebuild_index()  # the first import into a fresh database builds the index
        return
    # A fresh session: the committing one may not emit SQL inside after_commit.
    with Session(db.engine) as reader:
        docs, gone = documents_for(reader, ids)
    try:
        if docs:
            index.upsert(docs)
        if gone:
            index.delete(gone)
    except Exception:  # the database is the source of truth; the index can always be rebuilt
        log.exception("search index update failed for %d listing(s); rebuilding it", len(ids))
        try:
            rebuild_index()
        except Exception:
            log.exception("search index rebuild failed; search answers from the database meanwhile")


def rebuild_index(progress=None) -> int:
    with Session(db.engine) as reader:
        expected = count_documents(reader)
        return get_index().rebuild(all_documents(reader), progress=progress, expected=expected)
