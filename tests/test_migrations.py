"""The migrations create exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def test_models_and_migrations_agree(app):
    # The app fixture ran `db upgrade` on this database (PostgreSQL when PORTAL_TEST_DATABASE_URL says so).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ: {differences}"


def test_upgrade_creates_every_table(app):
    tables = set(db.inspect(db.engine).get_table_names())
    assert {
        "area",
        "listing",
        "listing_translation",
        "listing_tag",
        "window_area",
        "alembic_version",
    } <= tables
