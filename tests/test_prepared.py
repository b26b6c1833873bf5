"""portal.models.prepared: selects run on the driver's cursor answer exactly what SQLAlchemy answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, event, select
from sqlalchemy.exc import DBAPIError

from portal.directory import listing_page
from portal.extensions import db
from portal.models import Listing
from portal.models.prepared import PreparedSelect, _is_watched


@pytest.fixture
def member_with_events(create_listing, create_area):
    area = create_area("asahi")
    member = create_listing("member", name="みどり工房", name_kana="みどりこうぼう", area=area,
                            lat=35.1, lng=137.1, tags=["軽作業"], targets=["disability"],
                            languages=["ja", "pt"])  # fmt: skip
    now = datetime.now(UTC)
    menu = create_listing("menu", name="袋づめ", organisation=member, area=area, hours="平日 9:00〜16:00")
    create_listing("menu", name="草取り", organisation=member)
    create_listing("event", name="収穫祭", organisation=member, starts_at=now + timedelta(days=2),
                   ends_at=now + timedelta(days=2, hours=3))  # fmt: skip
    create_listing("event", name="終わった行事", organisation=member, starts_at=now - timedelta(days=3))
    return member, menu, now


def test_the_listing_pages_selects_answer_what_sqlalchemy_answers(app, member_with_events):
    member, menu, now = member_with_events
    connection = db.session.connection()
    runs = [
        (listing_page.LISTING, {"listing_id": menu.id}),
        (listing_page.LISTING, {"listing_id": member.id}),
        (listing_page.LISTS, {"listing_id": member.id}),
        (listing_page.OFFERINGS, {"owner_id": member.id, "listing_id": menu.id}),
        (listing_page.EVENTS, {"owner_id": member.id, "now": now}),
    ]
    assert not _is_watched(connection)  # the driver's cursor is what is tested here
    for prepared, params in runs:
        expected = [tuple(row) for row in connection.execute(prepared.statement, params)]
        assert expected, params  # the fixture gives every statement something to answer
        assert typed(prepared.all(connection, **params)) == typed(expected)  # True == 1: types too


def typed(rows: list[tuple]) -> list[list]:
    return [[(type(value), value) for value in row] for row in rows]


def test_with_a_statement_listener_the_select_goes_through_sqlalchemy_and_is_heard(app, member_with_events):
    member_id = member_with_events[0].id  # read now: an expired attribute would be a statement too
    heard = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        heard.append(context.statement if context is not None else None)  # a real execution context

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        with db.engine.connect() as connection:
            assert _is_watched(connection)
            row = listing_page.LISTING.first(connection, listing_id=member_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert row[0] == member_id and len(heard) == 1 and heard[0]


def test_a_database_error_comes_out_as_sqlalchemys_so_the_unavailable_page_answers(app):
    missing = Table("no_such_table", MetaData(), Column("id", Integer))
    with db.engine.connect() as connection, pytest.raises(DBAPIError):
        PreparedSelect(select(missing.c.id)).all(connection)


def test_dates_come_back_aware_in_utc_and_a_bound_date_is_compared_as_utc(app, member_with_events):
    member, _, now = member_with_events
    connection = db.session.connection()
    (event,) = listing_page.EVENTS.all(connection, owner_id=member.id, now=now)
    starts_at = event[6]
    assert starts_at.tzinfo is not None and starts_at.utcoffset() == timedelta(0)
    assert abs(starts_at - (now + timedelta(days=2))) < timedelta(seconds=1)
    in_tokyo = (now + timedelta(days=3)).astimezone(ZoneInfo("Asia/Tokyo"))  # stored as UTC, compared so
    assert listing_page.EVENTS.all(connection, owner_id=member.id, now=in_tokyo) == []


def test_no_row_is_none_and_an_in_list_is_refused(app):
    connection = db.session.connection()
    assert listing_page.LISTING.first(connection, listing_id=987654) is None
    expanding = PreparedSelect(select(Listing.id).where(Listing.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="IN list"):
        expanding.all(connection, ids=[1])
