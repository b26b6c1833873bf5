"""Serving in production: unsafe configurations refuse to start; gunicorn logs no query strings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from portal import create_app
from portal.production import UnsafeProductionConfig, problems
from tests.conftest import build_app

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 48
POSTGRES = "postgresql+psycopg://portal@db.internal/portal"


def config(**kw) -> dict:
    return {"SECRET_KEY": GOOD_KEY, "DEBUG": False, "SQLALCHEMY_DATABASE_URI": POSTGRES, **kw}


def test_a_well_configured_production_server_has_no_problems():
    assert problems(config(PORTAL_WORKERS="4", PORTAL_SERVERS="3")) == []


@pytest.mark.parametrize("key", ["", "dev", "changeme", "test-secret", "short-but-random-9f2c"])
def test_missing_default_or_short_secret_key_is_refused(key):
    [problem] = problems(config(SECRET_KEY=key))
    assert "PORTAL_SECRET_KEY" in problem


def test_debug_mode_is_refused():
    assert any("debug" in p for p in problems(config(DEBUG=True)))


@pytest.mark.parametrize(("workers", "servers"), [("2", "1"), ("1", "2")])
def test_sqlite_with_several_workers_or_servers_is_refused(workers, servers):
    found = problems(config(SQLALCHEMY_DATABASE_URI="sqlite:////srv/portal.sqlite3",
                            PORTAL_WORKERS=workers, PORTAL_SERVERS=servers))  # fmt: skip
    assert any("SQLite" in p for p in found)


def test_sqlite_with_one_worker_on_one_server_is_allowed():
    assert problems(config(SQLALCHEMY_DATABASE_URI="sqlite:////srv/portal.sqlite3")) == []


def test_create_app_refuses_to_start_in_production_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_WORKERS", "2")
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite3'}")
    monkeypatch.setenv("PORTAL_INDEX_DIR", str(tmp_path / "index"))
    with pytest.raises(UnsafeProductionConfig) as refused:
        create_app()
    assert len(refused.value.problems) == 2  # the key and SQLite across workers
    # and it did not quietly generate a per-server key in the instance folder either
    assert "PORTAL_SECRET_KEY" in refused.value.problems[0]


def test_outside_production_the_defaults_still_run(tmp_path, database_url_for):
    app = build_app(tmp_path, database_url_for(tmp_path), SECRET_KEY="dev", DEBUG=True)
    assert app.test_client().get("/").status_code == 200


def test_gunicorn_access_log_has_no_query_strings(tmp_path, unused_tcp_port):
    env = {**os.environ, "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
           "PORTAL_INDEX_DIR": str(tmp_path / "index"), "PORTAL_SECRET_KEY": GOOD_KEY, "PORTAL_TILE_URL": "",
           "PORTAL_BIND": f"127.0.0.1:{unused_tcp_port}", "PORTAL_WORKERS": "1",
           "PORTAL_ACCESS_LOG": str(tmp_path / "access.log")}  # fmt: skip
    subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"], env=env, check=True,
                   cwd=ROOT, capture_output=True)  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "portal.wsgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{unused_tcp_port}"
        wait_until_up(base)
        with urllib.request.urlopen(f"{base}/search?q=%E5%80%9F%E9%87%91&who=neighbour") as response:
            assert response.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    log = (tmp_path / "access.log").read_text()
    assert '"GET /search HTTP/1.1" 200' in log
    assert "q=" not in log and "%E5" not in log and "neighbour" not in log


def wait_until_up(base: str, attempts: int = 150) -> None:
    for _ in range(attempts):
        try:
            urllib.request.urlopen(base + "/static/js/portal.js", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not start")
