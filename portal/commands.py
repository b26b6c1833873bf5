"""`flask --app portal COMMAND`: seed-demo, import-csv, export-csv, reindex (contracts §2, §4)."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.importer.apply import ImportRejected, apply_rows
from portal.importer.csv_io import CsvFileError, read_file, write_csv
from portal.models import Listing
from portal.search.sync import import_indexing, rebuild_index


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(1)


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one batch command.

    Why: an import builds tens of thousands of long-lived objects (rows, parameters, index documents);
    the collector walked the whole growing heap again and again (about a fifth of the importer's CPU),
    and the index workers forked meanwhile inherit the pause. Cycles made meanwhile are few and are
    collected when it ends; reference counting frees everything else as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@click.command("import-csv")
@click.argument("file", type=click.Path(dir_okay=True, path_type=Path))
def import_csv(file: Path) -> None:
    """Add or update listings from a UTF-8 CSV file: all rows or none."""
    with _without_cycle_collection():
        _import_csv(file)


def _import_csv(file: Path) -> None:
    try:
        parsed = read_file(file)
    except CsvFileError as exc:
        _fail([f"error: {exc}", "nothing was imported"])
    for note in parsed.notes:
        click.echo(f"note: {note}", err=True)
    if parsed.errors:
        _report_rejected(file, parsed.errors)
    with click.progressbar(length=len(parsed.rows), label="importing", file=sys.stderr) as bar:
        last = 0

        def advance(done: int) -> None:
            nonlocal last
            bar.update(done - last)
            last = done

        indexing = import_indexing()  # a city with no index yet: built while the rows are written
        try:
            summary = apply_rows(db.session, parsed.rows, progress=advance, hook=indexing)
            if indexing is not None:
                indexing.before_commit(db.session)
            db.session.commit()  # the search index is brought up to date as part of the commit
        except BaseException as exc:
            if indexing is not None:
                indexing.abort()  # all or nothing: no index of rows that were not stored
            _import_failed(file, exc)
    if indexing is not None:
        indexing.publish()
    for line in summary.lines():
        click.echo(line)


def _import_failed(file: Path, exc: BaseException) -> None:
    """Roll back and report why (rows, or the database); anything else is raised again."""
    db.session.rollback()
    if isinstance(exc, ImportRejected):
        _report_rejected(file, exc.errors)
    if isinstance(exc, SQLAlchemyError | OSError):  # a full disk, the database gone: all or nothing still
        _fail([f"error: could not write to the database: {exc.__class__.__name__}: {exc}",
               "nothing was imported"])  # fmt: skip
    raise exc


def _report_rejected(file: Path, errors: list[tuple[int, str]]) -> None:
    lines = [f"{file}: line {line}: {reason}" for line, reason in sorted(errors)]
    rows = len({line for line, _ in errors})
    _fail([*lines, f"{len(errors)} problem(s) on {rows} row(s); nothing was imported"])


@click.command("export-csv")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_csv(file: Path) -> None:
    """Write every public listing to a CSV file that import-csv reads back."""
    query = (
        select(Listing)
        .where(Listing.retired_at.is_(None))
        .order_by(Listing.kind != "member", Listing.id)
        .options(
            selectinload(Listing._targets),
            selectinload(Listing._tags),
            selectinload(Listing._languages),
            selectinload(Listing.organisation),
        )
    )
    # utf-8-sig: Japanese Excel opens a BOM-marked file as UTF-8 instead of Shift_JIS.
    with file.open("w", encoding="utf-8-sig", newline="") as out:
        count = write_csv(db.session.scalars(query), out)
    click.echo(f"exported {count} listings to {file}")


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the fictional demo city (running it twice changes nothing)."""
    from portal.demo.seed import seed_demo as load

    summary = load(db.session)
    db.session.commit()
    for line in summary.lines():
        click.echo(line)


@click.command("seed-demo-if-empty")
def seed_demo_if_empty() -> None:
    """Load the demo city only when the directory has no listings (what `make run` does)."""
    if db.session.scalar(select(Listing.id).limit(1)) is not None:
        click.echo("the directory already has listings; the demo city was not loaded")
        return
    seed_demo.callback()


@click.command("reindex")
def reindex() -> None:
    """Rebuild the search index from the database."""
    with click.progressbar(length=0, label="indexing", file=sys.stderr) as bar:
        count = rebuild_index(progress=lambda n: bar.update(n))
    click.echo(f"indexed {count} listings")


@click.command("prune-changes")
@click.option("--days", default=30, show_default=True, help="keep the search change log this many days")
def prune_changes(days: int) -> None:
    """Delete old rows of the search change log (a server away longer rebuilds its index)."""
    from datetime import timedelta

    from portal.search.changes import prune

    gone = prune(db.session, timedelta(days=days))
    db.session.commit()
    click.echo(f"pruned {gone} search change rows older than {days} days")


def init_app(app: Flask) -> None:
    for command in (import_csv, export_csv, seed_demo, seed_demo_if_empty, reindex, prune_changes):
        app.cli.add_command(command)
