"""The referral decision (contracts §1): real situations, the contract as an independent oracle,
city-edited rules files, broken rules files, and bad query values."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from portal.referral.decide import (
    DEFAULT_RULES_PATH,
    Decision,
    Facts,
    FactsError,
    RulesError,
    decide,
    load_rules,
    parse_facts,
)

RULES = load_rules()
RULES_TEXT = DEFAULT_RULES_PATH.read_text(encoding="utf-8")


def refer(**query: str) -> Decision:
    """The decision for a query string such as ``who=neighbour&ages=senior,adult``."""
    return decide(parse_facts(query, RULES), RULES)


def expect(
    decision: Decision,
    *,
    primary: str,
    windows: list[str],
    multi_agency: bool = False,
    emergency: list[str] | None = None,
    outreach: bool = False,
    participation: bool = False,
) -> None:
    assert decision.as_dict() == {
        "emergency": emergency or [],
        "primary": primary,
        "windows": windows,
        "multi_agency": multi_agency,
        "outreach": outreach,
        "participation": participation,
    }


# ---------------------------------------------------------------------------------------------
# Real situations


def test_neighbour_reporting_8050_household_goes_to_multi_agency() -> None:
    # A mother in her 80s with dementia, her son in his 50s shut in at home for years.
    decision = refer(who="neighbour", ages="senior,adult", concerns="dementia,hikikomori")
    expect(
        decision,
        primary="fukushi_sougou",
        windows=["fukushi_sougou", "houkatsu"],
        multi_agency=True,
        outreach=True,
        participation=True,
    )


def test_senior_asking_about_care_for_themself_goes_to_houkatsu() -> None:
    expect(refer(ages="senior", concerns="care"), primary="houkatsu", windows=["houkatsu"])


def test_daughter_worried_about_fathers_dementia_with_his_agreement_needs_no_outreach() -> None:
    decision = refer(who="family", ages="senior", concerns="dementia", consent="yes")
    expect(decision, primary="houkatsu", windows=["houkatsu"])


def test_family_asking_about_dementia_without_knowing_his_wish_gets_outreach() -> None:
    decision = refer(who="family", ages="senior", concerns="dementia")
    expect(decision, primary="houkatsu", windows=["houkatsu"], outreach=True)


def test_parent_of_child_refusing_school_goes_to_kodomo() -> None:
    expect(
        refer(who="family", ages="child", concerns="school", consent="yes"),
        primary="kodomo",
        windows=["kodomo"],
    )


def test_pregnant_adult_goes_to_kodomo_whatever_her_age() -> None:
    expect(refer(ages="adult", concerns="pregnancy"), primary="kodomo", windows=["kodomo"])


def test_teacher_reporting_young_carer_looking_after_grandmother_is_multi_agency_with_outreach() -> None:
    decision = refer(who="professional", ages="child,senior", concerns="young_carer,care")
    expect(
        decision,
        primary="fukushi_sougou",
        windows=["fukushi_sougou", "houkatsu", "kodomo"],
        multi_agency=True,
        outreach=True,
    )


def test_adult_in_debt_goes_to_jiritsu() -> None:
    expect(refer(ages="adult", concerns="debt"), primary="jiritsu", windows=["jiritsu"])


def test_rent_arrears_and_no_money_for_food_stay_with_jiritsu_alone() -> None:
    expect(refer(ages="adult", concerns="money,housing,debt"), primary="jiritsu", windows=["jiritsu"])


def test_lost_job_with_debt_and_depression_is_multi_agency_with_participation() -> None:
    decision = refer(ages="adult", concerns="work,debt,mental_health")
    expect(
        decision,
        primary="fukushi_sougou",
        windows=["fukushi_sougou", "jiritsu", "hoken"],
        multi_agency=True,
        participation=True,
    )


def test_wanting_to_work_is_jiritsu_with_participation_support() -> None:
    decision = refer(ages="adult", concerns="work")
    expect(decision, primary="jiritsu", windows=["jiritsu"], participation=True)


def test_person_with_suicidal_thoughts_sees_the_suicide_line_first_and_goes_to_hoken() -> None:
    decision = refer(ages="adult", concerns="suicidal")
    expect(decision, emergency=["suicide"], primary="hoken", windows=["hoken"])


def test_suicidal_person_in_immediate_danger_sees_110_119_before_the_suicide_line() -> None:
    decision = refer(who="family", ages="adult", concerns="suicidal", danger="yes", consent="unknown")
    expect(decision, emergency=["110_119", "suicide"], primary="hoken", windows=["hoken"], outreach=True)


def test_dv_victim_sees_dv_line_and_goes_to_coordination() -> None:
    decision = refer(ages="adult", concerns="dv")
    expect(
        decision, emergency=["dv"], primary="fukushi_sougou", windows=["fukushi_sougou"], multi_agency=True
    )


def test_dv_victim_with_children_has_kodomo_beside_coordination() -> None:
    decision = refer(ages="adult,child", concerns="dv,child_rearing")
    expect(
        decision,
        emergency=["dv"],
        primary="fukushi_sougou",
        windows=["fukushi_sougou", "kodomo"],
        multi_agency=True,
    )


def test_neighbour_hearing_a_child_being_hit_sees_189_and_kodomo_with_outreach() -> None:
    decision = refer(who="neighbour", ages="child", concerns="abuse")
    expect(decision, emergency=["189"], primary="kodomo", windows=["kodomo"], outreach=True)


def test_child_abuse_in_progress_shows_110_119_then_189() -> None:
    decision = refer(who="neighbour", ages="child", concerns="abuse", danger="yes")
    expect(decision, emergency=["110_119", "189"], primary="kodomo", windows=["kodomo"], outreach=True)


def test_care_manager_reporting_elder_abuse_goes_to_houkatsu_without_189() -> None:
    decision = refer(who="professional", ages="senior", concerns="abuse")
    expect(decision, primary="houkatsu", windows=["houkatsu"], outreach=True)


def test_abuse_of_disabled_adult_goes_to_shogai() -> None:
    decision = refer(who="professional", ages="adult", concerns="abuse,disability", consent="yes")
    expect(decision, primary="shogai", windows=["shogai"])


def test_abuse_of_adult_without_disability_goes_to_coordination() -> None:
    decision = refer(ages="adult", concerns="abuse")
    expect(decision, primary="fukushi_sougou", windows=["fukushi_sougou"], multi_agency=True)


def test_abuse_with_no_age_given_goes_to_coordination() -> None:
    decision = refer(who="neighbour", concerns="abuse")
    expect(decision, primary="fukushi_sougou", windows=["fukushi_sougou"], multi_agency=True, outreach=True)


def test_8050_household_with_son_abusing_mother_goes_to_coordination_without_189() -> None:
    decision = refer(who="professional", ages="senior,adult", concerns="abuse,dementia,hikikomori")
    expect(
        decision,
        primary="fukushi_sougou",
        windows=["fukushi_sougou", "houkatsu"],
        multi_agency=True,
        outreach=True,
        participation=True,
    )


def test_lonely_senior_living_alone_goes_to_houkatsu_with_participation() -> None:
    decision = refer(ages="senior", concerns="isolation")
    expect(decision, primary="houkatsu", windows=["houkatsu"], participation=True)


def test_isolated_man_in_his_forties_has_no_department_so_goes_to_coordination() -> None:
    decision = refer(ages="adult", concerns="isolation")
    expect(
        decision, primary="fukushi_sougou", windows=["fukushi_sougou"], multi_agency=True, participation=True
    )


def test_teenager_shut_in_and_refusing_school_stays_with_kodomo() -> None:
    decision = refer(who="family", ages="child", concerns="hikikomori,school", consent="yes")
    expect(decision, primary="kodomo", windows=["kodomo"], participation=True)


def test_neighbour_reporting_senior_hoarder_who_refuses_help_gets_houkatsu_outreach() -> None:
    decision = refer(who="neighbour", ages="senior", concerns="hoarding", consent="no")
    expect(decision, primary="houkatsu", windows=["houkatsu"], outreach=True)


def test_self_neglecting_adult_reported_by_sibling_goes_to_coordination_with_outreach() -> None:
    decision = refer(who="family", ages="adult", concerns="hoarding")
    expect(decision, primary="fukushi_sougou", windows=["fukushi_sougou"], multi_agency=True, outreach=True)


def test_foreign_resident_with_only_a_language_question_goes_to_kokusai() -> None:
    expect(refer(ages="adult", concerns="language"), primary="kokusai", windows=["kokusai"])


def test_brazilian_mother_asking_about_child_rearing_has_kokusai_beside_kodomo() -> None:
    decision = refer(ages="adult,child", concerns="child_rearing,language")
    expect(decision, primary="kodomo", windows=["kodomo", "kokusai"])


def test_foreign_worker_ill_and_out_of_money_is_multi_agency_with_kokusai_last() -> None:
    decision = refer(ages="adult", concerns="language,money,illness")
    expect(
        decision,
        primary="fukushi_sougou",
        windows=["fukushi_sougou", "jiritsu", "hoken", "kokusai"],
        multi_agency=True,
    )


def test_language_with_other_worry_goes_to_coordination_with_kokusai_beside() -> None:
    decision = refer(concerns="language,other")
    expect(decision, primary="fukushi_sougou", windows=["fukushi_sougou", "kokusai"])


def test_other_worry_alone_is_accepted_by_coordination_but_is_not_multi_agency() -> None:
    expect(refer(concerns="other"), primary="fukushi_sougou", windows=["fukushi_sougou"])


def test_other_worry_beside_care_keeps_houkatsu_first_and_adds_coordination() -> None:
    decision = refer(ages="senior", concerns="care,other")
    expect(decision, primary="houkatsu", windows=["houkatsu", "fukushi_sougou"])


def test_no_answers_at_all_is_still_accepted_by_coordination() -> None:
    expect(refer(), primary="fukushi_sougou", windows=["fukushi_sougou"])


def test_someone_collapsed_in_the_street_shows_110_119() -> None:
    decision = refer(who="neighbour", danger="yes")
    expect(
        decision, emergency=["110_119"], primary="fukushi_sougou", windows=["fukushi_sougou"], outreach=True
    )


def test_gambling_addiction_with_debts_is_hoken_and_jiritsu() -> None:
    decision = refer(ages="adult", concerns="addiction,debt")
    expect(
        decision, primary="fukushi_sougou", windows=["fukushi_sougou", "jiritsu", "hoken"], multi_agency=True
    )


def test_disabled_child_refusing_school_is_shogai_and_kodomo() -> None:
    decision = refer(who="family", ages="child", concerns="disability,school", consent="yes")
    expect(
        decision, primary="fukushi_sougou", windows=["fukushi_sougou", "shogai", "kodomo"], multi_agency=True
    )


def test_three_generations_all_isolated_go_to_every_age_window() -> None:
    decision = refer(ages="child,adult,senior", concerns="isolation")
    expect(
        decision,
        primary="fukushi_sougou",
        windows=["fukushi_sougou", "houkatsu", "kodomo"],
        multi_agency=True,
        participation=True,
    )


def test_person_refusing_support_for_themself_still_gets_outreach() -> None:
    decision = refer(ages="senior", concerns="illness", consent="no")
    expect(decision, primary="hoken", windows=["hoken"], outreach=True)


def test_person_unsure_about_support_for_themself_gets_no_outreach() -> None:
    decision = refer(ages="adult", concerns="mental_health", consent="unknown")
    expect(decision, primary="hoken", windows=["hoken"])


def test_every_emergency_at_once_comes_in_contract_order_whatever_the_answer_order() -> None:
    decision = refer(ages="adult,child", concerns="suicidal,dv,abuse", danger="yes")
    assert decision.emergency == ["110_119", "189", "dv", "suicide"]


def test_answer_order_and_repeats_do_not_change_the_decision() -> None:
    one = refer(ages="senior,adult", concerns="dementia,hikikomori,money")
    other = refer(ages="adult,senior,adult", concerns="money,hikikomori,dementia,money")
    assert one == other


# ---------------------------------------------------------------------------------------------
# The contract, reimplemented straight from its text, as an independent oracle

CONTRACT_WINDOW = {
    "care": "houkatsu", "dementia": "houkatsu", "disability": "shogai",
    "child_rearing": "kodomo", "pregnancy": "kodomo", "school": "kodomo", "young_carer": "kodomo",
    "money": "jiritsu", "debt": "jiritsu", "housing": "jiritsu", "work": "jiritsu",
    "mental_health": "hoken", "illness": "hoken", "addiction": "hoken",
    "isolation": "by age", "hikikomori": "by age", "hoarding": "by age", "abuse": "by age",
    "dv": "fukushi_sougou", "suicidal": "hoken", "language": "kokusai", "other": "fukushi_sougou",
}  # fmt: skip
CONTRACT_AGE_WINDOW = {"senior": "houkatsu", "child": "kodomo", "adult": "fukushi_sougou"}
CONTRACT_FIELD_ORDER = ["houkatsu", "shogai", "kodomo", "jiritsu", "hoken"]
WHO = ["self", "family", "neighbour", "professional"]
AGES = ["child", "adult", "senior"]


def contract_decision(
    who: str, ages: list[str], concerns: list[str], danger: str, consent: str | None
) -> dict[str, object]:
    age_set, concern_set = set(ages), set(concerns)
    if consent is None:
        consent = "yes" if who == "self" else "unknown"
    emergency = []
    if danger == "yes":
        emergency.append("110_119")
    if "abuse" in concern_set and "child" in age_set:
        emergency.append("189")
    if "dv" in concern_set:
        emergency.append("dv")
    if "suicidal" in concern_set:
        emergency.append("suicide")
    pairs = set()  # (concern, window)
    for concern in concern_set:
        window = CONTRACT_WINDOW[concern]
        if window != "by age":
            pairs.add((concern, window))
        elif concern == "abuse" and age_set == {"adult"}:
            pairs.add((concern, "shogai" if "disability" in concern_set else "fukushi_sougou"))
        elif not age_set:
            pairs.add((concern, "fukushi_sougou"))
        else:
            pairs.update((concern, CONTRACT_AGE_WINDOW[age]) for age in age_set)
    mapped = {window for _, window in pairs}
    field = [window for window in CONTRACT_FIELD_ORDER if window in mapped]
    coordination = any(window == "fukushi_sougou" and concern != "other" for concern, window in pairs)
    multi_agency = len(field) >= 2 or coordination
    if multi_agency:
        primary = "fukushi_sougou"
    elif len(field) == 1:
        primary = field[0]
    elif concern_set == {"language"}:
        primary = "kokusai"
    else:
        primary = "fukushi_sougou"
    windows = [primary] + [window for window in field if window != primary]
    if "fukushi_sougou" in mapped and "fukushi_sougou" not in windows:
        windows.append("fukushi_sougou")
    if "language" in concern_set and "kokusai" not in windows:
        windows.append("kokusai")
    return {
        "emergency": emergency,
        "primary": primary,
        "windows": windows,
        "multi_agency": multi_agency,
        "outreach": consent == "no" or (consent == "unknown" and who != "self"),
        "participation": bool(concern_set & {"isolation", "hikikomori", "work"}),
    }


facts_values = st.fixed_dictionaries(
    {
        "who": st.sampled_from(WHO),
        "ages": st.lists(st.sampled_from(AGES), max_size=4),
        "concerns": st.lists(st.sampled_from(sorted(CONTRACT_WINDOW)), max_size=6),
        "danger": st.sampled_from(["yes", "no"]),
        "consent": st.one_of(st.none(), st.sampled_from(["yes", "no", "unknown"])),
    }
)
property_settings = settings(max_examples=400, deadline=None, database=None)


@property_settings
@given(facts_values)
def test_decision_matches_the_contract_for_any_facts(values: dict) -> None:
    facts = Facts(
        who=values["who"],
        ages=tuple(values["ages"]),
        concerns=tuple(values["concerns"]),
        danger=values["danger"],
        consent=values["consent"],
    )
    assert decide(facts, RULES).as_dict() == contract_decision(**values)


@property_settings
@given(facts_values, st.sampled_from([",", ", ", " ,", ",,", " , ,"]), st.sampled_from(["", " ", "  "]))
def test_query_string_with_spaces_and_empty_items_gives_the_same_decision(
    values: dict, comma: str, pad: str
) -> None:
    query = {
        "who": pad + values["who"] + pad,
        "ages": pad + comma.join(values["ages"]) + pad,
        "concerns": comma.join(values["concerns"]) + comma,
        "danger": values["danger"],
        "consent": values["consent"] or "",
        "lang": "pt",
    }
    facts = parse_facts(query, RULES)
    assert facts.ages == tuple(dict.fromkeys(values["ages"]))
    assert facts.concerns == tuple(dict.fromkeys(values["concerns"]))
    assert decide(facts, RULES).as_dict() == contract_decision(**values)


@property_settings
@given(facts_values)
def test_every_decision_lists_known_windows_once_with_primary_first(values: dict) -> None:
    decision = decide(Facts(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}), RULES)
    assert decision.windows[0] == decision.primary
    assert len(set(decision.windows)) == len(decision.windows)
    assert set(decision.windows) <= set(RULES.window_codes)
    assert len(set(decision.emergency)) == len(decision.emergency)


def test_by_age_concerns_match_the_contract_for_every_combination_of_ages() -> None:
    # Exhaustive where the by-age rules and the abuse+adult rule meet.
    tricky = ["abuse", "disability", "isolation", "hoarding", "other", "language", "care"]
    for ages in (list(c) for n in range(len(AGES) + 1) for c in itertools.combinations(AGES, n)):
        for concerns in (list(c) for n in range(len(tricky) + 1) for c in itertools.combinations(tricky, n)):
            facts = Facts(ages=tuple(ages), concerns=tuple(concerns))
            expected = contract_decision("self", ages, concerns, "no", None)
            assert decide(facts, RULES).as_dict() == expected, (ages, concerns)


def test_shipped_rules_file_says_what_the_contract_says() -> None:
    assert set(RULES.concerns) == set(CONTRACT_WINDOW)
    for code, concern in RULES.concerns.items():
        expected = CONTRACT_WINDOW[code]
        assert concern.window == ("by_age" if expected == "by age" else expected), code
    assert RULES.field_windows == tuple(CONTRACT_FIELD_ORDER)
    assert RULES.coordination_window == "fukushi_sougou"
    assert RULES.beside_windows == ("kokusai",)
    assert dict(RULES.by_age) == {**CONTRACT_AGE_WINDOW, "none": "fukushi_sougou"}
    assert RULES.answers["who"] == tuple(WHO)
    assert set(RULES.answers["ages"]) == set(AGES)
    assert {c for c, concern in RULES.concerns.items() if concern.emergency} == {"abuse", "dv", "suicidal"}


def test_every_concern_belongs_to_a_life_area_for_the_flow() -> None:
    grouped = RULES.concerns_by_group()
    assert list(grouped) == list(RULES.groups)
    assert sorted(c for codes in grouped.values() for c in codes) == sorted(RULES.concerns)
    assert all(grouped.values()), "a life area with no concern would show an empty heading"


# ---------------------------------------------------------------------------------------------
# A city edits its copy of the rules


def line_of(text: str, fragment: str) -> int:
    """The 1-based number of the one line containing ``fragment``."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(lines) == 1, (fragment, lines)
    return lines[0]


def edited(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    assert RULES_TEXT.count(old) == 1, old
    text = RULES_TEXT.replace(old, new)
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


WORK_LINE = "  work:          {window: jiritsu, group: money_home_work}"


def test_city_sending_work_to_coordination_changes_the_outcome_without_code_change(tmp_path: Path) -> None:
    path, _ = edited(tmp_path, WORK_LINE, "  work:          {window: fukushi_sougou, group: money_home_work}")
    city = load_rules(path)
    facts = parse_facts({"ages": "adult", "concerns": "work"}, city)
    before, after = decide(facts, RULES), decide(facts, city)
    assert (before.primary, before.multi_agency) == ("jiritsu", False)
    assert (after.primary, after.windows, after.multi_agency) == ("fukushi_sougou", ["fukushi_sougou"], True)
    assert after.participation


def test_city_adding_a_gambling_concern_can_use_it_at_once(tmp_path: Path) -> None:
    path, _ = edited(
        tmp_path, WORK_LINE, WORK_LINE + "\n  gambling:      {window: hoken, group: mind_body}  # ギャンブル"
    )
    city = load_rules(path)
    assert "gambling" in city.concerns_by_group()["mind_body"]
    decision = decide(parse_facts({"concerns": "gambling,debt"}, city), city)
    assert decision.windows == ["fukushi_sougou", "jiritsu", "hoken"]
    with pytest.raises(FactsError):
        parse_facts({"concerns": "gambling"}, RULES)


def test_city_sending_isolated_adults_to_hoken_changes_by_age_mapping(tmp_path: Path) -> None:
    path, _ = edited(tmp_path, "  adult: fukushi_sougou    #", "  adult: hoken    #")
    city = load_rules(path)
    decision = decide(Facts(ages=("adult",), concerns=("isolation",)), city)
    assert (decision.primary, decision.multi_agency) == ("hoken", False)


# ---------------------------------------------------------------------------------------------
# Broken rules files name the file and the line


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path, text = edited(tmp_path, WORK_LINE, WORK_LINE + "}")
    with pytest.raises(RulesError) as error:
        load_rules(path)
    assert f"{path}:{line_of(text, WORK_LINE)}:" in str(error.value)


def test_unclosed_list_names_the_line_where_yaml_gives_up(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("version: 1\nwindows:\n  field: [houkatsu, shogai\n  coordination: fukushi_sougou\n")
    with pytest.raises(RulesError, match=r"broken\.yaml:4: not valid YAML"):
        load_rules(path)


def work(entry: str) -> str:
    return f"  work:          {{{entry}}}"


SUICIDAL_LINE = "  suicidal:      {window: hoken, group: mind_body, emergency: true}"
FIELD_LINE = "  field: [houkatsu, shogai, kodomo, jiritsu, hoken]"
PARTICIPATION_LINE = "participation_concerns: [isolation, hikikomori, work]"
MISTAKES = {
    "unknown-window": (WORK_LINE, work("window: jirtsu, group: money_home_work"), "'jirtsu'"),
    "no-window": (WORK_LINE, work("group: money_home_work"), "missing 'window'"),
    "unknown-group": (WORK_LINE, work("window: jiritsu, group: jobs"), "unknown group 'jobs'"),
    "typo-key": (WORK_LINE, work("window: jiritsu, grup: money_home_work"), "'grup'"),
    "duplicate-concern": (WORK_LINE, WORK_LINE + "\n" + work("window: hoken, group: mind_body"), "twice"),
    "bad-by-age-key": ("  adult: fukushi_sougou    #", "  grown_up: fukushi_sougou    #", "'grown_up'"),
    "unquoted-number": ('{code: "110_119", danger: "yes"}', '{code: 110_119, danger: "yes"}', "in quotes"),
    "emergency-flag-disagrees": (SUICIDAL_LINE, SUICIDAL_LINE.replace(", emergency: true", ""), "emergency"),
    "unknown-participation": (PARTICIPATION_LINE, PARTICIPATION_LINE.replace("work", "jobs"), "'jobs'"),
    "window-twice": (FIELD_LINE, FIELD_LINE.replace("]", ", houkatsu]"), "twice"),
}


@pytest.mark.parametrize(("old", "new", "fragment"), list(MISTAKES.values()), ids=list(MISTAKES))
def test_semantic_mistake_names_file_line_and_value(
    tmp_path: Path, old: str, new: str, fragment: str
) -> None:
    path, text = edited(tmp_path, old, new)
    expected_line = line_of(text, new.splitlines()[-1])
    with pytest.raises(RulesError) as error:
        load_rules(path)
    message = str(error.value)
    assert message.startswith(f"{path}:{expected_line}: "), message
    assert fragment in message


def test_missing_rules_file_is_a_rules_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "absent.yaml")


def test_empty_rules_file_is_a_rules_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n")
    with pytest.raises(RulesError, match=r"empty\.yaml:1: expected a mapping"):
        load_rules(path)


# ---------------------------------------------------------------------------------------------
# Query values


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("who", "mayor"),
        ("who", "self,family"),
        ("ages", "teen"),
        ("concerns", "gambling"),
        ("danger", "maybe"),
        ("consent", "perhaps"),
    ],
)
def test_unknown_query_value_is_named_in_the_error(param: str, value: str) -> None:
    prefix = {"ages": "child,", "concerns": "care, "}.get(param, "")
    query = {param: prefix + value}
    with pytest.raises(FactsError) as error:
        parse_facts(query, RULES)
    assert (error.value.param, error.value.value) == (param, value)
    assert repr(value) in str(error.value)


def test_empty_query_values_mean_the_defaults() -> None:
    query = {"who": " ", "ages": ",", "concerns": "", "danger": "", "consent": "", "area": "  "}
    facts = parse_facts(query, RULES)
    assert facts == Facts()
    assert facts.resolved_consent == "yes"


def test_consent_defaults_to_unknown_when_someone_else_asks() -> None:
    assert parse_facts({"who": "neighbour"}, RULES).resolved_consent == "unknown"


def test_area_is_stripped_free_text() -> None:
    assert parse_facts({"area": " minami-chu "}, RULES).area == "minami-chu"


def test_repeated_query_parameters_are_merged() -> None:
    facts = parse_facts(MultiDict([("ages", "child"), ("ages", "senior, child")]), RULES)
    assert facts.ages == ("child", "senior")


def test_decide_rejects_unknown_values_in_facts_built_by_hand() -> None:
    with pytest.raises(FactsError) as error:
        decide(Facts(concerns=("care", "astrology")), RULES)
    assert error.value.value == "astrology"
