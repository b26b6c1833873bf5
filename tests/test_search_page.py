"""The search page, its htmx fragment and the JSON API, as a person and a script use them (contracts §3)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.search import service
from portal.search.sync import get_index

# These tests read the portal's messages in English (the default reader language is Japanese).
pytestmark = pytest.mark.usefixtures("reads_english")

HX = {"HX-Request": "true"}


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def result_names(soup: BeautifulSoup) -> list[str]:
    return [a.get_text(strip=True) for a in soup.select(".results .result__name a")]


# --- the page and the fragment ---------------------------------------------------------------------


def test_hiragana_search_finds_the_katakana_salon_with_the_match_marked(client, create_listing):
    create_listing("salon", name="イキイキ体操サロン", summary="体を動かします")
    create_listing("salon", name="手芸の会")
    soup = soup_of(client.get("/search?q=いきいき"))
    assert result_names(soup) == ["イキイキ体操サロン"]
    assert [m.get_text() for m in soup.select(".result__name mark")] == ["イキイキ"]
    assert soup.select_one("#search-q")["value"] == "いきいき"
    assert soup.select_one("link[href$='css/search.css']") is not None


def test_the_htmx_fragment_has_only_results_and_an_announced_count(client, create_listing):
    create_listing("salon", name="ふれあいサロン")
    response = client.get("/search?q=サロン", headers=HX)
    soup = soup_of(response)
    assert soup.select_one("html") is None and soup.select_one("form.search-box") is None
    assert soup.select_one("[aria-live=polite]").get_text(strip=True) == "1 result"
    assert "HX-Request" in response.headers["Vary"]
    page = client.get("/search?q=サロン")
    assert "HX-Request" in page.headers["Vary"]
    form = soup_of(page).select_one("form.search-box")
    assert form["method"] == "get" and form["hx-push-url"] == "true" and form["hx-get"] == form["action"]


def test_facet_counts_per_kind_target_and_area_are_links_that_filter(client, create_listing, create_area):
    asahi = create_area("asahi", "旭中学校区")
    create_listing("salon", name="旭ふれあいサロン", targets=["senior"], area=asahi)
    create_listing("salon", name="北ふれあいサロン", targets=["senior", "anyone"])
    create_listing("place", name="ふれあい食堂", targets=["child"])
    soup = soup_of(client.get("/search?q=ふれあい"))
    counts = {
        (a["data-facet"], a["data-value"]): int(a.select_one(".facet__count").get_text())
        for a in soup.select("a.facet__link[data-facet]")
    }
    assert counts[("kind", "salon")] == 2 and counts[("kind", "place")] == 1
    assert counts[("target", "senior")] == 2 and counts[("target", "child")] == 1
    assert counts[("area", "asahi")] == 1
    salon_link = soup.select_one("a[data-facet=kind][data-value=salon]")
    assert salon_link["href"] == salon_link["hx-get"]
    filtered = soup_of(client.get(salon_link["href"]))  # the same link without JavaScript
    assert sorted(result_names(filtered)) == ["北ふれあいサロン", "旭ふれあいサロン"]
    assert filtered.select_one("#search-kind option[selected]")["value"] == "salon"
    # with htmx the fragment brings the filter selects along, so the form keeps the facet chosen
    oob = soup_of(client.get(salon_link["href"], headers=HX)).select_one("#search-filters[hx-swap-oob]")
    assert oob.select_one("#search-kind option[selected]")["value"] == "salon"


def test_filters_combine_with_text(client, create_listing, create_area):
    asahi = create_area("asahi", "旭中学校区")
    create_listing("salon", name="旭ふれあいサロン", targets=["senior"], area=asahi)
    create_listing("salon", name="北ふれあいサロン", targets=["child"])
    create_listing("place", name="旭ふれあい食堂", targets=["senior"], area=asahi)
    soup = soup_of(client.get("/search?q=ふれあい&kind=salon&area=asahi&target=senior"))
    assert result_names(soup) == ["旭ふれあいサロン"]


def test_pages_have_numbers_and_keep_the_query_and_filters(client, create_listing):
    for n in range(45):
        create_listing("salon", name=f"体操サロン{n:02d}")
    soup = soup_of(client.get("/search?q=体操&kind=salon&page=2"))
    links = soup.select(".pagination a.pagination__link")
    assert [a.get_text(strip=True) for a in links if a.get_text(strip=True).isdigit()] == ["1", "2", "3"]
    assert soup.select_one(".pagination [aria-current=page]").get_text(strip=True) == "2"
    assert len(soup.select(".results .result")) == 20
    assert soup.select_one(".results")["start"] == "21"
    nxt = soup.select_one(".pagination a[rel=next]")["href"]
    assert "page=3" in nxt and "kind=salon" in nxt and "q=" in nxt
    last = soup_of(client.get(nxt))
    assert len(last.select(".results .result")) == 5


@pytest.mark.parametrize("page", ["99", "abc", "-3", "0", "1e9", "９", ""])
def test_a_page_past_the_end_or_not_a_number_still_answers(client, create_listing, page):
    for n in range(25):
        create_listing("salon", name=f"体操サロン{n:02d}")
    response = client.get("/search", query_string={"q": "体操", "page": page})
    assert response.status_code == 200
    assert soup_of(response).select(".results .result")


def test_unknown_filters_are_ignored_with_a_visible_note(client, create_listing):
    create_listing("salon", name="ふれあいサロン")
    soup = soup_of(client.get("/search?q=サロン&kind=castle&area=atlantis&target=aliens"))
    notes = {p["data-ignored"]: p.get_text() for p in soup.select("[data-ignored]")}
    assert set(notes) == {"kind", "area", "target"}
    assert "castle" in notes["kind"] and "atlantis" in notes["area"]
    assert result_names(soup) == ["ふれあいサロン"]


def test_zero_results_is_not_a_dead_end(client, create_listing):
    create_listing("salon", name="カラオケ教室", tags=["カラオケ"])
    create_listing("window", name="福祉総合相談窓口", window_code="fukushi_sougou")
    soup = soup_of(client.get("/search?q=カラオキ"))
    assert soup.select_one(".no-results") is not None
    suggestion = soup.select_one("a.suggestion")
    assert suggestion.get_text() == "カラオケ"
    assert result_names(soup_of(client.get(suggestion["href"]))) == ["カラオケ教室"]
    windows = soup_of(client.get(soup.select_one("a[data-next=windows]")["href"]))
    assert "福祉総合相談窓口" in windows.select_one("main").get_text()


def test_an_empty_directory_explains_instead_of_showing_nothing(client):
    soup = soup_of(client.get("/search"))
    assert soup.select_one(".no-results a[data-next=windows]") is not None


def test_script_in_a_listing_name_and_in_the_query_is_shown_as_text(client, create_listing):
    create_listing(
        "salon", name="<script>alert(1)</script>サロン", summary="<img src=x onerror=alert(1)>体操"
    )
    for q in ("サロン", "<script>alert(1)</script>", "体操 <b>"):
        response = client.get("/search", query_string={"q": q})
        soup = soup_of(response)
        assert soup.select("main script") == [] and soup.select("main img") == []
        assert soup.select_one("#search-q")["value"] == q
    soup = soup_of(client.get("/search?q=サロン"))
    assert "<script>alert(1)</script>サロン" in result_names(soup)[0]


def test_results_come_in_the_language_of_the_request(demo_client):
    soup = soup_of(demo_client.get("/search?q=地域包括支援センター&lang=en"))
    names = soup.select(".results .result__name a")
    assert names and all(a["lang"] == "en" for a in names[:3])
    assert "Community Comprehensive Support Center" in names[0].get_text()
    api = demo_client.get("/api/v1/search?q=地域包括支援センター&lang=en").get_json()
    assert "Community Comprehensive Support Center" in api["results"][0]["name"]


# --- the API -------------------------------------------------------------------------------------------


def test_api_answers_the_contract_shape(client, create_listing):
    salon = create_listing("salon", name="ふれあいサロン", summary="お茶とおしゃべり")
    body = client.get("/api/v1/search?q=ふれあい").get_json()
    assert body["total"] == 1
    (row,) = body["results"]
    assert row["id"] == salon.id and row["kind"] == "salon" and row["name"] == "ふれあいサロン"
    assert row["summary"] == "お茶とおしゃべり" and row["url"].endswith(f"/listings/{salon.id}")


@pytest.mark.parametrize(
    ("query", "param", "value"),
    [("kind=castle", "kind", "castle"), ("area=atlantis", "area", "atlantis"),
     ("target=aliens", "target", "aliens"), ("page=abc", "page", "abc")],
)  # fmt: skip
def test_api_names_an_unknown_value_in_a_400(client, query, param, value):
    response = client.get(f"/api/v1/search?q=x&{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["param"] == param and body["value"] == value and body["error"]


# --- never a 500 ----------------------------------------------------------------------------------------

any_text = st.text(st.characters(codec="utf-8"), max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=any_text, kind=any_text, area=any_text, target=any_text, page=any_text)
def test_any_input_gets_an_answer_never_a_500(client, q, kind, area, target, page):
    params = {"q": q, "kind": kind, "area": area, "target": target, "page": page}
    page_response = client.get("/search", query_string=params)
    assert page_response.status_code == 200
    fragment = client.get("/search", query_string=params, headers=HX)
    assert fragment.status_code == 200
    api = client.get("/api/v1/search", query_string=params)
    assert api.status_code in (200, 400)
    assert api.is_json


# --- a broken index -----------------------------------------------------------------------------------


def _wait_for_rebuild(app, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service._rebuilding.acquire(blocking=False):
            service._rebuilding.release()
            if get_index(app).exists():
                return
        time.sleep(0.05)
    raise AssertionError("the index was not rebuilt")


@pytest.mark.parametrize("damage", ["deleted", "corrupted"])
def test_a_broken_index_answers_from_the_database_with_a_note_and_is_rebuilt_once(
    app, client, create_listing, monkeypatch, damage
):
    create_listing("salon", name="ふれあいサロン")
    folder = Path(app.config["PORTAL_INDEX_DIR"])
    if damage == "deleted":
        shutil.rmtree(folder)
    else:
        for path in (folder / "current").iterdir():
            path.write_bytes(b"\x00garbage" * 10)
    rebuilds = []
    real_rebuild = service.rebuild_index
    monkeypatch.setattr(service, "rebuild_index", lambda: rebuilds.append(1) or real_rebuild())
    get_index(app).close()
    soup = soup_of(client.get("/search?q=ふれあい"))
    assert soup.select_one("[data-degraded]") is not None
    assert result_names(soup) == ["ふれあいサロン"]
    _wait_for_rebuild(app)
    soup = soup_of(client.get("/search?q=ふれあい"))
    assert soup.select_one("[data-degraded]") is None
    assert result_names(soup) == ["ふれあいサロン"]
    assert rebuilds == [1]


@pytest.mark.parametrize(
    "q",
    ['"ふれあい', "AND", "name:サロン", "*", "サロン OR", "😀" * 2000, "'; DROP TABLE x; --", "</p>", "\x00"],
)
def test_malformed_queries_get_results_or_an_empty_list(client, create_listing, q):
    create_listing("salon", name="ふれあいサロン")
    assert client.get("/search", query_string={"q": q}).status_code == 200
    body = client.get("/api/v1/search", query_string={"q": q}).get_json()
    assert isinstance(body["total"], int) and isinstance(body["results"], list)
