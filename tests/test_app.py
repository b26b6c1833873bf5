"""The app as a whole: configuration, the empty directory, the home page, errors."""

from __future__ import annotations

import stat

from bs4 import BeautifulSoup

from portal import create_app
from portal.config import load_config


def test_the_secret_key_is_generated_once_and_kept_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 64
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_configuration_comes_from_portal_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", "sqlite:///elsewhere.sqlite3")
    monkeypatch.setenv("PORTAL_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "from-the-environment")
    config = load_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///elsewhere.sqlite3"
    assert config["PORTAL_INDEX_DIR"] == str(tmp_path / "idx")
    assert config["SECRET_KEY"] == "from-the-environment"


def test_defaults_run_on_one_machine_with_nothing_else(tmp_path, monkeypatch):
    for name in ("PORTAL_DATABASE_URL", "PORTAL_INDEX_DIR", "PORTAL_SECRET_KEY", "PORTAL_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert config["PORTAL_INDEX_DIR"].endswith("search_index")
    assert create_app({"SECRET_KEY": "x"}).name == "portal"


def test_an_empty_directory_explains_what_to_do(client):
    response = client.get("/")
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    empty = page.select_one(".empty-state")
    assert empty is not None
    assert "seed-demo" in empty.get_text()
    assert "import-csv" in empty.get_text()


def test_the_home_page_shows_the_demo_city_and_says_it_is_fictional(demo_client):
    response = demo_client.get("/?lang=en")
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one(".demo-notice") is not None
    assert "fictional" in page.select_one(".demo-notice").get_text().lower()
    assert page.select_one("form[role=search]") is not None
    assert page.select_one("#emergency a[href='tel:110']") is not None


def test_a_listing_that_does_not_exist_is_a_helpful_404(demo_client):
    response = demo_client.get("/listings/999999")
    assert response.status_code == 404
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one("a[href='/']") is not None


def test_every_demo_listing_page_renders(demo_app, demo_client):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Listing

    with demo_app.app_context():
        ids = db.session.scalars(select(Listing.id)).all()
    assert len(ids) >= 135
    for listing_id in ids:
        assert demo_client.get(f"/listings/{listing_id}").status_code == 200


def test_each_request_chooses_its_own_language_in_one_app_context(client):
    english = BeautifulSoup(client.get("/?lang=en").get_data(as_text=True), "html.parser")
    brazilian = BeautifulSoup(client.get("/?lang=pt-BR").get_data(as_text=True), "html.parser")
    assert english.html["lang"] == "en"
    assert brazilian.html["lang"] == "pt-BR"
