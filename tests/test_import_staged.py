"""import-csv into a server with no index: the index is built while the rows are written (issue #3).

The thresholds are lowered so that a few rows take the path a big import takes: several segments, more
segments than worker processes, listings already stored plus new ones.
"""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.importer.rows import ListingRow
from portal.models import Listing
from portal.search import importing
from portal.search.sync import get_follower, get_index, rebuild_index
from tests.test_import import HEADER, row, run, write

NEW_ROWS = (
    HEADER + "\n"
    + row(kind="member", name="みどり農園", tags="農業;野菜", targets="anyone;senior", area="asahi")
    + "".join(
        row(kind="salon", name=f"ふれあいサロン{n}", summary="おしゃべりと体操", area="sakura",
            description="地域の高齢者が気軽に集まる場所です。", tags="体操;お茶会", targets="senior;child")
        for n in range(9)
    )
    + row(kind="menu", name="人参の収穫体験", organisation="みどり農園", tags="農作業")
    + row(kind="salon", name="旧サロン", summary="名前は同じ、中身は新しい", tags="子ども食堂")
)  # fmt: skip
TERM_FIELDS = ("id", "name", "hi", "body", "ngram", "spell")


@pytest.fixture
def staged(monkeypatch):
    """Small segments and no minimum: a handful of rows builds its index in worker processes."""
    monkeypatch.setattr(importing, "MIN_NEW_LISTINGS", 1)
    monkeypatch.setattr(importing, "SEGMENT_DOCS", (2, 3))
    started: list[importing.ImportIndexing] = []
    original = importing.ImportIndexing.start

    def start(self, *args):
        original(self, *args)
        started.append(self)

    monkeypatch.setattr(importing.ImportIndexing, "start", start)
    return started


COLUMNS = ("hit", "kind", "area", "targets", "updated", "sortkey")


def _dump(index) -> dict:
    """Everything a search reads, by document number: columns and every posting."""
    ix = index._open()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        out: dict = {"columns": {name: list(reader.column_reader(name)) for name in COLUMNS}}
        for name in TERM_FIELDS:
            out[name] = {term: list(reader.postings(name, term).all_ids()) for term in reader.lexicon(name)}
        out["segments"] = [seg.doc_count_all() for seg in ix._segments()]
    return out


def _without_index(app) -> None:
    """A server that has lost its index folder (or never had one)."""
    shutil.rmtree(get_index().path, ignore_errors=True)
    assert not get_index().exists()


def test_the_index_built_during_the_import_is_the_one_a_rebuild_makes(
    app, tmp_path, staged, create_listing, monkeypatch
):
    create_listing("salon", name="旧サロン", description="古い説明")  # stored before: updated by the file
    create_listing("place", name="残る居場所", tags=["学習支援"])  # stored before, not in the file
    _without_index(app)
    published = []
    publish = importing.StagedRebuild.publish
    monkeypatch.setattr(importing.StagedRebuild, "publish", lambda self: published.append(publish(self)))
    result = run(app, "import-csv", write(tmp_path, NEW_ROWS))
    assert result.exit_code == 0, result.output
    assert published == [13]  # built during the import: 11 new listings, 2 stored before
    index = get_index()
    built = _dump(index)
    assert len(built["segments"]) > 2  # more segments than worker processes: some waited their turn
    assert index.search("子ども食堂").total == 1
    assert index.search("学習支援").total == 1
    assert index.search("ふれあいサロン").total == 9
    rebuild_index()
    rebuilt = _dump(index)
    for name in ("columns", *TERM_FIELDS):
        assert rebuilt[name] == built[name], name


def test_the_change_log_is_followed_from_the_import_on(app, tmp_path, staged):
    _without_index(app)
    assert run(app, "import-csv", write(tmp_path, NEW_ROWS)).exit_code == 0
    newest = db.session.scalar(sa.select(sa.func.max(sa.text("id"))).select_from(sa.table("search_change")))
    assert get_follower().applied_id() == newest


def test_a_failed_commit_leaves_no_index_and_no_scratch_files(app, tmp_path, staged, monkeypatch):
    _without_index(app)

    def commit():
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.session, "commit", commit)
    result = run(app, "import-csv", write(tmp_path, NEW_ROWS))
    monkeypatch.undo()
    assert result.exit_code == 1
    assert "nothing was imported" in result.stderr
    assert staged  # the build had started before the commit failed
    assert not get_index().exists()
    assert not list(get_index().path.glob("gen-*"))
    assert db.session.scalar(sa.select(sa.func.count(Listing.id))) == 0


def test_rejected_rows_start_no_build(app, tmp_path, staged):
    _without_index(app)
    bad = NEW_ROWS + row(kind="menu", name="持ち主なし", organisation="どこにもない会")
    assert run(app, "import-csv", write(tmp_path, bad)).exit_code == 1
    assert not staged
    assert not list(get_index().path.glob("gen-*"))


def test_a_failing_worker_falls_back_to_the_rebuild_after_the_commit(app, tmp_path, staged, monkeypatch):
    _without_index(app)

    def publish(self):
        self.abort()
        raise RuntimeError("a worker died")

    monkeypatch.setattr(importing.StagedRebuild, "publish", publish)
    result = run(app, "import-csv", write(tmp_path, NEW_ROWS))
    assert result.exit_code == 0, result.output
    assert get_index().search("ふれあいサロン").total == 9  # rebuilt from the database instead


def test_ids_out_of_insertion_order_hand_over_to_the_rebuild_after_the_commit(app, staged):
    _without_index(app)
    indexing = importing.ImportIndexing(get_index(), get_follower(), workers=1)
    rows = [ListingRow(kind="salon", name=f"サロン{n}") for n in range(4)]
    indexing.start(db.session, rows, {})
    assert indexing.build is not None
    gen = indexing.build.gen
    indexing.added([7, 6], datetime.now().astimezone())
    assert indexing.build is None  # stepped aside: PENDING stays, the commit's hook rebuilds
    assert not gen.exists()
    indexing.before_commit(db.session)
    indexing.publish()
    assert not get_index().exists()


def test_with_other_threads_running_the_workers_are_spawned_not_forked(app, tmp_path, staged, monkeypatch):
    import portal.search.index as index_module
    import portal.search.sync as sync

    methods: list[str] = []
    init = index_module.StagedRebuild.__init__

    def spy(self, *args):
        init(self, *args)
        methods.append(self._context.get_start_method())

    def no_fallback(*args, **kwargs):
        raise AssertionError("the build during the import failed: rebuilt after the commit instead")

    monkeypatch.setattr(index_module.StagedRebuild, "__init__", spy)
    monkeypatch.setattr(sync, "rebuild_index", no_fallback)
    monkeypatch.setattr(index_module.threading, "active_count", lambda: 2)
    _without_index(app)
    result = run(app, "import-csv", write(tmp_path, NEW_ROWS))
    assert result.exit_code == 0, result.output
    assert methods == ["spawn"]
    assert get_index().search("ふれあいサロン").total == 9


def test_a_worker_failing_during_the_import_does_not_fail_the_import(app, tmp_path, staged, monkeypatch):
    _without_index(app)

    def set_ids(self, handle, ids, updated):
        raise RuntimeError("index worker 1234 ended without an answer")

    monkeypatch.setattr(importing.StagedRebuild, "set_ids", set_ids)
    result = run(app, "import-csv", write(tmp_path, NEW_ROWS))
    assert result.exit_code == 0, result.output
    assert staged[0].build is None  # dropped
    assert get_index().search("ふれあいサロン").total == 9  # the commit's hook rebuilt it from the database
    assert len(list(get_index().path.glob("gen-*"))) == 1
