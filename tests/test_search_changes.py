"""Several servers: each keeps its own index, brought up to date from the search_change log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Listing, SearchChange
from portal.pagecache import get_cache
from portal.search import changes
from portal.search.sync import get_follower, get_index, rebuild_index
from tests.conftest import build_app


def names(client, q: str) -> list[str]:
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200
    return [result["name"] for result in response.json["results"]]


@pytest.fixture
def other_server(app, tmp_path):
    """A second app on the same database with its own index folder, already built (a running server)."""
    other = build_app(tmp_path / "other", app.config["SQLALCHEMY_DATABASE_URI"])
    with other.app_context():
        rebuild_index()
        db.session.remove()
    yield other
    with other.app_context():
        db.engine.dispose()


def test_every_listing_change_writes_a_change_row_in_the_same_transaction(app, create_listing):
    listing = create_listing(name="見守りサロンあおば")
    listing.summary = "毎週水曜日"
    db.session.commit()
    rows = db.session.execute(sa.select(SearchChange.listing_id).order_by(SearchChange.id)).scalars().all()
    assert rows == [listing.id, listing.id]


def test_a_rolled_back_change_leaves_no_change_row(app, create_listing):
    create_listing(name="見守りサロンあおば")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(SearchChange))
    db.session.add(Listing(kind="salon", name="取り消されたサロン"))
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchChange)) == before


def test_a_new_listing_on_one_server_is_found_on_the_other(app, create_listing, other_server):
    create_listing(name="子ども食堂ひまわり")  # written through this server
    assert names(other_server.test_client(), "ひまわり") == ["子ども食堂ひまわり"]


def test_imported_listings_write_change_rows_and_reach_the_other_server(app, other_server, tmp_path):
    """The importer writes new listings with bulk INSERTs (no flush sees them): the log must still say so."""
    from portal.importer.rows import COLUMNS

    rows = [
        {"kind": "member", "name": "ひまわり会"},
        {"kind": "menu", "name": "畑の手入れ", "organisation": "ひまわり会"},
    ]
    lines = [",".join(COLUMNS)] + [",".join(row.get(c, "") for c in COLUMNS) for row in rows]
    (tmp_path / "new.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-csv", str(tmp_path / "new.csv")])
    assert result.exit_code == 0, result.output
    logged = set(db.session.scalars(sa.select(SearchChange.listing_id)))
    assert logged == set(db.session.scalars(sa.select(Listing.id))) and len(logged) == 2
    assert names(other_server.test_client(), "畑の手入れ") == ["畑の手入れ"]


def a_few_seconds_pass(server) -> None:
    """The follower (every 2 s) and the page cache (every 1 s) look at the change log on the next request."""
    get_follower(server)._next_check = 0
    get_cache(server)._next_check = 0


def test_an_edit_and_a_deletion_on_one_server_reach_the_other(app, create_listing, other_server):
    listing = create_listing(name="ふれあいサロンもみじ")
    client = other_server.test_client()
    assert names(client, "もみじ") == ["ふれあいサロンもみじ"]
    a_few_seconds_pass(other_server)
    listing.name = "ふれあいサロンかえで"
    db.session.commit()
    assert names(client, "かえで") == ["ふれあいサロンかえで"]
    a_few_seconds_pass(other_server)
    db.session.delete(listing)
    db.session.commit()
    assert names(client, "かえで") == []


def test_the_log_position_is_remembered_in_the_index_folder(app, create_listing, other_server):
    create_listing(name="子ども食堂ひまわり")
    names(other_server.test_client(), "ひまわり")
    newest = db.session.scalar(sa.select(sa.func.max(SearchChange.id)))
    assert get_follower(other_server).applied_id() == newest
    assert (get_index(other_server).path / changes.STATE_FILE).exists()


def test_a_new_server_with_an_empty_index_builds_it_from_the_database(app, create_listing, tmp_path):
    create_listing(name="子ども食堂ひまわり")
    newcomer = build_app(tmp_path / "new", app.config["SQLALCHEMY_DATABASE_URI"])
    with newcomer.app_context():
        assert not get_index().exists()
        get_follower().catch_up_if_due(rebuild_index)  # what a search does, without the thread
        assert get_index().exists()
        assert get_follower().applied_id() == db.session.scalar(sa.select(sa.func.max(SearchChange.id)))
        assert names(newcomer.test_client(), "ひまわり") == ["子ども食堂ひまわり"]
        db.session.remove()
        db.engine.dispose()


def test_a_gap_in_change_ids_holds_the_position_until_it_is_old(app, monkeypatch):
    follower = get_follower()
    clock = [1000.0]
    monkeypatch.setattr(changes.time, "monotonic", lambda: clock[0])
    follower.remember(4)
    follower._advance(4, [5, 7])  # 6 not committed yet (or rolled back)
    assert follower.applied_id() == 5
    assert follower._applied_beyond == {7}
    follower._advance(5, [7])  # still missing, still young: wait for it
    assert follower.applied_id() == 5
    clock[0] += changes.GAP_SECONDS + 1
    follower._advance(5, [7])  # a rolled-back transaction's id: pass over it
    assert follower.applied_id() == 7
    assert follower._applied_beyond == set()


def test_a_late_commit_below_the_position_is_still_applied(app, create_listing, other_server, monkeypatch):
    """Change 2 commits after change 3 was seen: the other server applies it when it appears."""
    first = create_listing(name="見守りサロンあおば")
    follower = get_follower(other_server)
    with other_server.app_context():
        follower.catch_up(db.session)
        applied = follower.applied_id()
        # change applied+2 is visible, applied+1 is not (yet): simulate by hiding it from the first read
        db.session.remove()
    second = create_listing(name="子ども食堂ひまわり")
    third = create_listing(name="ふれあいサロンもみじ")
    hidden = applied + 1
    with db.engine.begin() as conn:  # make `second`'s change row disappear for a moment
        row = conn.execute(sa.select(SearchChange).where(SearchChange.id == hidden)).one()
        conn.execute(sa.delete(SearchChange).where(SearchChange.id == hidden))
    with other_server.app_context():
        follower.catch_up(db.session)
        assert follower.applied_id() == applied  # held below the gap
        with db.engine.begin() as conn:  # the slow transaction commits now
            conn.execute(sa.insert(SearchChange).values(id=row.id, listing_id=row.listing_id,
                                                        changed_at=row.changed_at))  # fmt: skip
        follower.catch_up(db.session)
        assert follower.applied_id() == hidden + 1
        db.session.remove()
    assert {first.id, second.id, third.id}
    assert names(other_server.test_client(), "ひまわり") == ["子ども食堂ひまわり"]


def test_a_long_backlog_is_applied_in_the_background_without_holding_up_searches(
    app, create_listing, other_server, monkeypatch
):
    import time

    monkeypatch.setattr(changes, "INLINE_CHANGES", 0)  # every backlog counts as long
    create_listing(name="子ども食堂ひまわり")
    client = other_server.test_client()
    client.get("/api/v1/search", query_string={"q": "ひまわり"})  # answers at once, starts the thread
    follower = get_follower(other_server)
    for _ in range(200):  # bounded wait for the thread (about 20 s)
        if not follower._lock.locked():
            break
        time.sleep(0.1)
    assert names(client, "ひまわり") == ["子ども食堂ひまわり"]


def test_pruning_drops_old_rows_and_a_server_left_behind_rebuilds(app, create_listing, other_server):
    from datetime import timedelta

    create_listing(name="子ども食堂ひまわり")
    names(other_server.test_client(), "ひまわり")  # the other server is up to date
    get_follower(other_server).remember(0)  # ... or rather, it was away since the beginning
    create_listing(name="ふれあいサロンもみじ")
    assert changes.prune(db.session, timedelta(days=-1)) >= 2  # everything counts as old
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchChange)) == 0
    create_listing(name="多文化カフェ")  # a change after the pruning
    rebuilt = []
    with other_server.app_context():
        follower = get_follower()
        follower._next_check = 0
        follower.catch_up_if_due(lambda: rebuilt.append(True))
        db.session.remove()
    assert rebuilt == [True], "a server behind the pruned rows must rebuild, not apply what is left"


def test_prune_changes_command_keeps_recent_rows(app, create_listing):
    create_listing(name="子ども食堂ひまわり")
    result = app.test_cli_runner().invoke(args=["prune-changes", "--days", "30"])
    assert result.exit_code == 0 and "pruned 0" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchChange)) == 1
