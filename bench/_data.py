"""Deterministic generated listings for the benchmarks (realistic Japanese text, not real places)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from portal.importer.rows import COLUMNS

AREAS = ["asahi", "midori", "sakura", "higashi", "nishi", "minami", "kita", "chuo", "yamate", "kawabe"]
PLACES = ["旭", "緑ヶ丘", "桜町", "東山", "西浜", "南野", "北原", "中央", "山手", "川辺", "若松", "本町"]
KINDS = ["salon", "place", "member", "menu", "event"]
SALON_WORDS = ["ふれあいサロン", "いきいき体操", "お茶会", "通いの場", "歌声サロン", "健康麻雀", "手芸の会"]
PLACE_WORDS = [
    "子ども食堂", "認知症カフェ", "フリースペース", "男性の料理教室", "家族会", "多文化カフェ", "学習支援",
]  # fmt: skip
MENU_WORDS = ["農作業体験", "軽作業", "清掃ボランティア", "花の手入れ", "パン作り", "事務補助", "見守り訪問"]
SENTENCES = [
    "地域の高齢者が気軽に集まり、おしゃべりや体操を楽しめる場所です。",
    "障がいのある方もない方も一緒に参加できます。送迎の相談にも応じます。",
    "子どもから高齢者まで、どなたでも無料でご利用いただけます。",
    "外国人の方も歓迎です。やさしい日本語でお話しします。",
    "初めての方は事前にお電話ください。見学だけでも大丈夫です。",
    "ひきこもりがちな方の社会参加の第一歩として利用されています。",
    "季節の行事や手作りの昼食会を毎月行っています。",
    "介護をしているご家族の情報交換と息抜きの場です。",
    "農園での収穫作業を通じて、働く練習ができます。",
    "静かな部屋で読書や勉強をして過ごすこともできます。",
]
WEEKDAYS = ["月曜", "火曜", "水曜", "木曜", "金曜", "土曜", "日曜"]
TARGETS = ["senior", "disability", "child", "poverty", "anyone"]


def listing_rows(count: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    members: list[str] = []
    for number in range(count):
        kind = "member" if number < max(1, count // 20) else rng.choice(KINDS)
        place = rng.choice(PLACES)
        words = {"salon": SALON_WORDS, "place": PLACE_WORDS, "menu": MENU_WORDS}.get(kind, PLACE_WORDS)
        name = f"{place}{rng.choice(words)}{number}" if kind != "member" else f"{place}福祉会{number}"
        text = "".join(rng.sample(SENTENCES, rng.randint(4, 7)))
        row = {column: "" for column in COLUMNS}
        row.update(
            kind=kind, name=name, name_kana="", summary=text[:40], description=text,
            area=rng.choice(AREAS), lat=f"{35.08 + rng.uniform(-0.05, 0.05):.5f}",
            lng=f"{137.15 + rng.uniform(-0.05, 0.05):.5f}", phone=f"0565-00-{number % 10000:04d}",
            targets=";".join(rng.sample(TARGETS, 2)), tags=";".join(rng.sample(SALON_WORDS + MENU_WORDS, 3)),
            languages="ja", hours=f"毎週{rng.choice(WEEKDAYS)} 10:00〜12:00",
        )  # fmt: skip
        if kind == "member":
            members.append(name)
        if kind in ("menu", "event"):
            row["organisation"] = rng.choice(members)
        if kind == "event":
            day = 1 + number % 28
            row["starts_at"], row["ends_at"] = f"2027-01-{day:02d}T10:00", f"2027-01-{day:02d}T12:00"
        rows.append(row)
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path
