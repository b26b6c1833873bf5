"""Hypothesis-made CSV files: random cells, CP932, formula-looking cells. Never a traceback:
either the rows are read, or every problem is reported with its line number."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.importer.csv_io import CsvFileError, decode, parse_text, read_file
from portal.importer.rows import COLUMNS
from portal.models import KINDS, TARGETS

JAPANESE = "あいうえおかきサロン見守り食堂介護高齢者ー〜①髙﨑"
TRICKY = ",\"'\n\r\t =+-@;:/\\%_0123456789.eE"
cell = st.text(
    alphabet=st.sampled_from(JAPANESE + TRICKY + "abcXYZ") | st.characters(codec="utf-8"), max_size=30
)
formula = st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'=", "'+"]).flatmap(
    lambda start: st.text(alphabet="SUM(A1)+HYPERLINK\"cmd|' /C calc'!A0", max_size=20).map(start.__add__)
)


@st.composite
def listing_row(draw) -> dict[str, str]:
    row = {
        name: draw(st.one_of(st.just(""), cell, formula)) for name in draw(st.sets(st.sampled_from(COLUMNS)))
    }
    row["kind"] = draw(st.sampled_from(KINDS) | cell)
    row["name"] = draw(st.sampled_from(["見守りサロン", "子ども食堂"]) | cell | formula)
    if draw(st.booleans()):
        row["targets"] = ";".join(draw(st.lists(st.sampled_from(TARGETS) | cell, max_size=3)))
    return row


@st.composite
def csv_text(draw) -> str:
    header = draw(st.permutations(COLUMNS))[: draw(st.integers(2, len(COLUMNS)))]
    if "kind" not in header:
        header.append("kind")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    for row in draw(st.lists(listing_row(), min_size=1, max_size=6)):
        writer.writerow([row.get(name, "") for name in header])
    text = out.getvalue()
    if draw(st.booleans()):  # a file cut off, or with stray text at the end
        text = text[: draw(st.integers(1, len(text)))] + draw(st.sampled_from(["", '"', "\n,,,", "\x00"]))
    return text


def assert_answered(parsed) -> None:
    assert parsed.rows or parsed.errors
    for line, reason in parsed.errors:
        assert isinstance(line, int) and line >= 1
        assert isinstance(reason, str) and reason
    for line, _row in parsed.rows:
        assert line >= 2


@settings(max_examples=200, deadline=None)
@given(csv_text())
def test_random_files_are_read_or_reported_line_by_line(text):
    try:
        parsed = parse_text(text)
    except CsvFileError as exc:
        assert str(exc)
        return
    assert_answered(parsed)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_are_decoded_or_refused_with_a_reason(data):
    try:
        text, _note = decode(data)
        parse_text(text)
    except CsvFileError as exc:
        assert str(exc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(listing_row(), min_size=1, max_size=4))
def test_cp932_files_read_like_the_same_file_in_utf8(tmp_path, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(name, "") for name in COLUMNS])
    text = out.getvalue()
    try:
        data = text.encode("cp932")
    except UnicodeEncodeError:
        return  # not every character has a Shift_JIS code: Excel would not have saved this file either
    (tmp_path / "sjis.csv").write_bytes(data)
    (tmp_path / "utf8.csv").write_bytes(text.encode("utf-8-sig"))
    try:
        as_sjis = read_file(tmp_path / "sjis.csv")
    except CsvFileError:
        try:
            read_file(tmp_path / "utf8.csv")
        except CsvFileError:
            return
        raise
    as_utf8 = read_file(tmp_path / "utf8.csv")
    assert [(line, row.name) for line, row in as_sjis.rows] == [
        (line, row.name) for line, row in as_utf8.rows
    ]
    assert as_sjis.errors == as_utf8.errors


@settings(max_examples=60, deadline=None)
@given(formula)
def test_formula_looking_names_come_back_as_plain_text(name):
    out = io.StringIO()
    # QUOTE_ALL as Excel would: Python's minimal quoting leaves a lone CR unquoted with a LF terminator
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(
        [["kind", "name"], ["salon", "'" + name]]
    )
    parsed = parse_text(out.getvalue())
    if parsed.rows and name.strip() and name[0] in "=+-@\t\r":
        assert parsed.rows[0][1].name == name.strip() or parsed.rows[0][1].name == name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])  # fmt: skip
@given(text=csv_text(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
def test_the_import_command_never_shows_a_traceback(app, tmp_path, text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["import-csv", str(path)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert "nothing was imported" in result.output
