"""The search index service (portal.search.index), on a small index built from domain listings."""

from __future__ import annotations

import html
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.search.analysis import fold, romaji_to_kana
from portal.search.index import IndexDoc, IndexUnavailable, SearchIndex

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def listing(id: int, name: str, kind: str = "place", **kw) -> IndexDoc:
    kw.setdefault("updated_at", NOW - timedelta(days=400))
    return IndexDoc(id=id, kind=kind, name=name, **kw)


CORPUS = [
    listing(
        1,
        "ふれあいサロン桜",
        "salon",
        name_kana="ふれあいさろんさくら",
        summary="高齢者の集いの場です。",
        description="毎週火曜日に体操とお茶会をしています。",
        tags=["サロン", "高齢者"],
        area_code="sakura",
        area_name="桜町",
        targets=["elderly"],
    ),
    listing(
        2,
        "イキイキ体操教室",
        "event",
        name_kana="いきいきたいそうきょうしつ",
        summary="誰でも参加できる体操。",
        description="介護予防のための体操です。",
        tags=["体操", "介護予防"],
        area_code="ume",
        area_name="梅ヶ丘",
        targets=["elderly"],
    ),
    listing(
        3,
        "農園のお手伝い",
        "menu",
        name_kana="のうえんのおてつだい",
        summary="季節の野菜の収穫。",
        description="人参や大根の収穫を手伝います。障がい者の就労体験にも。",
        tags=["農業", "就労"],
        organisation="山田農園",
        area_code="midori",
        area_name="緑ヶ丘",
        targets=["disability"],
    ),
    listing(
        4,
        "多文化交流ひろば",
        "place",
        name_kana="たぶんかこうりゅうひろば",
        summary="外国人参加歓迎。",
        description="ポルトガル語の通訳がいます。",
        tags=["多言語"],
        area_code="sakura",
        area_name="桜町",
        targets=["foreign"],
        translations=["Espaço de convivência para estrangeiros"],
    ),
    listing(
        5,
        "Clase de español",
        "event",
        summary="スペイン語で話そう",
        description="Hablamos español.",
        tags=["語学"],
        area_code="ume",
        area_name="梅ヶ丘",
        targets=["foreign"],
        languages=["es"],
    ),
    listing(
        6,
        "子ども食堂ひまわり",
        "place",
        name_kana="こどもしょくどうひまわり",
        summary="温かいごはんを一緒に。",
        tags=["子ども食堂", "居場所"],
        area_code="sakura",
        area_name="桜町",
        targets=["children"],
    ),
    listing(
        7,
        "認知症カフェみどり",
        "place",
        name_kana="にんちしょうかふぇみどり",
        summary="ご家族も気軽にどうぞ。",
        tags=["認知症", "カフェ"],
        area_code="midori",
        area_name="緑ヶ丘",
        targets=["elderly"],
    ),
    listing(
        8,
        "障碍者相談支援センター",
        "window",
        name_kana="しょうがいしゃそうだんしえんせんたー",
        summary="障害のある方の相談窓口。",
        tags=["相談"],
        area_code="ume",
        area_name="梅ヶ丘",
        targets=["disability"],
    ),
    listing(
        9,
        "障害者就労支援わかば",
        "menu",
        name_kana="しょうがいしゃしゅうろうしえんわかば",
        summary="軽作業の体験ができます。",
        tags=["就労"],
        area_code="sakura",
        area_name="桜町",
        targets=["disability"],
    ),
    listing(
        10,
        "男性の料理教室",
        "event",
        name_kana="だんせいのりょうりきょうしつ",
        summary="一緒に作って食べよう。",
        tags=["料理"],
        area_code="midori",
        area_name="緑ヶ丘",
        targets=["elderly"],
    ),
    listing(
        11,
        "じょいなす豊川",
        "place",
        name_kana="じょいなすとよかわ",
        summary="居場所と行事の地図。",
        tags=["居場所"],
        area_code="toyokawa",
        area_name="豊川",
        targets=["anyone"],
    ),
    listing(
        12,
        "カフェ・ポルコ",
        "menu",
        name_kana="かふぇぽるこ",
        summary="お店で接客の体験。",
        tags=["就労体験"],
        area_code="ume",
        area_name="梅ヶ丘",
        targets=["youth"],
    ),
    listing(
        13,
        "カラオケ同好会",
        "salon",
        name_kana="からおけどうこうかい",
        summary="歌って元気に。",
        tags=["カラオケ"],
        area_code="sakura",
        area_name="桜町",
        targets=["elderly"],
    ),
    listing(
        14,
        "見守りボランティア講座",
        "event",
        name_kana="みまもりぼらんてぃあこうざ",
        summary="ひとり暮らしの高齢者を見守る。",
        tags=["見守り", "ボランティア"],
        area_code="midori",
        area_name="緑ヶ丘",
        targets=["anyone"],
    ),
    listing(
        15,
        "いきいきサロン梅",
        "salon",
        name_kana="いきいきさろんうめ",
        summary="梅ヶ丘の通いの場。",
        tags=["サロン"],
        area_code="ume",
        area_name="梅ヶ丘",
        targets=["elderly"],
        translations=["Salão de convivência para idosos"],
        updated_at=NOW - timedelta(days=2000),
    ),
    listing(
        16,
        "Ｚｕｍｂａ教室",
        "event",
        summary="音楽に合わせて踊ります。",
        tags=["ダンス"],
        area_code="sakura",
        area_name="桜町",
        targets=["anyone"],
    ),
    listing(
        17,
        "ベトナム語相談窓口",
        "window",
        name_kana="べとなむごそうだんまどぐち",
        summary="母語で相談できます。",
        tags=["ベトナム語"],
        area_code="toyokawa",
        area_name="豊川",
        targets=["foreign"],
        translations=["Tư vấn bằng tiếng Việt"],
    ),
    listing(
        18,
        "学校帰りの居場所",
        "place",
        name_kana="がっこうがえりのいばしょ",
        summary="放課後に宿題ができます。",
        tags=["学習支援"],
        area_code="midori",
        area_name="緑ヶ丘",
        targets=["children"],
    ),
    listing(
        19,
        "格好いいダンス部",
        "event",
        name_kana="かっこういいだんすぶ",
        summary="若者のダンス。",
        tags=["ダンス"],
        area_code="ume",
        area_name="梅ヶ丘",
        targets=["youth"],
    ),
    listing(
        20,
        "ふれあいサロン竹",
        "salon",
        name_kana="ふれあいさろんたけ",
        summary="竹の子会のサロン。",
        tags=["サロン"],
        area_code="toyokawa",
        area_name="豊川",
        targets=["elderly"],
        updated_at=NOW - timedelta(days=3),
    ),
    listing(
        21,
        "ヨガ教室",
        "event",
        name_kana="よがきょうしつ",
        summary="体をほぐします。",
        area_code="ume",
        area_name="梅ヶ丘",
        targets=["anyone"],
    ),
    listing(
        22,
        "健康づくりの会",
        "event",
        name_kana="けんこうづくりのかい",
        summary="歩こう会。",
        description="月に一度ヨガもします。",
        area_code="ume",
        area_name="梅ヶ丘",
        targets=["anyone"],
    ),
    listing(
        23,
        "地域の集い",
        "event",
        name_kana="ちいきのつどい",
        summary="自治区の行事。",
        tags=["防災"],
        area_code="sakura",
        area_name="桜町",
        targets=["anyone"],
    ),
    listing(
        24,
        "秋の行事",
        "event",
        name_kana="あきのぎょうじ",
        summary="自治区の秋祭り。",
        description="防災の話もあります。",
        area_code="sakura",
        area_name="桜町",
        targets=["anyone"],
    ),
    listing(
        25,
        "<b>親子</b>ひろば & カフェ",
        "place",
        name_kana="おやこひろばかふぇ",
        summary="親子で<script>遊ぼう</script>",
        area_code="ume",
        area_name="梅ヶ丘",
        targets=["parents"],
    ),
] + [
    listing(
        100 + i,
        f"通いの場その{i}",
        "salon",
        name_kana=f"かよいのばその{i:02d}",
        summary="体操と茶話会。",
        area_code="chiku-1" if i % 3 else "chiku-2",
        area_name="第1地区",
        targets=["elderly"],
    )
    for i in range(45)
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> SearchIndex:
    ix = SearchIndex(tmp_path_factory.mktemp("search") / "ix")
    assert ix.rebuild(CORPUS, workers=1) == len(CORPUS)
    return ix


def ids(page) -> list[int]:
    return [h.id for h in page.hits]


# (query, filters, must find, must not find) — written from what residents and workers type
CASES = [
    # readings: kana finds kanji, hiragana finds katakana and the other way round
    ("かいご", {}, {2}, {1, 3}),
    ("にんちしょう", {}, {7}, {2}),
    ("こどもしょくどう", {}, {6}, {18}),
    ("いきいき", {}, {2, 15}, {1}),
    ("イキイキ", {}, {2, 15}, {20}),
    ("さろん", {}, {1, 15, 20}, {2}),
    ("みまもり", {}, {14}, {7}),
    # orthographic variants from the dictionary's normalised forms
    ("障害者", {}, {8, 9, 3}, {4}),
    ("障がい者", {}, {8, 9, 3}, {4}),
    ("障碍者", {}, {8, 9, 3}, {4}),
    ("子供食堂", {}, {6}, {18}),
    # widths and spaces
    ("ｻﾛﾝ", {}, {1, 15, 20}, {2}),
    ("ｶﾗｵｹ", {}, {13}, {1}),
    ("ＺＵＭＢＡ", {}, {16}, {19}),
    ("zumba", {}, {16}, {19}),
    ("料理　教室", {}, {10}, {4}),
    ("料理教室", {}, {10}, {4}),
    ("認知症　カフェ", {}, {7}, {12}),
    # romaji of readings
    ("fureai", {}, {1, 20}, {2}),
    ("kaigo", {}, {2}, {1}),
    ("karaoke", {}, {13}, {1}),
    ("shogaisha", {}, {8, 9}, {4}),
    ("Ninchisho", {}, {7}, {2}),
    # accents folded for Latin letters only
    ("espanol", {}, {5}, {4}),
    ("ESPAÑOL", {}, {5}, {4}),
    ("tieng viet", {}, {17}, {5}),
    # katakana loanwords typed in Latin letters
    ("salon", {}, {1, 15, 20}, {2}),
    ("salão", {}, {1, 15, 20}, {2}),
    ("cafe", {}, {7, 12}, {1}),
    ("volunteer", {}, {14}, {1}),
    # dakuten are never stripped: が is not か
    ("がっこう", {}, {18}, {19}),
    ("かっこう", {}, {19}, {18}),
    # words match as words, not as substrings
    ("人参", {}, {3}, {4}),
    ("にんじん", {}, {3}, {4}),
    ("外国人", {}, {4}, {3}),
    # words the dictionary does not know (shop names) through the n-gram field
    ("じょいなす", {}, {11}, {13}),
    ("ポルコ", {}, {12}, {7}),
    # filters combined with text
    ("サロン", {"area": "sakura"}, {1}, {15, 20}),
    ("サロン", {"target": "elderly", "area": "toyokawa"}, {20}, {1, 15}),
    ("体操", {"kind": "event"}, {2}, {1, 100}),
    ("相談", {"kind": "window"}, {8, 17}, {4}),
    ("サロン", {"kind": "no-such-kind"}, set(), {1, 15, 20}),
    # malformed input finds what the words say, or nothing, never an error
    ('"サロン', {}, {1, 20}, {2}),
    ("サロン*", {}, {1, 20}, {2}),
    ("name:サロン", {}, {1, 20}, {2}),
    ("<script>サロン</script>", {}, {1, 20}, {2}),
    ("カラオケ AND", {}, {13}, {1}),
]


@pytest.mark.parametrize(
    ("q", "filters", "found", "not_found"), CASES, ids=[f"{i:02d}-{c[0]}" for i, c in enumerate(CASES)]
)
def test_query_cases(index, q, filters, found, not_found):
    page = index.search(q, per_page=100, **filters)
    got = set(ids(page))
    assert found <= got, f"{q!r} should find {found - got}, got {sorted(got)}"
    assert not (not_found & got), f"{q!r} must not find {not_found & got}"
    assert page.total == len(got)


@pytest.mark.parametrize(
    "q",
    [
        "*",
        "AND",
        "OR NOT",
        "name:",
        '"""',
        "' OR 1=1 --",
        "😀" * 2000,
        "\x00\u200b",
        "a" * 5000,
        "()[]{}^~",
        "%_%",
        "\ud800",
        "サロン" * 300,
        "ﾞﾟ",
        "\u3000\u3000",
    ],
)
def test_malformed_input_never_raises(index, q):
    page = index.search(q)
    assert page.total >= 0 and isinstance(page.hits, list)


def test_emoji_flood_is_empty(index):
    page = index.search("😀" * 2000)
    assert page.total == 0 and page.hits == []


def test_name_match_ranks_above_description(index):
    assert ids(index.search("ヨガ"))[:2] == [21, 22]


def test_tag_match_ranks_above_description(index):
    assert ids(index.search("防災"))[:2] == [23, 24]


def test_fresher_listing_ranks_first_among_equals(index):
    got = ids(index.search("ふれあいサロン"))
    assert got.index(20) < got.index(1)  # 竹 updated 3 days ago, 桜 400 days ago


def test_empty_query_with_filter_lists_all_by_reading(index):
    page = index.search("", kind="window")
    assert ids(page) == [8, 17]  # しょうがいしゃ… before べとなむご…
    assert page.total == 2


def test_empty_query_without_filter_lists_everything(index):
    assert index.search("   ", per_page=5).total == len(CORPUS)


def test_paging_is_complete_and_disjoint(index):
    pages = [index.search("通いの場", page=p, per_page=20) for p in (1, 2, 3, 4)]
    assert [p.total for p in pages] == [46] * 4  # 45 in the name, one (15) in the summary
    assert [len(p.hits) for p in pages] == [20, 20, 6, 0]
    seen = [i for p in pages for i in ids(p)]
    assert len(seen) == len(set(seen)) == 46
    assert seen[-1] == 15  # the summary match comes after every name match


@pytest.mark.parametrize("page", [0, -3, "x", None, 10**9])
def test_bad_page_numbers(index, page):
    result = index.search("サロン", page=page)
    assert result.total >= 3 and result.page >= 1


def test_facets_count_each_dimension_without_its_own_filter(index):
    page = index.search("通いの場", area="chiku-2")
    assert page.total == 15
    assert page.facets["area"] == {"chiku-1": 30, "chiku-2": 15, "ume": 1}
    assert page.facets["kind"] == {"salon": 15}
    assert page.facets["target"] == {"elderly": 15}


def test_highlights_are_escaped_and_marked(index):
    hit = index.search("親子").hits[0]
    assert hit.id == 25
    assert hit.highlights["name"] == "&lt;b&gt;<mark>親子</mark>&lt;/b&gt;ひろば &amp; カフェ"
    assert "<script>" not in hit.highlights["summary"]
    assert "&lt;script&gt;" in hit.highlights["summary"]


def test_highlight_marks_the_variant_written_in_the_listing(index):
    hit = next(h for h in index.search("障害者").hits if h.id == 3)
    assert "<mark>障がい者</mark>" in hit.highlights["description"]


def test_suggestions_offer_close_spellings(index):
    page = index.search("ボランテイア")
    assert page.total == 0
    assert "ボランティア" in page.suggestions


def test_suggestions_for_misspelt_katakana(index):
    assert "カラオケ" in index.search("カラオキ").suggestions


def test_no_suggestions_when_results_are_plenty(index):
    assert index.search("サロン").suggestions == []


def test_relaxed_when_no_listing_has_every_word(index):
    page = index.search("カラオケ 人参")
    assert page.relaxed and {3, 13} <= set(ids(page))


def test_upsert_replaces_and_delete_removes(tmp_path):
    ix = SearchIndex(tmp_path / "ix")
    ix.rebuild(CORPUS[:3], workers=1)
    ix.upsert([listing(2, "ふれあい麻雀クラブ", "salon")])
    assert ids(ix.search("麻雀")) == [2]
    assert ix.search("体操教室").total == 0
    ix.delete([2])
    assert ix.search("麻雀").total == 0
    assert ix.search("").total == 2


def test_rebuild_swaps_and_keeps_one_generation(tmp_path):
    ix = SearchIndex(tmp_path / "ix")
    assert not ix.exists()
    ix.rebuild(CORPUS[:2], workers=1)
    assert ix.search("サロン").total == 1
    ix.rebuild(CORPUS, workers=2, segment_docs=10)  # worker processes write segments
    assert ix.search("サロン").total >= 3
    assert len(list((tmp_path / "ix").glob("gen-*"))) == 1


def test_each_hit_shows_its_own_listing_across_segments(tmp_path):
    ix = SearchIndex(tmp_path / "ix")
    ix.rebuild(CORPUS, workers=2, segment_docs=3)  # several segments: hits come from each
    page = ix.search("", per_page=100)
    assert sorted(hit.id for hit in page.hits) == sorted(doc.id for doc in CORPUS)
    by_id = {doc.id: doc for doc in CORPUS}
    for hit in page.hits:
        assert hit.kind == by_id[hit.id].kind
        assert hit.highlights["name"] == html.escape(by_id[hit.id].name)


def test_missing_index_raises_unavailable(tmp_path):
    ix = SearchIndex(tmp_path / "nothing")
    assert not ix.exists()
    with pytest.raises(IndexUnavailable):
        ix.search("サロン")
    with pytest.raises(IndexUnavailable):
        ix.upsert([listing(1, "x")])


def test_corrupt_index_raises_unavailable(tmp_path):
    ix = SearchIndex(tmp_path / "ix")
    ix.rebuild(CORPUS[:3], workers=1)
    for f in (tmp_path / "ix" / "current").iterdir():
        if f.suffix == ".toc":
            f.write_bytes(b"garbage")
    fresh = SearchIndex(tmp_path / "ix")
    with pytest.raises(IndexUnavailable):
        fresh.search("サロン")


def test_an_index_from_an_older_version_is_rebuilt_not_read(tmp_path):
    """An upgrade that changes the index's fields: the old index counts as missing (so the portal
    searches the database and rebuilds it) instead of failing on a field it lacks."""
    from whoosh import index as windex
    from whoosh.fields import ID, STORED, Schema

    ix = SearchIndex(tmp_path / "ix")
    ix.rebuild(CORPUS[:3], workers=1)
    current = tmp_path / "ix" / "current"
    for f in current.iterdir():
        f.unlink()
    windex.create_in(str(current), Schema(id=ID(stored=True, unique=True), s_name=STORED()))
    fresh = SearchIndex(tmp_path / "ix")
    assert not fresh.exists()
    with pytest.raises(IndexUnavailable):
        fresh.search("サロン")
    fresh.rebuild(CORPUS[:3], workers=1)
    assert fresh.exists()
    assert fresh.search("サロン").total >= 1


def test_fold_keeps_dakuten_and_strips_latin_accents():
    assert fold("ガッコウ") == "がっこう"
    assert fold("Ｅｓｐａñｏｌ") == "espanol"
    assert fold("ｶﾞ") == "が"
    assert fold("Tiếng Việt") == "tieng viet"


def test_romaji_only_for_romaji():
    assert romaji_to_kana("fureai") == "ふれあい"
    assert romaji_to_kana("shinbun") == "しんぶん"
    assert romaji_to_kana("salon") == "さろん"
    assert romaji_to_kana("xyz") is None
    assert romaji_to_kana("street") is None


def test_index_path_accepts_pathlike(tmp_path):
    ix = SearchIndex(os.fspath(tmp_path / "ix"))
    ix.rebuild([], workers=1)
    assert ix.exists() and ix.search("").total == 0
    assert isinstance(ix.path, Path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.text(max_size=300),
    kind=st.one_of(st.none(), st.text(max_size=10)),
    page=st.integers(min_value=-5, max_value=50),
)
def test_any_unicode_query_never_raises(index, q, kind, page):
    result = index.search(q, kind=kind, page=page)
    assert result.total >= 0
    for hit in result.hits:
        assert "<script" not in "".join(hit.highlights.values())


def test_updates_after_a_big_rebuild_never_merge_the_big_segments(tmp_path, monkeypatch):
    import portal.search.index as index_module

    monkeypatch.setattr(index_module, "SMALL_SEGMENT_DOCS", 3)  # the rebuild's segments of 4 count as big
    ix = SearchIndex(tmp_path / "ix")
    ix.rebuild(CORPUS, workers=1, segment_docs=4)

    def big_segments():
        return {s.segment_id() for s in ix._open()._segments() if s.doc_count_all() >= 3}

    before = big_segments()
    updates = index_module.MAX_SMALL_SEGMENTS + 2
    for k in range(updates):
        ix.upsert([IndexDoc(id=9000 + k, kind="salon", name=f"新しいサロン{k}")])
    small = [s for s in ix._open()._segments() if s.doc_count_all() < 3]
    assert len(before) > 2 and before <= big_segments()  # the rebuild's segments are left alone
    assert len(small) <= index_module.MAX_SMALL_SEGMENTS  # the updates' segments were merged
    assert ix.search("新しいサロン").total == updates


def _segment_files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir() if path.suffix != ".toc"}


def test_a_segment_written_our_way_is_byte_for_byte_whooshs_own(tmp_path, monkeypatch):
    import random
    from types import SimpleNamespace

    from whoosh.codec import whoosh3
    from whoosh.fields import ID

    import portal.search.index as index_module
    from portal.search import postings

    # enough listings that common terms fill several 128-posting blocks, plus one-off names and bigrams
    docs = [
        listing(
            n,
            f"{CORPUS[n % len(CORPUS)].name}{n}",
            CORPUS[n % len(CORPUS)].kind,
            summary=CORPUS[n % 3].summary,
            description=CORPUS[n % len(CORPUS)].description + CORPUS[(n * 7) % len(CORPUS)].description,
            tags=CORPUS[n % len(CORPUS)].tags,
            organisation="山田農園" if n % 5 == 0 else "",
            area_code="sakura",
            area_name="桜町",
        )
        for n in range(1, 400)
    ]

    def write(path: Path, term_at_a_time: bool) -> dict[str, bytes]:
        if not term_at_a_time:  # Whoosh's own writer and its own ID field, compressing as ours does
            monkeypatch.setattr(postings, "can_write", lambda writer: False)
            monkeypatch.setattr(index_module, "Code", ID)
            monkeypatch.setattr(whoosh3, "zlib", SimpleNamespace(compress=postings.compress))
        path.mkdir()
        random.seed(7)  # the segment's random id names its files
        index_module._write_part(str(path), docs)
        monkeypatch.undo()
        return _segment_files(path)

    fast, stock = write(tmp_path / "fast", True), write(tmp_path / "stock", False)
    assert fast.keys() == stock.keys()
    assert fast == stock
    assert any(len(body) > 10_000 for body in fast.values())  # real postings, not two empty segments


def test_analysis_is_the_same_whatever_was_analysed_before():
    """Words are cached by their forms (analysis._forms): 福祉 as a short unit of 社会福祉協議会 carries no
    reading, 福祉 as a word of its own does; neither may leak into the other."""
    from portal.search import analysis as an
    from portal.search import fields

    texts = ["福祉", "社会福祉協議会", "高齢者福祉の相談", "福祉の窓口です。", "サロン", "ふれあいサロン"]

    def cold(text):
        fields.clear_caches()
        return an.analyze(text), fields._text_terms(text)

    expected = {text: cold(text) for text in texts}
    for order in (texts, texts[::-1]):
        fields.clear_caches()
        for text in order:
            assert (an.analyze(text), fields._text_terms(text)) == expected[text], text
    assert ("福祉", "ふくし") in [m.terms for m in expected["福祉"][0]]  # a word: with its reading
    assert ("福祉",) in [m.terms for m in expected["社会福祉協議会"][0]]  # a short unit: without


def test_a_listings_fields_do_not_depend_on_what_was_analysed_before():
    """fields caches what each sentence and short text gives the index: a listing analysed after others
    that share its tags, sentences and organisation gets exactly the fields it gets on its own."""
    from portal.search import fields

    docs = [
        listing(1, "ふれあいサロン旭", name_kana="ふれあいサロンあさひ", tags=["体操", "お茶会"],
                summary="地域の高齢者が集まります。", organisation="旭福祉会", area_name="旭",
                description="地域の高齢者が集まります。Café Brasil も来ます。\n送迎の相談にも応じます。"),
        listing(2, "Café Brasil", tags=["お茶会", "多文化"], organisation="旭福祉会",
                description="送迎の相談にも応じます。地域の高齢者が集まります。",
                translations=["Salão de encontro. Bem-vindo!", "やさしい にほんご です。"]),
        listing(3, "", tags=["", "ＳＡＬＯＮ"], description=""),
    ]  # fmt: skip

    def alone(doc):
        fields.clear_caches()
        return fields.analyse_doc(doc)

    expected = {doc.id: alone(doc) for doc in docs}
    for order in (docs, docs[::-1], docs + docs):
        fields.clear_caches()
        for doc in order:
            assert fields.analyse_doc(doc) == expected[doc.id], doc.name
    first = expected[1]
    assert "ふれあいさろんあさひ" in first["name"].split()  # the whole reading, as one term
    assert {"送迎", "相談"} <= set(first["body"].split())  # the description's second sentence
    assert "br" in first["ngram"].split()  # bigrams of a word the dictionary does not know (Brasil)


@pytest.mark.parametrize("size", [80, 700, 1024, 5000, 100_000])
def test_a_block_compressed_our_way_is_read_by_plain_zlib(size):
    """Whoosh's reader decompresses blocks with zlib.decompress, whatever window they were written with."""
    import pickle
    import random
    import zlib

    from portal.search.postings import compress

    rng = random.Random(size)
    data = pickle.dumps(tuple(rng.randrange(200) for _ in range(size // 2)), 2)[:size]
    packed = compress(data, 3)
    assert zlib.decompress(packed) == data
    assert len(packed) < len(data) or size < 100  # still compresses
