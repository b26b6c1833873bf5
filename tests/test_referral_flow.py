"""The guided question flow, answered step by step as a resident would, agrees with GET /api/v1/referral.

Each situation is written as someone would say it, answered through the flow's forms (reading the hidden
fields each page really sends) and through the API, and the two must give the same decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from werkzeug.datastructures import MultiDict

from portal.referral.flow import query_for
from tests.test_referral_decide import contract_decision, facts_values

# These tests read the portal's messages in English (the default reader language is Japanese).
pytestmark = pytest.mark.usefixtures("reads_english")

START = "/consult"


@dataclass
class Situation:
    story: str
    who: str | None = "self"  # None: "I would rather not say"
    ages: tuple[str, ...] = ()
    concerns: tuple[str, ...] = ()
    consent: str | None = "yes"  # None: "I don't know"
    danger: str | None = "no"  # None: "I don't know"
    area: str | None = None
    expect: dict = field(default_factory=dict)  # a few facts the decision must have, as a check


SITUATIONS = [
    Situation(
        "A neighbour: the old lady next door has dementia and her fifty-year-old son never leaves the house",
        who="neighbour",
        ages=("senior", "adult"),
        concerns=("dementia", "hikikomori"),
        consent=None,
        expect={"primary": "fukushi_sougou", "multi_agency": True, "outreach": True},
    ),
    Situation(
        "I am in my forties, I lost my job and I am two months behind on rent",
        ages=("adult",),
        concerns=("work", "debt", "money"),
        expect={"primary": "jiritsu", "participation": True},
    ),
    Situation(
        "Since my baby was born I cry every day and cannot get up",
        ages=("adult", "child"),
        concerns=("pregnancy", "mental_health"),
        expect={"primary": "fukushi_sougou", "windows": ["fukushi_sougou", "kodomo", "hoken"]},
    ),
    Situation(
        "I am 72 and I look after my grandson, who has a disability, on my own",
        ages=("senior", "child"),
        concerns=("care", "disability", "child_rearing"),
        expect={"primary": "fukushi_sougou", "multi_agency": True},
    ),
    Situation(
        "The old man across the road refuses any help, and his house is full of rubbish",
        who="neighbour",
        ages=("senior",),
        concerns=("hoarding",),
        consent="no",
        expect={"primary": "houkatsu", "outreach": True},
    ),
    Situation(
        "A small child next door is left alone every night until late",
        who="neighbour",
        ages=("child",),
        concerns=("abuse",),
        consent=None,
        expect={"primary": "kodomo", "emergency": ["189"], "outreach": True},
    ),
    Situation(
        "I can hear a child screaming and being hit right now",
        who="neighbour",
        danger="yes",
        ages=("child",),
        concerns=("abuse",),
        consent=None,
        expect={"emergency": ["110_119", "189"]},
    ),
    Situation(
        "My husband hits me and I am afraid he will come home tonight",
        danger="yes",
        ages=("adult",),
        concerns=("dv",),
        expect={"primary": "fukushi_sougou", "emergency": ["110_119", "dv"]},
    ),
    Situation(
        "I am sixteen and I keep thinking I want to die",
        ages=("child",),
        concerns=("suicidal",),
        expect={"primary": "hoken", "emergency": ["suicide"]},
    ),
    Situation(
        "Eu sou brasileira, tenho um bebê e não entendo os papéis da prefeitura",
        ages=("adult", "child"),
        concerns=("child_rearing", "language"),
        expect={"primary": "kodomo", "windows": ["kodomo", "kokusai"]},
    ),
    Situation(
        "I only need help with my residence card renewal in Vietnamese",
        ages=("adult",),
        concerns=("language",),
        expect={"primary": "kokusai"},
    ),
    Situation(
        "As a care manager I think a client's son takes her pension and shouts at her",
        who="professional",
        ages=("senior",),
        concerns=("abuse",),
        consent=None,
        expect={"primary": "houkatsu", "emergency": [], "outreach": True},
    ),
    Situation(
        "A teacher: a pupil misses school to look after her grandmother",
        who="professional",
        ages=("child", "senior"),
        concerns=("young_carer", "care", "school"),
        consent=None,
        expect={"primary": "fukushi_sougou", "outreach": True},
    ),
    Situation(
        "Our son is 34 and has not left his room for eight years",
        who="family",
        ages=("adult",),
        concerns=("hikikomori",),
        consent=None,
        expect={"primary": "fukushi_sougou", "participation": True, "outreach": True},
    ),
    Situation(
        "Since my wife died I talk to no one for days",
        ages=("senior",),
        concerns=("isolation",),
        expect={"primary": "houkatsu", "participation": True},
    ),
    Situation(
        "I owe money to three lenders because of pachinko",
        ages=("adult",),
        concerns=("addiction", "debt"),
        expect={"primary": "fukushi_sougou", "windows": ["fukushi_sougou", "jiritsu", "hoken"]},
    ),
    Situation(
        "My husband drinks from morning and refuses to see a doctor",
        who="family",
        ages=("adult",),
        concerns=("addiction",),
        consent="no",
        expect={"primary": "hoken", "outreach": True},
    ),
    Situation(
        "My daughter has ADHD and has stopped going to school",
        who="family",
        ages=("child",),
        concerns=("school", "disability"),
        consent="yes",
        expect={"primary": "fukushi_sougou", "windows": ["fukushi_sougou", "shogai", "kodomo"]},
    ),
    Situation(
        "I am seventeen, pregnant, and have no money",
        ages=("child",),
        concerns=("pregnancy", "money"),
        expect={"primary": "fukushi_sougou", "multi_agency": True},
    ),
    Situation(
        "A shopkeeper: an old customer often gets lost and cannot find his way home",
        who="professional",
        ages=("senior",),
        concerns=("dementia",),
        consent=None,
        area="kita",
        expect={"primary": "houkatsu", "outreach": True},
    ),
    Situation(
        "I don't know what is wrong, I just feel I cannot go on like this",
        ages=(),
        concerns=(),
        consent=None,
        expect={"primary": "fukushi_sougou", "multi_agency": False},
    ),
    Situation(
        "A support worker: a man with an intellectual disability is hit by the staff of his group home",
        who="professional",
        ages=("adult",),
        concerns=("abuse", "disability"),
        consent=None,
        expect={"primary": "shogai", "emergency": []},
    ),
    Situation(
        "My brother, who is 45, is beaten by his wife's father",
        who="family",
        ages=("adult",),
        concerns=("abuse",),
        consent="unknown",
        expect={"primary": "fukushi_sougou", "multi_agency": True},
    ),
    Situation(
        "Someone collapsed in front of my house and is not moving",
        who="neighbour",
        danger="yes",
        concerns=("illness",),
        consent=None,
        expect={"emergency": ["110_119"], "primary": "hoken"},
    ),
    Situation(
        "I came from Nepal for work, I am ill, and I have no money left",
        ages=("adult",),
        concerns=("illness", "money", "language"),
        expect={"windows": ["fukushi_sougou", "jiritsu", "hoken", "kokusai"]},
    ),
    Situation(
        "We are an old couple and the landlord wants us out by March",
        ages=("senior",),
        concerns=("housing",),
        area="asahi",
        expect={"primary": "jiritsu"},
    ),
    Situation(
        "After a long illness I want to do something useful and meet people in Yamate",
        ages=("adult",),
        concerns=("work", "isolation"),
        area="yamate",
        expect={"participation": True, "multi_agency": True},
    ),
    Situation(
        "I would rather not say who I am; a family nearby seems to have no food",
        who=None,
        ages=("child", "adult"),
        concerns=("money", "child_rearing"),
        consent=None,
        danger=None,
        expect={"primary": "fukushi_sougou", "outreach": False},
    ),
]


# --- walking the flow like a browser without JavaScript ----------------------------------------------


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def asked(soup: BeautifulSoup) -> str | None:
    step = soup.select_one("form.question input[name=step]")
    return step["value"] if step else None


def answer(client, soup: BeautifulSoup, *, choose=None, dontknow=False, hx=False):
    """Submit the question on the page: the form's own hidden fields, plus the answer buttons/boxes."""
    form = soup.select_one("form.question")
    data = MultiDict((i["name"], i["value"]) for i in form.select("input[type=hidden]"))
    if dontknow:
        data.add("dontknow", "1")
    else:
        for value in [choose] if isinstance(choose, str) else choose:
            data.add("answer", value)
    headers = {"HX-Request": "true"} if hx else {}
    return client.post(form["action"], data=data, headers=headers)


def walk(client, s: Situation, hx: bool = False) -> BeautifulSoup:
    soup = soup_of(client.get(START))
    plan = [
        ("danger", s.danger, s.danger is None),
        ("who", s.who, s.who is None),
        ("ages", list(s.ages), not s.ages),
        ("concerns", list(s.concerns), not s.concerns),
        ("consent", s.consent, s.consent is None),
        ("area", s.area, s.area is None),
    ]
    for step, choose, dontknow in plan:
        assert asked(soup) == step
        response = answer(client, soup, choose=choose, dontknow=dontknow, hx=hx)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        soup = soup_of(response)
    assert asked(soup) is None
    return soup


def decision_on(soup: BeautifulSoup) -> dict:
    windows = [card["data-window"] for card in soup.select(".result .window-card")]
    emergency = list(dict.fromkeys(li["data-emergency"] for li in soup.select(".emergency [data-emergency]")))
    return {
        "emergency": emergency,
        "primary": windows[0],
        "windows": windows,
        "multi_agency": soup.select_one(".result__reason--coordination") is not None,
        "outreach": soup.select_one(".result__outreach") is not None,
        "participation": soup.select_one(".result__places") is not None,
    }


def answers_of(s: Situation) -> dict[str, str]:
    return {
        "danger": s.danger or "unknown",
        "who": s.who or "unknown",
        "ages": ",".join(s.ages),
        "concerns": ",".join(s.concerns),
        "consent": s.consent or "unknown",
        "area": s.area or "",
    }


def from_api(client, s: Situation) -> dict:
    response = client.get("/api/v1/referral", query_string=query_for(answers_of(s)))
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture
def visitor(demo_app):
    """A client without a test-wide app context: each request gets its own `g` (and language)."""
    return demo_app.test_client()


# --- the situations ------------------------------------------------------------------------------------


@pytest.mark.parametrize("situation", SITUATIONS, ids=[s.story for s in SITUATIONS])
def test_flow_and_api_give_the_same_decision(demo_client, situation: Situation) -> None:
    on_page = decision_on(walk(demo_client, situation))
    api = from_api(demo_client, situation)
    decided = {key: api[key] for key in on_page}
    if situation.danger is None:  # "I don't know" shows every number, to be safe
        on_page["emergency"] = api["emergency"]
    assert on_page == decided
    for key, value in situation.expect.items():
        assert api[key] == value, key
    assert [c["code"] for c in api["contacts"]] == api["windows"]  # the demo city has every window


def test_there_are_at_least_25_situations() -> None:
    assert len(SITUATIONS) >= 25


def test_htmx_gets_the_same_decision_as_fragments(demo_client) -> None:
    situation = SITUATIONS[0]
    soup = walk(demo_client, situation, hx=True)
    assert soup.select_one("html") is None  # a fragment: the conversation only
    assert soup.select_one("#conversation[hx-history=false]") is not None
    assert decision_on(soup)["primary"] == "fukushi_sougou"


def test_not_sure_about_danger_shows_every_emergency_number_first(demo_client) -> None:
    soup = walk(demo_client, SITUATIONS[-1])
    codes = {li["data-emergency"] for li in soup.select(".emergency [data-emergency]")}
    assert codes == {"110_119", "189", "dv", "suicide"}


# --- the first screen, the result page ----------------------------------------------------------------


def test_first_screen_asks_about_danger_and_shows_every_emergency_number_to_tap(demo_client) -> None:
    response = demo_client.get(START)
    soup = soup_of(response)
    assert asked(soup) == "danger"
    calls = [a["href"] for a in soup.select(".emergency a[href^='tel:']")]
    assert calls == ["tel:110", "tel:119", "tel:189", "tel:%238008", "tel:0570783556", "tel:0120279338"]
    assert soup.select_one(".emergency__note [lang=ja]").get_text() == "配偶者暴力相談支援センター"
    assert soup.select_one("a.exit-now[data-exit-now]")["href"] == "https://www.google.com/"
    assert soup.select_one("script[src$='js/referral.js']") is not None
    assert response.headers["Cache-Control"] == "no-store"


def test_answering_danger_yes_keeps_110_and_119_on_top_of_every_later_question(demo_client) -> None:
    soup = soup_of(demo_client.post(START, data={"step": "danger", "answer": "yes"}))
    assert asked(soup) == "who"
    assert [a["href"] for a in soup.select(".emergency a")] == ["tel:110", "tel:119"]


def test_who_is_asking_says_a_consultation_for_someone_else_is_accepted(demo_client) -> None:
    soup = soup_of(demo_client.post(START, data={"danger": "no", "step": "who"}))
    assert asked(soup) == "who"
    assert "someone other than the person" in soup.select_one(".question__hint").get_text()
    values = [b["value"] for b in soup.select("form.question button[name=answer]")]
    assert values == ["self", "family", "neighbour", "professional"]
    assert soup.select_one("form.question button[name=dontknow]") is not None


def test_every_question_offers_i_dont_know(demo_client) -> None:
    answers = {"danger": "no", "who": "family", "ages": "adult", "concerns": "money", "consent": "yes"}
    seen = []
    for step in ("danger", "who", "ages", "concerns", "consent", "area"):
        data = (
            {k: v for k, v in answers.items() if list(answers).index(k) < list(answers).index(step)}
            if (step in answers)
            else dict(answers)
        )
        soup = soup_of(demo_client.post(START, data=data))
        assert asked(soup) == step
        assert soup.select_one("form.question button[name=dontknow]") is not None
        seen.append(step)
    assert len(seen) == 6


def test_worries_are_grouped_by_life_area_from_the_rules(demo_app, demo_client) -> None:
    data = {"danger": "no", "who": "self", "ages": "adult"}
    soup = soup_of(demo_client.post(START, data=data))
    groups = soup.select("form.question fieldset.concern-group")
    rules = demo_app.extensions["referral_rules"]
    assert len(groups) == len([g for g, codes in rules.concerns_by_group().items() if codes])
    boxes = [box["value"] for box in soup.select("fieldset.concern-group input[type=checkbox]")]
    assert sorted(boxes) == sorted(rules.concerns)
    assert all(box.find_parent("label") for box in soup.select("fieldset.concern-group input"))


def test_an_answer_can_be_changed_and_the_rest_is_kept(demo_client) -> None:
    answers = {
        "danger": "no",
        "who": "self",
        "ages": "senior",
        "concerns": "care",
        "consent": "yes",
        "area": "",
    }
    soup = soup_of(demo_client.post(START, data=answers))
    assert decision_on(soup)["primary"] == "houkatsu"
    change = next(f for f in soup.select("form.chat-form") if f.select_one("button[value=concerns]"))
    data = MultiDict((i["name"], i["value"]) for i in change.select("input[type=hidden]"))
    data.add("change", "concerns")
    soup = soup_of(demo_client.post(change["action"], data=data))
    assert asked(soup) == "concerns"
    assert [box["value"] for box in soup.select("input[type=checkbox][checked]")] == ["care"]
    soup = soup_of(answer(demo_client, soup, choose=["debt"]))
    assert asked(soup) is None  # every other answer was kept: straight back to the result
    assert decision_on(soup)["primary"] == "jiritsu"


def test_participation_lists_places_in_the_area_first(demo_client, demo_app) -> None:
    answers = {"danger": "no", "who": "self", "ages": "senior", "concerns": "isolation", "consent": "yes",
               "area": "kita"}  # fmt: skip
    soup = soup_of(demo_client.post(START, data=answers))
    links = [a["href"] for a in soup.select(".result__places .resources a")]
    api = demo_client.get("/api/v1/referral", query_string=query_for(answers)).get_json()
    assert links and links == [r["url"].removeprefix("http://localhost") for r in api["resources"]]
    assert soup.select_one(".window-card--primary a[href^='tel:']") is not None
    assert soup.select_one(".window-card--primary a[href^='/listings/']") is not None  # map and details


def test_what_to_say_and_why_are_in_plain_words(visitor) -> None:
    answers = {"danger": "no", "who": "neighbour", "ages": "senior", "concerns": "hoarding", "consent": "no",
               "area": ""}  # fmt: skip
    soup = soup_of(visitor.post(START, data=answers, headers={"Accept-Language": "en"}))
    said = [p.get_text() for p in soup.select(".say p")]
    assert said[0] == "Hello. I am calling about a neighbour I am worried about."
    assert "The person does not want support at the moment." in said
    assert "visit them at home" in soup.select_one(".result__outreach").get_text()
    assert soup.select_one(".result__reason").get_text(strip=True)


# --- bad input: re-ask, never a 500 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "step", "why"),
    [
        ({"danger": "maybe", "step": "who", "answer": "self"}, "danger", "could not read"),
        ({"danger": "no", "who": "king", "step": "ages", "answer": "adult"}, "who", "could not read"),
        (MultiDict([("danger", "no"), ("danger", "yes"), ("step", "who"), ("answer", "self")]), "danger",
         "came twice"),
        ({"danger": "no", "who": "self", "ages": "child,baby", "step": "concerns"}, "ages", "could not read"),
        ({"danger": "no", "who": "self", "ages": "child,child", "step": "concerns"}, "ages",
         "could not read"),
        ({"danger": "no", "who": "self", "ages": "", "concerns": "ufo", "step": "consent", "answer": "yes"},
         "concerns", "could not read"),
        ({"danger": "no", "who": "self", "ages": "", "concerns": "", "consent": "yes", "area": "atlantis"},
         "area", "could not read"),
        ({"danger": "no", "step": "area", "answer": "kita"}, "who", "answer this question first"),
        ({"step": "who", "answer": "self"}, "danger", "answer this question first"),
        (MultiDict([("step", "danger"), ("step", "danger"), ("answer", "no")]), "danger", "first"),
        ({"danger": "no", "step": "who", "answer": "mayor"}, "who", "could not read"),
        (MultiDict([("step", "danger"), ("answer", "no"), ("answer", "yes")]), "danger", "could not read"),
        ({"danger": "no", "who": "self", "step": "ages"}, "ages", "choose at least one"),
        ({"danger": "no", "who": "self", "ages": "", "step": "concerns", "answer": "ufo"}, "concerns",
         "could not read"),
        ({"danger": "no", "who": "self", "ages": "", "concerns": "", "consent": "yes", "step": "area",
          "answer": "atlantis"}, "area", "could not read"),
    ],
)  # fmt: skip
def test_tampered_repeated_or_out_of_order_answers_ask_the_question_again(demo_client, data, step, why):
    response = demo_client.post(START, data=data)
    assert response.status_code == 422
    soup = soup_of(response)
    assert asked(soup) == step
    assert why in soup.select_one("#question-error[role=alert]").get_text().lower()


def test_a_double_submitted_last_answer_still_shows_the_result(demo_client) -> None:
    answers = {"danger": "no", "who": "self", "ages": "", "concerns": "money", "consent": "yes", "area": ""}
    response = demo_client.post(START, data={**answers, "step": "area", "dontknow": "1"})
    assert response.status_code == 200
    assert decision_on(soup_of(response))["primary"] == "jiritsu"


def test_tampered_counter_view_asks_again_instead_of_failing(demo_client) -> None:
    response = demo_client.post("/consult/counter", data={"danger": "no", "who": "x"})
    assert response.status_code == 422
    assert asked(soup_of(response)) == "who"


def test_a_long_garbage_value_is_asked_again_not_a_500(demo_client) -> None:
    response = demo_client.post(START, data={"danger": "\U0001f600" * 5000, "step": "who"})
    assert response.status_code == 422


# --- the counter view -------------------------------------------------------------------------------------


COUNTER = {"danger": "no", "who": "self", "ages": "adult,child", "concerns": "child_rearing,language",
           "consent": "yes", "area": "kita"}  # fmt: skip


def test_counter_view_shows_the_readers_language_beside_japanese(visitor) -> None:
    response = visitor.post("/consult/counter?lang=en", data=COUNTER)
    soup = soup_of(response)
    columns = soup.select(".counter__column")
    assert [c["lang"] for c in columns] == ["en", "ja"]
    english_name = columns[0].select_one("strong").get_text()
    japanese_name = columns[1].select_one("strong").get_text()
    assert english_name != japanese_name
    assert "こども" in japanese_name or "子" in japanese_name
    assert response.headers["Cache-Control"] == "no-store"
    # the page around the columns stays in the reader's language (the Japanese column is rendered first)
    assert soup.select_one("h1").get_text().startswith("Show this at the counter")
    assert columns[0].select_one("h2").get_text(strip=True) == "I would like to consult about this"


def test_counter_view_in_japanese_has_one_column(visitor) -> None:
    soup = soup_of(visitor.post("/consult/counter?lang=ja", data=COUNTER))
    assert len(soup.select(".counter__column")) == 1


# --- the API on its own --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "param", "value"),
    [
        ({"who": "mayor"}, "who", "mayor"),
        ({"ages": "child,baby"}, "ages", "baby"),
        ({"concerns": "care,ufo"}, "concerns", "ufo"),
        ({"danger": "maybe"}, "danger", "maybe"),
        ({"consent": "perhaps"}, "consent", "perhaps"),
        ({"area": "atlantis"}, "area", "atlantis"),
    ],
)
def test_api_names_the_unknown_value(demo_client, query, param, value) -> None:
    response = demo_client.get("/api/v1/referral", query_string=query)
    assert response.status_code == 400
    body = response.get_json()
    assert (body["error"], body["param"], body["value"]) == ("unknown_value", param, value)
    assert body["message"]


def test_api_defaults_to_self_with_consent_and_coordination(demo_client) -> None:
    body = demo_client.get("/api/v1/referral").get_json()
    assert body["primary"] == "fukushi_sougou" and body["outreach"] is False and body["resources"] == []
    assert body["emergency"] == [] and body["windows"] == ["fukushi_sougou"]


def test_api_picks_the_window_serving_the_area(visitor) -> None:
    north = visitor.get("/api/v1/referral?concerns=care&area=kita&lang=ja").get_json()
    east = visitor.get("/api/v1/referral?concerns=care&area=higashiyama&lang=ja").get_json()
    assert north["contacts"][0]["name"] == "みどり野市北部地域包括支援センター"
    assert east["contacts"][0]["name"] == "みどり野市東部地域包括支援センター"
    assert set(north["contacts"][0]) == {"code", "name", "phone", "hours", "url"}


def test_api_names_come_in_the_requested_language(visitor) -> None:
    english = visitor.get("/api/v1/referral?concerns=care&area=kita", headers={"Accept-Language": "en"})
    portuguese = visitor.get("/api/v1/referral?concerns=care&area=kita&lang=pt-BR")
    assert english.get_json()["contacts"][0]["name"].startswith("Midorino City North")
    assert portuguese.get_json()["contacts"][0]["name"].startswith("Centro de Apoio")
    assert english.headers["Cache-Control"] == "no-store"


def test_api_resources_only_with_participation(demo_client) -> None:
    assert demo_client.get("/api/v1/referral?concerns=money").get_json()["resources"] == []
    found = demo_client.get("/api/v1/referral?concerns=isolation&ages=senior&area=kita").get_json()[
        "resources"
    ]
    assert found and {r["kind"] for r in found} <= {"salon", "place", "menu"}
    assert set(found[0]) == {"id", "kind", "name", "url"}


# --- any facts at all: the API and the flow against an independent reading of contracts §1 ----------


@settings(max_examples=60, deadline=None, database=None)
@given(values=facts_values)
def test_api_and_flow_match_the_contract_for_any_facts(demo_app, values: dict) -> None:
    client = demo_app.test_client()
    expected = contract_decision(**values)
    query = {
        "who": values["who"],
        "danger": values["danger"],
        "ages": ",".join(values["ages"]),
        "concerns": ",".join(values["concerns"]),
    }
    if values["consent"] is not None:
        query["consent"] = values["consent"]
    body = client.get("/api/v1/referral", query_string=query).get_json()
    assert {key: body[key] for key in expected} == expected

    consent = values["consent"] or ("yes" if values["who"] == "self" else "unknown")
    answers = {
        "danger": values["danger"],
        "who": values["who"],
        "ages": ",".join(dict.fromkeys(values["ages"])),  # the flow's boxes cannot repeat an answer
        "concerns": ",".join(dict.fromkeys(values["concerns"])),
        "consent": consent,
        "area": "",
    }
    assert decision_on(soup_of(client.post(START, data=answers))) == expected


def test_every_concern_life_area_and_window_in_the_rules_has_words_for_people(demo_app) -> None:
    from portal.referral import labels

    rules = demo_app.extensions["referral_rules"]
    assert set(rules.concerns) <= set(labels.CONCERNS)
    assert set(rules.groups) <= set(labels.GROUPS)
    assert set(rules.window_codes) <= set(labels.WINDOWS) & set(labels.WINDOW_DOES)
    assert {rule.code for rule in rules.emergency} <= set(labels.EMERGENCY)
    assert set(rules.answers["ages"]) <= set(labels.AGES) and set(rules.answers["who"]) <= set(labels.WHO)
