"""Fixtures: an app on a temporary database and index, listing factories, and whole-app guards.

Set PORTAL_TEST_DATABASE_URL to a PostgreSQL URL to run the suite against PostgreSQL (each pytest-xdist
worker gets its own database); the default is a SQLite file per test.
"""

from __future__ import annotations

import os
import socket
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

os.environ["FLASK_SKIP_DOTENV"] = "1"

from portal import create_app  # noqa: E402  (after FLASK_SKIP_DOTENV: tests never read a developer's .env)
from portal.extensions import db  # noqa: E402
from portal.models import LISTING_CLASSES, Area  # noqa: E402

FIXED_TODAY = date(2026, 11, 23)


# --- guards -----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail on any connection that leaves this machine (Indico's disallow_emails, for the network)."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


class CheckedClient(FlaskClient):
    """A test client that checks every HTML page it fetches: a title, unique ids, forms with an action.

    `reader_language` (set by the `reads_english` fixture) is sent as Accept-Language when a test does not
    choose one, for tests that read the portal's messages in English."""

    reader_language: str | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.reader_language:  # a header a request sets itself still wins
            self.environ_base["HTTP_ACCEPT_LANGUAGE"] = self.reader_language

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and response.status_code != 304:
            check_html(
                response.get_data(as_text=True), fragment=bool(response.request.headers.get("HX-Request"))
            )
        return response


@pytest.fixture
def reads_english(monkeypatch):
    """Requests read in English unless they choose a language (the portal's default is Japanese)."""
    monkeypatch.setattr(CheckedClient, "reader_language", "en")


def check_html(html: str, *, fragment: bool = False) -> None:
    soup = BeautifulSoup(html, "html.parser")
    if not fragment:
        assert soup.title and soup.title.get_text(strip=True), "page has no <title>"
        assert soup.html and soup.html.get("lang"), "<html> has no lang"
    ids = Counter(tag["id"] for tag in soup.find_all(id=True))
    duplicated = [name for name, count in ids.items() if count > 1]
    assert not duplicated, f"duplicate ids: {duplicated}"
    for form in soup.find_all("form"):
        assert form.get("action") is not None, f"form without action: {str(form)[:120]}"


# --- databases ------------------------------------------------------------------------------------------


def _postgres_url(name_suffix: str) -> str | None:
    base = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        return None
    url = sa.engine.make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"{url.database}_{name_suffix}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _fresh_database(tmp: Path, pg: str | None) -> str:
    if pg:
        engine = sa.create_engine(pg)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        return pg
    return f"sqlite:///{tmp / 'portal.sqlite3'}"


@pytest.fixture(scope="session")
def database_url_for(worker_id):
    """A fresh, empty database for one test (PostgreSQL: one database per xdist worker, emptied)."""
    pg = _postgres_url(worker_id)
    return lambda tmp: _fresh_database(tmp, pg)


@pytest.fixture(scope="session")
def demo_database_url_for(worker_id):
    """The demo city's own database, so that tests emptying theirs never touch it."""
    pg = _postgres_url(f"{worker_id}_demo")
    return lambda tmp: _fresh_database(tmp, pg)


def build_app(tmp: Path, database_url: str, **overrides):
    from flask_migrate import upgrade

    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PORTAL_INDEX_DIR": str(tmp / "index"),
        "PORTAL_TILE_URL": "",  # never fetch map tiles in tests
        "WTF_CSRF_ENABLED": False,
        **overrides,
    }
    app = create_app(config)
    app.test_client_class = CheckedClient
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def app(tmp_path, database_url_for):
    app = build_app(tmp_path, database_url_for(tmp_path))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory, demo_database_url_for):
    """An app with the demo city loaded, shared by read-only tests (one per worker)."""
    from portal.demo.seed import seed_demo

    tmp = tmp_path_factory.mktemp("demo")
    app = build_app(tmp, demo_database_url_for(tmp))
    with app.app_context():
        seed_demo(db.session, today=FIXED_TODAY)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo_client(demo_app):
    with demo_app.app_context():
        yield demo_app.test_client()
        db.session.remove()


# --- factories ----------------------------------------------------------------------------------------------


@pytest.fixture
def create_area(app):
    def make(code: str = "asahi", name: str = "旭中学校区", **kw) -> Area:
        area = db.session.scalar(sa.select(Area).where(Area.code == code))
        if area is None:
            area = Area(code=code, name=name, **kw)
            db.session.add(area)
            db.session.commit()
        return area

    return make


@pytest.fixture
def create_listing(app):
    """create_listing(kind="salon", name=..., tags=[...], ...) → a committed listing."""
    counter = iter(range(1, 10_000))

    def make(kind: str = "salon", **kw):
        lists = {name: kw.pop(name) for name in ("targets", "tags", "languages") if name in kw}
        kw.setdefault("name", f"テストサロン{next(counter)}")
        listing = LISTING_CLASSES[kind](kind=kind, **kw)
        for name, values in lists.items():
            setattr(listing, name, values)
        db.session.add(listing)
        db.session.commit()
        return listing

    return make


# --- browsers ---------------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def live_server(demo_app):
    """The demo city served on a free loopback port for the browser tests."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A page the size of a small phone (360 × 740), in Japanese."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="ja-JP", device_scale_factor=1
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- member portal ---------------------------------------------------------------------------

MEMBER_PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2's real cost (~140 ms a hash) would dominate the member tests; the code path is the same."""
    from argon2 import PasswordHasher

    from portal.members import security

    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def create_user(app):
    """create_user(role="member", organisation=listing) → a committed user with MEMBER_PASSWORD."""
    from portal.members.security import hash_password
    from portal.models import User

    counter = iter(range(1, 10_000))
    password_hash = hash_password(MEMBER_PASSWORD)

    def make(role: str = "member", organisation=None, email: str | None = None, **kw):
        user = User(
            email=email or f"{role}{next(counter)}@example.org", role=role, password_hash=password_hash,
            organisation_id=organisation.id if organisation else None, **kw,
        )  # fmt: skip
        if role == "coordinator":
            import pyotp

            user.totp_secret, user.totp_confirmed = pyotp.random_base32(), True
        db.session.add(user)
        db.session.commit()
        return user

    return make


def sign_in(client, user, password: str = MEMBER_PASSWORD, next_url: str | None = None):
    """Sign in through the real forms (with the coordinator's TOTP step); returns the last response."""
    import pyotp

    query = {"next": next_url} if next_url else {}
    data = {"email": user.email, "password": password}
    response = client.post("/members/sign-in", query_string=query, data=data)
    if user.role == "coordinator" and response.status_code == 302 and "two-factor" in response.location:
        code = pyotp.TOTP(user.totp_secret).now()
        response = client.post(response.location, data={"code": code})
    return response


# --- production helpers (issue 9) -----------------------------------------------------------------------


@pytest.fixture
def unused_tcp_port() -> int:
    """A free loopback port for a server subprocess."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
