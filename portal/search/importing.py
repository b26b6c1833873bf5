"""Build a missing search index while `import-csv` writes the database (issue #3: a new city's import).

Without this, the first import commits and only then rebuilds the index from the database: every listing
read back, then analysed. Here the new listings' documents are made from the parsed rows the importer
already holds and handed to worker processes before the INSERTs start; the workers analyse while the
database is written and write their segments once the importer reports the ids. Listings that were in
the database before the import are read (with this import's updates) just before the commit.

All or nothing: the new index is swapped in only after the database commit; a failed import aborts it and
the old state (no index) stays. Documents must reach the index in id order (ties in ranking are broken by
document number), so new listings must get ids above every older one, in insertion order; when they do
not, this steps aside and the usual rebuild after the commit runs instead.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.importer.rows import ListingRow
from portal.models import Area, Listing, SearchChange
from portal.search.changes import ChangeFollower
from portal.search.documents import all_documents, count_documents, new_listing_document
from portal.search.fields import updated_seconds
from portal.search.index import IndexDoc, SearchIndex, StagedRebuild

log = logging.getLogger(__name__)
MIN_NEW_LISTINGS = 1000  # below this the rebuild after the commit is quick: no worker processes
SEGMENT_DOCS = (1000, 5000)  # smallest and largest segment, as SearchIndex.rebuild makes them


class ImportIndexing:
    """The importer's hook (portal.importer.apply.NewListingsHook) plus the command's commit steps."""

    def __init__(self, index: SearchIndex, follower: ChangeFollower, workers: int | None = None):
        self.index, self.follower, self.workers = index, follower, workers
        self.build: StagedRebuild | None = None
        self._segments: list[tuple[int, int]] = []  # (handle, size) of the new listings' segments
        self._ids: list[int] = []  # ids of new listings reported so far, in insertion order
        self._updated: list[int] = []  # and their freshness (updated_seconds)
        self._max_existing = 0
        self._segment_docs = 0
        self._mark = 0

    # -- the importer's hook
    def start(self, session: Session, rows: list[ListingRow], areas: dict[str, Area]) -> None:
        if len(rows) >= MIN_NEW_LISTINGS:
            self._guarded(self._start, session, rows, areas)

    def added(self, ids: list[int], stamp: datetime) -> None:
        if self.build is not None:
            self._guarded(self._added, ids, stamp)

    def _guarded(self, step, *args) -> None:
        """A failing index build (a worker gone, a full disk) never fails the import: it is dropped, and
        the commit's own hook rebuilds the index from the database instead."""
        try:
            step(*args)
        except Exception:
            log.exception("the index build during the import failed; it is rebuilt after the commit")
            self.abort()

    def _start(self, session: Session, rows: list[ListingRow], areas: dict[str, Area]) -> None:
        self._max_existing = session.scalar(select(func.coalesce(func.max(Listing.id), 0)))
        expected = count_documents(session) + len(rows)
        self.build = self.index.staged_rebuild(workers=self.workers)
        workers = self.build.workers
        smallest, largest = SEGMENT_DOCS
        self._segment_docs = min(largest, max(smallest, -(-expected // workers)))
        docs = [new_listing_document(row, areas) for row in rows]
        for start in range(0, len(docs), self._segment_docs):
            chunk = docs[start : start + self._segment_docs]
            self._segments.append((self.build.add_segment((1, start), chunk), len(chunk)))

    def _added(self, ids: list[int], stamp: datetime) -> None:
        last = self._ids[-1] if self._ids else self._max_existing
        if any(b <= a for a, b in zip([last, *ids], ids, strict=False)):
            log.info("new listing ids are not in insertion order: the index is rebuilt after the commit")
            self.abort()
            return
        seconds = updated_seconds(stamp)
        before = len(self._ids)
        self._ids.extend(ids)
        self._updated.extend([seconds] * len(ids))
        offset = 0
        for handle, size in self._segments:  # hand over each segment whose ids are now all known
            if before < offset + size <= len(self._ids):
                end = offset + size
                self.build.set_ids(handle, self._ids[offset:end], self._updated[offset:end])
            offset += size

    # -- the command's steps around the commit
    def before_commit(self, session: Session) -> None:
        """Add the listings that were already stored; from here the index is this object's job."""
        if self.build is None:
            return
        from portal.search.sync import CHANGES, PENDING

        session.flush()  # this import's updates, so that the stored listings are read as they will be
        self._guarded(self._add_stored_listings, session)
        if self.build is None:
            return
        self._mark = session.scalar(select(func.coalesce(func.max(SearchChange.id), 0)))
        # The commit's own hook would rebuild the index again (there is none yet): this build replaces it.
        session.info.pop(PENDING, None)
        session.info.pop(CHANGES, None)

    def publish(self) -> None:
        """After the commit: swap the new index in; if that fails, rebuild it from the database."""
        if self.build is None:
            return
        build, self.build = self.build, None
        try:
            count = build.publish()
        except Exception:
            log.exception("building the search index during the import failed; rebuilding it")
            from portal.search.sync import rebuild_index

            rebuild_index()
            return
        self.follower.rebuilt(self._mark)
        log.info("search index built during the import: %d listings, up to change %d", count, self._mark)

    def abort(self) -> None:
        if self.build is not None:
            build, self.build = self.build, None
            build.abort()

    def _add_stored_listings(self, session: Session) -> None:
        chunk: list[IndexDoc] = []
        for doc in all_documents(session, through_id=self._max_existing):
            chunk.append(doc)
            if len(chunk) == self._segment_docs:
                self._add_stored(chunk)
                chunk = []
        if chunk:
            self._add_stored(chunk)

    def _add_stored(self, docs: list[IndexDoc]) -> None:
        handle = self.build.add_segment((0, docs[0].id), docs)
        self.build.set_ids(handle, [d.id for d in docs], [updated_seconds(d.updated_at) for d in docs])
