"""Faults survived: a lost or corrupted index, the database going away, an import killed or out of disk.

(Redis stopped is the member portal's rate limiter, on another branch: tested there.)
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from portal.extensions import db
from portal.models import Listing
from portal.search import service
from portal.search.index import SearchIndex
from portal.search.sync import get_index, rebuild_index
from tests.conftest import build_app

# These tests read the portal's messages in English (the default reader language is Japanese).
pytestmark = pytest.mark.usefixtures("reads_english")

ROOT = Path(__file__).resolve().parent.parent


def wait_until(condition, attempts: int = 200) -> bool:
    """Poll a condition (bounded, about 20 s); the caller asserts the result."""
    for _ in range(attempts):
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def result_names(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [a.get_text(strip=True) for a in soup.select(".result h2 a, .result h3 a")]


@pytest.fixture
def indexed(app, create_listing):
    create_listing(name="見守りサロンあおば", summary="毎週水曜日の体操")
    create_listing(name="子ども食堂ひまわり")
    rebuild_index()
    assert get_index().exists()
    return app


@pytest.fixture
def count_rebuilds(monkeypatch):
    calls = []
    real = service.rebuild_index

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "rebuild_index", counting)
    return calls


# --- the search index lost or corrupted while serving ---------------------------------------------


def test_index_folder_deleted_while_serving_search_answers_from_the_database_and_rebuilds_once(
    indexed, client, count_rebuilds
):
    import shutil

    shutil.rmtree(get_index().path)
    first = client.get("/search", query_string={"q": "ひまわり"})
    second = client.get("/api/v1/search", query_string={"q": "ひまわり"})
    assert first.status_code == 200 and second.status_code == 200
    page = BeautifulSoup(first.get_data(as_text=True), "html.parser")
    assert page.select_one("#search-results .note") is not None  # "simpler matching for now"
    assert [r["name"] for r in second.json["results"]] == ["子ども食堂ひまわり"]
    assert wait_until(lambda: get_index().exists() and not service._rebuilding.locked())
    assert len(count_rebuilds) == 1
    answer = client.get("/search", query_string={"q": "ひまわり"})
    assert BeautifulSoup(answer.get_data(as_text=True), "html.parser").select_one(".note") is None


def test_index_files_corrupted_while_serving_search_still_answers_and_rebuilds(
    indexed, client, count_rebuilds
):
    index = get_index()
    index.close()
    current = index.path / "current"
    for file in current.resolve().iterdir():
        file.write_bytes(b"\x00garbage" * 10)
    SearchIndex.close(index)
    response = client.get("/api/v1/search", query_string={"q": "ひまわり"})
    assert response.status_code == 200
    assert [r["name"] for r in response.json["results"]] == ["子ども食堂ひまわり"]
    assert wait_until(lambda: len(count_rebuilds) == 1 and not service._rebuilding.locked())
    assert get_index().search("ひまわり").total == 1


# --- the database going away -----------------------------------------------------------------------


class TcpProxy:
    """A loopback TCP proxy in front of PostgreSQL: stop() cuts every connection, start() restarts it."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        # shutdown() before close(): it wakes the thread blocked in accept()/select() and sends the FIN
        for sock in [self._listener, *self._conns] if self._listener else list(self._conns):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._listener = None
        with self._lock:
            self._conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._conns += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for src in ready:
                    data = src.recv(65536)
                    if not data:
                        return
                    (b if src is a else a).sendall(data)
        except (OSError, ValueError):
            return
        finally:
            a.close()
            b.close()


def test_database_on_a_port_with_nothing_listening_gives_a_clear_503(tmp_path, unused_tcp_port):
    from portal import create_app

    nothing = f"postgresql+psycopg://postgres@127.0.0.1:{unused_tcp_port}/x"
    index = str(tmp_path / "index")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "PORTAL_TILE_URL": "",
                      "PORTAL_INDEX_DIR": index, "SQLALCHEMY_DATABASE_URI": nothing})  # fmt: skip
    client = app.test_client()
    page = client.get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert soup.select_one("h1.page-title").get_text(strip=True) == "The service is busy or being restarted"
    api = client.get("/api/v1/search", query_string={"q": "サロン", "area": "asahi"})
    assert api.status_code == 503
    assert api.json["error"] == "service_unavailable"


@pytest.fixture
def postgres_url():
    base = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("the database restart test needs PostgreSQL: set PORTAL_TEST_DATABASE_URL (CI does)")
    return base


def test_postgresql_restarted_requests_get_503_then_the_app_recovers_without_a_restart(
    postgres_url, tmp_path, database_url_for, monkeypatch
):
    from portal import pagecache

    # The page cache looks at the database once a second and serves pages kept from before an outage
    # until then; here it looks on every request, so "/" meets the outage at once.
    monkeypatch.setattr(pagecache, "CHECK_SECONDS", 0.0)
    real = sa.engine.make_url(database_url_for(tmp_path))
    proxy = TcpProxy((real.host or "127.0.0.1", real.port or 5432))
    proxy.start()
    try:
        app = build_app(tmp_path, real.set(port=proxy.port).render_as_string(hide_password=False))
        client = app.test_client()
        assert client.get("/").status_code == 200
        assert client.get("/listings/1").status_code == 404  # read on the driver's cursor (models.prepared)
        proxy.stop()  # PostgreSQL goes away: every pooled connection is cut
        assert client.get("/").status_code == 503
        assert client.get("/api/v1/search", query_string={"q": "サロン", "area": "x"}).status_code == 503
        assert client.get("/listings/1").status_code == 503
        proxy.start()  # and comes back on the same address
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/search", query_string={"q": "サロン"}).status_code == 200
        assert client.get("/listings/1").status_code == 404
        with app.app_context():
            db.engine.dispose()
    finally:
        proxy.stop()


# --- an import killed midway, or out of disk ---------------------------------------------------------

KILL_MIDWAY = """
import os, signal, sys
from portal.importer import apply
real = apply.apply_rows
def dying(session, rows, progress=None, **kw):
    def step(done):
        if done >= {after}:
            session.flush()
            os.kill(os.getpid(), signal.SIGKILL)  # the power goes out mid-import
        if progress:
            progress(done)
    return real(session, rows, progress=step, **kw)
import portal.commands
portal.commands.apply_rows = dying
from flask.cli import main

sys.argv = ["flask", "--app", "portal", "import-csv", {file!r}]
main()
"""


def many_rows_csv(path: Path, count: int) -> Path:
    from portal.importer.rows import COLUMNS

    lines = [",".join(COLUMNS)]
    for n in range(count):
        cells = {"kind": "salon", "name": f"追加サロン{n}", "summary": "新しいサロン"}
        lines.append(",".join(cells.get(name, "") for name in COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(app) -> tuple[list[tuple], int]:
    with app.app_context():
        rows = db.session.execute(sa.select(Listing.id, Listing.name).order_by(Listing.id)).all()
        total = get_index().search("サロン", per_page=100).total
        db.session.remove()
    return [tuple(r) for r in rows], total


def test_an_import_killed_midway_leaves_database_and_index_as_before(indexed, tmp_path):
    before = snapshot(indexed)
    file = many_rows_csv(tmp_path / "big.csv", 300)
    env = {**os.environ, "PORTAL_DATABASE_URL": indexed.config["SQLALCHEMY_DATABASE_URI"],
           "PORTAL_INDEX_DIR": indexed.config["PORTAL_INDEX_DIR"], "PORTAL_SECRET_KEY": "k" * 40}  # fmt: skip
    db.session.remove()
    result = subprocess.run([sys.executable, "-c", KILL_MIDWAY.format(after=100, file=str(file))], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == -9, result.stderr[-2000:]
    assert snapshot(indexed) == before
    assert get_index().exists()


def test_an_import_hitting_a_full_disk_in_the_database_changes_nothing(indexed, tmp_path, monkeypatch):
    from sqlalchemy.orm import Session

    before = snapshot(indexed)
    real_flush = Session.flush
    flushes = []

    def full_disk(self, *args, **kwargs):
        flushes.append(1)
        if len(flushes) > 1:
            raise sa.exc.OperationalError("INSERT", {}, OSError(errno.ENOSPC, "database or disk is full"))
        return real_flush(self, *args, **kwargs)

    monkeypatch.setattr(Session, "flush", full_disk)
    result = indexed.test_cli_runner().invoke(args=["import-csv", str(many_rows_csv(tmp_path / "x.csv", 50))])
    monkeypatch.setattr(Session, "flush", real_flush)
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    db.session.remove()
    assert snapshot(indexed) == before


def test_an_index_write_hitting_a_full_disk_leaves_the_index_whole_and_catches_up(
    indexed, client, tmp_path, monkeypatch
):
    before_db, before_index = snapshot(indexed)

    def full_disk(self, ix, ops):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SearchIndex, "_apply", full_disk)
    result = indexed.test_cli_runner().invoke(args=["import-csv", str(many_rows_csv(tmp_path / "y.csv", 3))])
    assert result.exit_code == 0, result.output  # the database took the rows: they are the truth
    assert get_index().search("サロン", per_page=100).total == before_index  # not half-written
    monkeypatch.undo()
    # once there is room again, the change log brings the index up to date on the next search
    assert client.get("/api/v1/search", query_string={"q": "追加サロン2"}).json["total"] >= 1
