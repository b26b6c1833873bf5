"""Nothing a resident answers is kept: not in logs, the database, cookies or the search index.
And the rules are loaded once, at start: a broken file stops the portal there, naming the line."""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import build_app
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server

from portal import create_app
from portal.demo.seed import seed_demo
from portal.extensions import db
from portal.referral import StripPrivateQueries, strip_private_query
from portal.referral.decide import DEFAULT_RULES_PATH, RulesError

MARKER = f"zzmarker{uuid.uuid4().hex}"
STEPS = ("danger", "who", "ages", "concerns", "consent", "area")
GOOD = {"danger": "no", "who": "neighbour", "ages": "senior,adult", "concerns": "dementia,hikikomori",
        "consent": "unknown", "area": "kita"}  # fmt: skip


def _posts() -> list[list[tuple[str, str]]]:
    """The marker through every step and every branch: as an answer, a hidden field, a step, a change."""
    posts: list[list[tuple[str, str]]] = [[]]
    for i, step in enumerate(STEPS):
        before = [(name, GOOD[name]) for name in STEPS[:i]]
        posts += [
            [*before, ("step", step), ("answer", MARKER)],  # tampered answer
            [*before, (step, MARKER), ("step", STEPS[min(i + 1, 5)])],  # tampered hidden field
            [*before, (step, MARKER), (step, MARKER)],  # repeated hidden field
            [*before, ("step", MARKER), ("answer", MARKER)],  # a step out of order
            [*before, ("step", step), ("dontknow", MARKER)],  # "I don't know" with a strange value
            [*before, ("step", step), ("answer", GOOD[step].split(",")[0]), ("note", MARKER)],  # extra field
            [*GOOD.items(), ("change", step), ("extra", MARKER)],  # changing an answer
        ]
    posts.append([*GOOD.items(), ("area", MARKER)])  # the area twice, once the marker
    posts.append([(k, v) for k, v in GOOD.items() if k != "area"] + [("step", "area"), ("answer", MARKER)])
    posts.append([*GOOD.items()])  # a whole valid result
    posts.append([(k, ("" if k == "area" else v)) for k, v in GOOD.items()] + [("x", MARKER)])
    return posts


@pytest.fixture
def seeded(app):
    seed_demo(db.session)
    db.session.commit()
    return app


@pytest.fixture
def served(seeded):
    server = make_server("127.0.0.1", 0, seeded, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _fetch(url: str, data: list[tuple[str, str]] | None = None) -> int:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(url, data=body, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _everything_stored(app) -> bytes:
    """Every row of every table, the database files, and the search index folder."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                found.append(repr(tuple(row)).encode())
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.drivername.startswith("sqlite") and url.database:
        for path in Path(url.database).parent.glob(Path(url.database).name + "*"):
            found.append(path.read_bytes())
    for path in Path(app.config["PORTAL_INDEX_DIR"]).rglob("*"):
        if path.is_file():
            found.append(path.read_bytes())
    return b"\n".join(found)


def test_a_marker_sent_through_every_branch_is_found_nowhere(seeded, served, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    client = seeded.test_client()
    statuses = set()
    set_cookies = []
    for data in _posts():
        for path in ("/consult", "/consult/counter"):
            response = client.post(path, data=MultiDict(data))
            statuses.add(response.status_code)
            set_cookies += response.headers.getlist("Set-Cookie")
            statuses.add(_fetch(served + path, data))
        statuses.add(
            client.post("/consult", data=MultiDict(data), headers={"HX-Request": "true"}).status_code
        )
    # Through URLs too (a hand-made link): the access log must not keep the query string.
    for query in ({"area": MARKER}, {"concerns": MARKER}, {"who": "self", "area": "kita", "x": MARKER}):
        encoded = urllib.parse.urlencode(query)
        statuses.add(_fetch(f"{served}/api/v1/referral?{encoded}"))
        statuses.add(_fetch(f"{served}/consult?{encoded}"))
        response = client.get(f"/api/v1/referral?{encoded}")
        set_cookies += response.headers.getlist("Set-Cookie")
    assert statuses <= {200, 400, 422}, statuses  # never a 500

    logged = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    assert "/api/v1/referral" in logged and "/consult" in logged  # the access log was captured
    assert MARKER not in logged
    assert not any(MARKER in cookie for cookie in set_cookies)
    assert not any(MARKER in (cookie.value + cookie.key) for cookie in client._cookies.values())
    assert MARKER.encode() not in _everything_stored(seeded)


def test_the_flow_keeps_no_answer_in_a_cookie_and_is_never_cached(seeded) -> None:
    client = seeded.test_client()
    responses = [
        client.get("/consult"),
        client.post("/consult", data=GOOD),
        client.post("/consult/counter", data=GOOD),
        client.get("/api/v1/referral?concerns=care"),
    ]
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers.getlist("Set-Cookie") == []  # no session, no cookie of any kind


def test_forms_post_and_never_push_answers_into_the_url(seeded) -> None:
    from bs4 import BeautifulSoup

    html = seeded.test_client().post("/consult", data={"danger": "no", "who": "self"}).get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    forms = soup.select("form")
    assert forms
    for form in soup.select("#conversation form"):
        assert form["method"] == "post" and "?" not in form["action"]
        assert not form.has_attr("hx-push-url") and not form.has_attr("hx-get")
    assert soup.select_one(".referral[hx-history=false]") is not None


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("GET /api/v1/referral?area=secret HTTP/1.1", "GET /api/v1/referral HTTP/1.1"),
        ("POST /consult?lang=en HTTP/1.1", "POST /consult HTTP/1.1"),
        ("\x1b[31mGET /consult/counter?x=s HTTP/1.1\x1b[0m", "\x1b[31mGET /consult/counter HTTP/1.1\x1b[0m"),
        ("GET /search?q=salon HTTP/1.1", "GET /search?q=salon HTTP/1.1"),
    ],
)  # fmt: skip
def test_access_log_lines_lose_the_query_only_for_the_private_paths(line, kept) -> None:
    assert strip_private_query(line) == kept
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s %s', (line, "200", "-"), None)
    StripPrivateQueries().filter(record)
    assert record.getMessage() == f'"{kept}" 200 -'


# --- the rules, loaded once at start ---------------------------------------------------------------------


def test_a_broken_rules_file_stops_the_app_at_start_naming_the_line(tmp_path) -> None:
    broken = tmp_path / "rules.yaml"
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if row.startswith("  dementia:"))
    broken.write_text(text.replace("dementia:      {window: houkatsu", "dementia:      {window: houkatu"))
    config = {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db'}",
              "PORTAL_INDEX_DIR": str(tmp_path / "index"), "PORTAL_REFERRAL_RULES": str(broken)}  # fmt: skip
    with pytest.raises(RulesError) as caught:
        create_app(config)
    assert f"{broken}:{line}:" in str(caught.value)
    assert "houkatu" in str(caught.value) and "cannot start" in str(caught.value)


def test_a_city_editing_the_rules_changes_the_flow_and_the_api_without_code(
    tmp_path, database_url_for
) -> None:
    edited = tmp_path / "rules.yaml"
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    edited.write_text(
        text.replace("work:          {window: jiritsu", "work:          {window: fukushi_sougou")
    )
    app = build_app(tmp_path, database_url_for(tmp_path), PORTAL_REFERRAL_RULES=str(edited))
    client = app.test_client()
    assert client.get("/api/v1/referral?concerns=work").get_json()["primary"] == "fukushi_sougou"
    answers = {**GOOD, "ages": "adult", "concerns": "work", "area": ""}
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(client.post("/consult", data=answers).get_data(as_text=True), "html.parser")
    assert soup.select_one(".window-card--primary")["data-window"] == "fukushi_sougou"
    with app.app_context():
        db.engine.dispose()
