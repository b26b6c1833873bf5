"""`seed-demo`: a fictional city rich enough to use and to test with, loaded idempotently."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from portal.demo.seed import seed_demo
from portal.extensions import db
from portal.models import WINDOW_CODES, Area, Listing, ListingTranslation
from tests.conftest import FIXED_TODAY


def kinds() -> Counter:
    return Counter(db.session.scalars(sa.select(Listing.kind)))


def test_the_demo_city_has_enough_of_everything(app):
    seed_demo(db.session, today=FIXED_TODAY)
    db.session.commit()
    counts = kinds()
    assert counts["salon"] >= 20
    assert counts["place"] >= 20
    assert counts["member"] >= 30
    assert counts["menu"] >= 40
    assert counts["event"] >= 15
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Area)) >= 8
    codes = set(db.session.scalars(sa.select(Listing.window_code).where(Listing.kind == "window")))
    assert codes == set(WINDOW_CODES)
    langs = set(db.session.scalars(sa.select(ListingTranslation.lang)))
    assert {"en", "pt-BR", "ja-easy"} <= langs


def test_demo_events_fall_in_the_next_60_days(app):
    seed_demo(db.session, today=FIXED_TODAY)
    db.session.commit()
    for event in db.session.scalars(sa.select(Listing).where(Listing.kind == "event")):
        day = event.starts_at.date()
        assert FIXED_TODAY <= day <= FIXED_TODAY + timedelta(days=60), event.name


def test_running_seed_demo_twice_changes_nothing(app):
    seed_demo(db.session, today=FIXED_TODAY)
    db.session.commit()
    before = {(x.id, x.kind, x.name, x.updated_at) for x in db.session.scalars(sa.select(Listing))}
    summary = seed_demo(db.session, today=FIXED_TODAY)
    db.session.commit()
    after = {(x.id, x.kind, x.name, x.updated_at) for x in db.session.scalars(sa.select(Listing))}
    assert sum(summary.added.values()) == 0
    assert sum(summary.updated.values()) == 0
    assert before == after


def test_seed_demo_command_loads_the_city(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "total:" in result.output
    assert kinds()["salon"] >= 20
