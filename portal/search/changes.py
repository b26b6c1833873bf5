"""Several servers, one database: each server brings its own index up to date from the change log.

Every listing change adds a `search_change` row in the same transaction (portal.search.sync). Each
server remembers, in a small file in its index folder, the last change id it applied, and at most once
every CHECK_SECONDS (at the start of a search) applies the newer rows to its own Whoosh index. A server
with no index (new, or its folder deleted) builds the index from scratch instead.

The log is pruned (`flask prune-changes`, daily): rows older than a month go, and the newest pruned id
is kept as a site setting. A server whose position is below it was away too long to follow the log and
rebuilds its index instead.

Sequence ids are handed out at insert but become visible at commit, so a slow transaction can commit
id 7 after id 8 was seen. The remembered id therefore stops below the first gap; a gap older than
GAP_SECONDS is taken for a rolled-back transaction and passed over.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import SearchChange, SiteSetting
from portal.search.documents import documents_for
from portal.search.index import SearchIndex

log = logging.getLogger(__name__)
CHECK_SECONDS = 2.0
GAP_SECONDS = 60.0
BATCH = 5000
INLINE_CHANGES = 20  # up to this many waiting changes are applied before a search answers (~25 ms each)
STATE_FILE = "applied_change.json"
PRUNED_SETTING = "search_change_pruned_through"  # site setting: the newest change id pruned from the log


class ChangeFollower:
    """Per app (per process): when to look, what was applied beyond a gap, which gaps are waited for."""

    def __init__(self, index: SearchIndex):
        self.index = index
        self._next_check = 0.0
        self._lock = threading.Lock()
        self._applied_beyond: set[int] = set()  # ids above the remembered one, already in the index
        self._gap_seen: dict[int, float] = {}  # missing id → when it was first missed

    # -- the remembered id, shared by the workers of one server through the index folder
    @property
    def state_path(self) -> Path:
        return self.index.path / STATE_FILE

    def applied_id(self) -> int | None:
        try:
            return int(json.loads(self.state_path.read_text())["applied"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def remember(self, change_id: int) -> None:
        self.index.path.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_name(f"{STATE_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"applied": int(change_id)}))
        os.replace(tmp, self.state_path)  # atomic: a reader never sees half a file

    def note_applied(self, change_ids) -> None:
        """This process indexed these changes itself (after its own commit): no need to apply them again."""
        with self._lock:
            self._applied_beyond.update(change_ids)

    # -- catching up
    def catch_up_if_due(self, rebuild_in_background) -> None:
        """At most every CHECK_SECONDS: apply new changes, or start a rebuild when there is no index.

        A few changes are applied before the search answers; a long backlog (a big import on another
        server) is applied in a background thread, so no search waits for it.
        """
        now = time.monotonic()
        if now < self._next_check or not self._lock.acquire(blocking=False):
            return  # checked recently, or another thread of this process is at it
        handed_over = False
        try:
            self._next_check = now + CHECK_SECONDS
            applied = self.applied_id()
            if applied is None or not self.index.exists():
                rebuild_in_background()  # a new server, or its index folder was lost
                return
            with Session(db.engine) as session:
                backlog = session.scalar(select(func.count()).where(SearchChange.id > applied))
                behind_pruning = bool(backlog) and applied < pruned_through(session)
            if not backlog:
                return
            if behind_pruning:  # the rows this server missed are gone
                rebuild_in_background()
                return
            if backlog <= INLINE_CHANGES:
                self._catch_up_now()
                return
            app = current_app._get_current_object()
            threading.Thread(target=self._catch_up_in_background, args=(app,), daemon=True,
                             name="search-changes").start()  # fmt: skip
            handed_over = True  # the thread releases the lock
        except Exception:  # never fail a search for this: the index is behind, search still answers
            log.exception("could not apply search changes from the database")
        finally:
            if not handed_over:
                self._lock.release()

    def _catch_up_now(self) -> None:
        with self._folder_lock() as got, Session(db.engine) as session:
            if got:  # else another worker of this server is catching up: it writes the same index
                while self.catch_up(session) and len(self._applied_beyond) < BATCH:
                    session.expunge_all()

    def _catch_up_in_background(self, app) -> None:
        try:
            with app.app_context():
                self._catch_up_now()
        except Exception:
            log.exception("could not apply search changes from the database")
        finally:
            self._lock.release()

    @contextlib.contextmanager
    def _folder_lock(self):
        self.index.path.mkdir(parents=True, exist_ok=True)
        with open(self.index.path / "changes.lock", "a+b") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def catch_up(self, session: Session) -> int:
        """Apply the changes not applied yet; returns how many listings were written to the index."""
        applied = self.applied_id() or 0
        rows = session.execute(
            select(SearchChange.id, SearchChange.listing_id)
            .where(SearchChange.id > applied)
            .order_by(SearchChange.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return 0
        todo = {listing for change, listing in rows if change not in self._applied_beyond}
        if todo:
            docs, gone = documents_for(session, todo)
            if docs:
                self.index.upsert(docs)
            if gone:
                self.index.delete(gone)
        self._advance(applied, [change for change, _ in rows])
        return len(todo)

    def _advance(self, applied: int, seen: list[int]) -> None:
        """Move the remembered id up to the first gap that is still young; keep the rest in memory."""
        now = time.monotonic()
        present = set(seen) | self._applied_beyond
        mark = applied
        for change in range(applied + 1, max(seen) + 1):
            if change in present:
                mark = change
                continue
            first_missed = self._gap_seen.setdefault(change, now)
            if now - first_missed < GAP_SECONDS:
                break
            mark = change  # a rolled-back transaction's id: it will never appear
        self._applied_beyond = {c for c in present if c > mark}
        self._gap_seen = {c: t for c, t in self._gap_seen.items() if c > mark}
        if mark != applied:
            self.remember(mark)

    def rebuild(self, session: Session, progress=None) -> int:
        """Build the index from the database; the log position is read first so nothing is missed."""
        from portal.search.documents import all_documents, count_documents

        mark = session.scalar(select(func.coalesce(func.max(SearchChange.id), 0)))
        expected = count_documents(session)  # a large build is split across both cores
        count = self.index.rebuild(all_documents(session), progress=progress, expected=expected)
        self.rebuilt(mark)
        log.info("search index built from the database: %d listings, up to change %d", count, mark)
        return count

    def rebuilt(self, mark: int) -> None:
        """A new index holds every change up to ``mark``: follow the log from there."""
        self._applied_beyond.clear()
        self._gap_seen.clear()
        self.remember(mark)


def pruned_through(session: Session) -> int:
    setting = session.get(SiteSetting, PRUNED_SETTING)
    return int(setting.value) if setting and setting.value.isdigit() else 0


def prune(session: Session, older_than: timedelta) -> int:
    """Delete change rows older than `older_than`; returns how many. The caller commits."""
    cutoff = datetime.now(UTC) - older_than
    newest_old = session.scalar(select(func.max(SearchChange.id)).where(SearchChange.changed_at < cutoff))
    if newest_old is None:
        return 0
    gone = session.execute(delete(SearchChange).where(SearchChange.id <= newest_old)).rowcount
    setting = session.get(SiteSetting, PRUNED_SETTING) or SiteSetting(key=PRUNED_SETTING)
    setting.value = str(max(newest_old, pruned_through(session)))
    session.add(setting)
    return gone
