"""Two app servers on one PostgreSQL, each with its own index: an edit through one is found on the other."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.importer.rows import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.slow]
SHARED_KEY = "several-servers-share-one-key-" + "x" * 16


def csv_file(path: Path, *rows: dict) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for cells in rows:
        writer.writerow([cells.get(name, "") for name in COLUMNS])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def shared_database(worker_id):
    base = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("several servers need PostgreSQL: set PORTAL_TEST_DATABASE_URL (CI does)")
    url = sa.engine.make_url(base).set(drivername="postgresql+psycopg")
    url = url.set(database=f"{url.database}_servers_{worker_id}")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One app server: gunicorn on a loopback port with its own index folder."""

    def __init__(self, database_url: str, index_dir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "PORTAL_INDEX_DIR": str(index_dir),
                    "PORTAL_SECRET_KEY": SHARED_KEY, "PORTAL_TILE_URL": "", "PORTAL_WORKERS": "1",
                    "PORTAL_BIND": f"127.0.0.1:{self.port}", "PORTAL_ACCESS_LOG": "/dev/null"}  # fmt: skip
        self.process: subprocess.Popen | None = None

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "portal.wsgi:app"],
            env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def names(self, q: str) -> list[str]:
        url = f"{self.base}/api/v1/search?{urllib.parse.urlencode({'q': q})}"
        with urllib.request.urlopen(url, timeout=10) as response:
            import json

            return [result["name"] for result in json.load(response)["results"]]

    def wait_for(self, q: str, expected: list[str], attempts: int = 100) -> list[str]:
        """Search until the expected names come back (bounded: about 20 s), or return the last answer."""
        found: list[str] = []
        for _ in range(attempts):
            try:
                found = self.names(q)
            except OSError:
                found = []
            if found == expected:
                return found
            time.sleep(0.2)
        return found


def test_an_import_through_one_server_is_searchable_on_the_other(shared_database, tmp_path):
    one = Server(shared_database, tmp_path / "index-one")
    two = Server(shared_database, tmp_path / "index-two")
    assert one.flask("db", "upgrade").returncode == 0
    first = one.flask(
        "import-csv", str(csv_file(tmp_path / "a.csv", {"kind": "salon", "name": "見守りサロンあおば"}))
    )
    assert first.returncode == 0, first.stderr
    one.start()
    two.start()
    try:
        # both servers start with empty index folders and build them from the database
        assert one.wait_for("あおば", ["見守りサロンあおば"]) == ["見守りサロンあおば"]
        assert two.wait_for("あおば", ["見守りサロンあおば"]) == ["見守りサロンあおば"]
        # an editor on server one imports a new listing and renames the old one
        edit = one.flask("import-csv", str(csv_file(
            tmp_path / "b.csv",
            {"kind": "salon", "name": "見守りサロンあおば", "summary": "毎週水曜日のひまわり体操"},
            {"kind": "place", "name": "子ども食堂こもれび"},
        )))  # fmt: skip
        assert edit.returncode == 0, edit.stderr
        assert two.wait_for("こもれび", ["子ども食堂こもれび"]) == ["子ども食堂こもれび"]
        assert two.wait_for("ひまわり", ["見守りサロンあおば"]) == ["見守りサロンあおば"]
        # server two answered from its own index, which now remembers the newest change
        state = (tmp_path / "index-two" / "applied_change.json").read_text()
        engine = sa.create_engine(shared_database)
        with engine.connect() as conn:
            newest = conn.scalar(sa.text("SELECT max(id) FROM search_change"))
        engine.dispose()
        assert f'"applied": {newest}' in state
    finally:
        one.stop()
        two.stop()
