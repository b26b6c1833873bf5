"""`flask --app portal import-csv` and `export-csv` (contracts §2): all rows or none, every reason shown."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.importer.rows import COLUMNS, TOKYO
from portal.models import Area, Listing, SearchChange

HEADER = ",".join(COLUMNS)


def row(**cells) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([cells.get(name, "") for name in COLUMNS])
    return out.getvalue()


def write(tmp_path, text: str, name: str = "listings.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(app, *args):
    return (
        app.test_cli_runner(mix_stderr=False).invoke(args=list(args))
        if _mix_supported()
        else (app.test_cli_runner().invoke(args=list(args)))
    )


def _mix_supported() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def listing_names() -> list[str]:
    return sorted(db.session.scalars(sa.select(Listing.name)))


GOOD = (
    HEADER + "\n"
    + row(kind="member", name="みどり農園", name_kana="みどりのうえん", tags="農業;野菜", targets="anyone")
    + row(kind="menu", name="人参の収穫体験", organisation="みどり農園", tags="農作業",
          hours="毎週火曜 9:00〜11:00")
    + row(kind="salon", name="旭ふれあいサロン", name_kana="あさひふれあいさろん", area="asahi",
          lat="35.08", lng="137.15", targets="senior;anyone", languages="ja;pt")
    + row(kind="window", name="旭地域包括支援センター", window_code="houkatsu", phone="0565-00-1234",
          area="asahi")
    + row(kind="event", name="認知症カフェ特別回", organisation="みどり農園", starts_at="2026-12-01T10:00",
          ends_at="2026-12-01T12:00")
)  # fmt: skip


def test_import_adds_every_kind_and_prints_counts(app, tmp_path):
    result = run(app, "import-csv", write(tmp_path, GOOD))
    assert result.exit_code == 0, result.output
    assert "member: 1 added" in result.stdout
    assert "total: 5 added, 0 updated" in result.stdout
    assert listing_names() == sorted(
        ["みどり農園", "人参の収穫体験", "旭ふれあいサロン", "旭地域包括支援センター", "認知症カフェ特別回"]
    )
    salon = db.session.scalar(sa.select(Listing).where(Listing.name == "旭ふれあいサロン"))
    assert salon.area.code == "asahi"
    assert list(salon.targets) == ["anyone", "senior"]
    assert sorted(salon.languages) == ["ja", "pt"]
    menu = db.session.scalar(sa.select(Listing).where(Listing.kind == "menu"))
    assert menu.organisation.name == "みどり農園"


def test_event_times_without_a_zone_are_japan_time(app, tmp_path):
    run(app, "import-csv", write(tmp_path, GOOD))
    event = db.session.scalar(sa.select(Listing).where(Listing.kind == "event"))
    assert event.starts_at.isoformat() == "2026-12-01T01:00:00+00:00"


def test_importing_the_same_file_twice_updates_instead_of_duplicating(app, tmp_path):
    path = write(tmp_path, GOOD)
    run(app, "import-csv", path)
    changed = GOOD.replace("毎週火曜 9:00〜11:00", "毎週木曜 9:00〜11:00")
    result = run(app, "import-csv", write(tmp_path, changed, "changed.csv"))
    assert result.exit_code == 0, result.output
    assert "menu: 0 added, 1 updated" in result.stdout
    assert "total: 0 added, 1 updated" in result.stdout
    assert len(listing_names()) == 5


def test_a_menu_in_a_later_file_belongs_to_the_member_already_stored(app, tmp_path):
    run(app, "import-csv", write(tmp_path, HEADER + "\n" + row(kind="member", name="みどり農園")))
    later = HEADER + "\n" + row(kind="menu", name="人参の収穫体験", organisation="みどり農園")
    result = run(app, "import-csv", write(tmp_path, later, "menus.csv"))
    assert result.exit_code == 0, result.output
    menu = db.session.scalar(sa.select(Listing).where(Listing.name == "人参の収穫体験"))
    assert menu.organisation is not None and menu.organisation.name == "みどり農園"


def test_a_bom_written_by_excel_is_accepted(app, tmp_path):
    result = run(app, "import-csv", write(tmp_path, "\ufeff" + GOOD))
    assert result.exit_code == 0, result.output


def test_a_shift_jis_file_from_japanese_excel_is_read_with_a_note(app, tmp_path):
    result = run(app, "import-csv", write(tmp_path, GOOD, encoding="cp932"))
    assert result.exit_code == 0, result.output
    assert "Shift_JIS" in result.stderr
    assert "旭ふれあいサロン" in listing_names()


BAD_ROWS = [
    (row(kind="shop", name="x"), "unknown kind 'shop'"),
    (row(kind="menu", name="畑しごと", organisation="存在しない会"), "unknown organisation '存在しない会'"),
    (row(kind="window", name="窓口", window_code="police"), "unknown window_code 'police'"),
    (row(kind="salon", name="s", lat="north", lng="137"), "lat 'north' is not a number"),
    (row(kind="salon", name="s", lat="95", lng="137"), "lat 95.0 is outside"),
    (
        row(kind="event", name="e", organisation="みどり農園", starts_at="来週"),
        "starts_at '来週' is not an ISO 8601",
    ),
    (row(kind="event", name="e", organisation="みどり農園"), "an event needs starts_at"),
    (row(kind="salon", name=""), "name is empty"),
    (row(kind="salon", name="s", targets="elderly"), "unknown target 'elderly'"),
    (row(kind="salon", name="s", email="not-an-address"), "email 'not-an-address' is not an e-mail address"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_ROWS, ids=[reason for _, reason in BAD_ROWS])
def test_a_bad_row_is_reported_with_its_line_and_nothing_changes(app, tmp_path, bad, reason):
    run(
        app, "import-csv", write(tmp_path, HEADER + "\n" + row(kind="member", name="みどり農園"), "first.csv")
    )
    before = listing_names()
    text = HEADER + "\n" + row(kind="salon", name="良いサロン") + bad
    result = run(app, "import-csv", write(tmp_path, text))
    assert result.exit_code == 1
    assert f"line 3: {reason}" in result.stderr
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.output
    assert listing_names() == before


def test_every_bad_row_is_reported_not_just_the_first(app, tmp_path):
    text = (
        HEADER
        + "\n"
        + row(kind="shop", name="a")
        + row(kind="salon", name="ok")
        + row(kind="window", name="w")
    )
    result = run(app, "import-csv", write(tmp_path, text))
    assert result.exit_code == 1
    assert "line 2: unknown kind 'shop'" in result.stderr
    assert "line 4: a window needs a window_code" in result.stderr
    assert listing_names() == []


def test_duplicate_listings_in_one_file_are_refused(app, tmp_path):
    text = HEADER + "\n" + row(kind="salon", name="同じ") + row(kind="salon", name="同じ")
    result = run(app, "import-csv", write(tmp_path, text))
    assert result.exit_code == 1
    assert "line 3: the same salon '同じ' is already on line 2" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("kind,name,kind\nsalon,a,salon\n", "the column 'kind' appears twice"),
        ("name,summary\nA,B\n", "required column(s) missing: kind"),
        ("%PDF-1.4 binary\x00\x01\x02", "not a CSV text file"),
        ("hello world\nthis is a letter\n", "does not look like a directory CSV"),
        (HEADER + "\n", "no listings"),
    ],
    ids=["empty", "duplicated-header", "missing-column", "binary", "not-csv", "header-only"],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(app, tmp_path, content, message):
    result = run(app, "import-csv", write(tmp_path, content))
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_file_gets_a_clear_message(app, tmp_path):
    result = run(app, "import-csv", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_export_then_import_into_an_empty_database_gives_the_same_listings(app, tmp_path):
    run(app, "import-csv", write(tmp_path, GOOD))
    risky = (
        HEADER + "\n" + row(kind="salon", name='=HYPERLINK("http://evil")', summary="+81 で始まる", hours="-")
    )
    run(app, "import-csv", write(tmp_path, risky, "risky.csv"))
    exported = tmp_path / "export.csv"
    result = run(app, "export-csv", str(exported))
    assert result.exit_code == 0, result.output
    text = exported.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text  # a spreadsheet shows it as text instead of running it
    original = _snapshot()

    db.session.execute(sa.delete(Listing).where(Listing.organisation_id.is_not(None)))
    db.session.execute(sa.delete(Listing))
    db.session.execute(sa.delete(Area))
    db.session.commit()
    assert listing_names() == []
    result = run(app, "import-csv", str(exported))
    assert result.exit_code == 0, result.output
    assert _snapshot() == original


def _snapshot():
    listings = db.session.scalars(sa.select(Listing).order_by(Listing.kind, Listing.name))
    return [
        (
            x.kind, x.name, x.name_kana, x.summary, x.hours, x.lat, x.lng, x.window_code,
            x.organisation.name if x.organisation else None, x.area.code if x.area else None,
            sorted(x.targets), sorted(x.tags), sorted(x.languages), x.starts_at, x.ends_at,
        )
        for x in listings
    ]  # fmt: skip


def test_the_search_index_is_current_when_the_import_returns(app, tmp_path):
    result = run(app, "import-csv", write(tmp_path, GOOD))
    assert result.exit_code == 0, result.output
    index = app.extensions["search_index"]
    found = index.search("ふれあいサロン")
    assert [hit.id for hit in found.hits] == [
        db.session.scalar(sa.select(Listing.id).where(Listing.name == "旭ふれあいサロン"))
    ]
    changed = GOOD.replace("旭ふれあいサロン", "旭いきいきサロン")
    run(app, "import-csv", write(tmp_path, changed, "changed.csv"))
    assert index.search("いきいき").total == 1


def test_a_failed_import_leaves_the_index_as_it_was(app, tmp_path):
    run(app, "import-csv", write(tmp_path, GOOD))
    index = app.extensions["search_index"]
    before = index.search("").total
    bad = HEADER + "\n" + row(kind="salon", name="新しいサロン") + row(kind="shop", name="x")
    assert run(app, "import-csv", write(tmp_path, bad, "bad.csv")).exit_code == 1
    assert index.search("").total == before
    assert index.search("新しいサロン").total == 0


def test_link_rows_reach_their_columns_whatever_order_they_are_given_in(app, create_listing):
    from portal.importer.apply import _insert_pairs
    from portal.models import ListingTag

    listing = create_listing("salon", name="順番のテスト")
    _insert_pairs(db.session, ListingTag.__table__, ("tag", "listing_id"), [("体操", listing.id)])
    _insert_pairs(db.session, ListingTag.__table__, ("listing_id", "tag"), [(listing.id, "お茶会")])
    db.session.commit()
    db.session.expire_all()
    assert sorted(db.session.get(Listing, listing.id).tags) == ["お茶会", "体操"]


def test_cycle_collection_is_paused_during_an_import_and_back_after_it(app, tmp_path, monkeypatch):
    import gc

    import portal.commands as commands

    seen: list[bool] = []
    apply_rows = commands.apply_rows

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return apply_rows(*args, **kwargs)

    monkeypatch.setattr(commands, "apply_rows", spy)
    assert gc.isenabled()
    assert run(app, "import-csv", write(tmp_path, GOOD)).exit_code == 0
    assert gc.isenabled()
    bad = HEADER + "\n" + row(kind="salon", name="新しいサロン") + row(kind="shop", name="x")
    assert run(app, "import-csv", write(tmp_path, bad, "bad.csv")).exit_code == 1
    assert gc.isenabled()
    assert seen == [False]


def test_rows_written_in_one_statement_keep_their_own_times(app):
    """UTCDateTime remembers its last conversion (a bulk INSERT repeats one time object): another
    time, even an equal one in another zone, is converted for itself."""
    first = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    same_moment_elsewhere = first.astimezone(TOKYO)
    later = datetime(2026, 12, 1, 10, 0, 1, tzinfo=UTC)
    times = [first, first, later, same_moment_elsewhere, first]
    rows = [{"listing_id": n, "changed_at": when} for n, when in enumerate(times)]
    db.session.execute(sa.insert(SearchChange), rows)
    stored = db.session.execute(sa.select(SearchChange.changed_at).order_by(SearchChange.listing_id))
    assert [when for (when,) in stored] == [first, first, later, first, first]
