"""Benchmark: the portal's search index against SQLite FTS5 (trigram) and a plain LIKE scan.

    .venv/bin/python bench/search.py --sizes 10000 100000 --queries 200

Every measurement runs in its own child process (so peak memory is that process's ru_maxrss plus its
largest worker's). The corpus and the queries are generated deterministically from a seed.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# --- corpus --------------------------------------------------------------------------------------

AREAS = [
    ("toyota-nishi", "豊田市西", "とよたしにし"),
    ("sakura", "桜町", "さくらまち"),
    ("ume", "梅ヶ丘", "うめがおか"),
    ("kotobuki", "寿町", "ことぶきちょう"),
    ("midori", "緑ヶ丘", "みどりがおか"),
    ("asahi", "旭", "あさひ"),
    ("fujioka", "藤岡", "ふじおか"),
    ("obara", "小原", "おばら"),
    ("asuke", "足助", "あすけ"),
    ("shimoyama", "下山", "しもやま"),
    ("inabu", "稲武", "いなぶ"),
    ("takahashi", "高橋", "たかはし"),
    ("kamigo", "上郷", "かみごう"),
    ("takaoka", "高岡", "たかおか"),
    ("mikawa", "三河", "みかわ"),
    ("toyokawa", "豊川", "とよかわ"),
    ("kozakai", "小坂井", "こざかい"),
    ("ichinomiya", "一宮", "いちのみや"),
    ("mito", "御津", "みと"),
    ("suwa", "諏訪", "すわ"),
]
AREAS += [(f"chiku-{i}", f"第{i}地区", f"だい{i}ちく") for i in range(1, 21)]
KINDS = ["salon", "place", "menu", "window", "event"]
TARGETS = ["elderly", "disability", "children", "parents", "foreign", "poverty", "youth", "anyone"]
NAME_PARTS = {
    "salon": [
        ("ふれあいサロン", "ふれあいさろん"),
        ("いきいきサロン", "いきいきさろん"),
        ("通いの場", "かよいのば"),
        ("健康麻雀サロン", "けんこうまーじゃんさろん"),
        ("イキイキ体操クラブ", "いきいきたいそうくらぶ"),
        ("茶話会", "さわかい"),
        ("カラオケ教室", "からおけきょうしつ"),
    ],
    "place": [
        ("子ども食堂", "こどもしょくどう"),
        ("認知症カフェ", "にんちしょうかふぇ"),
        ("フリースペース", "ふりーすぺーす"),
        ("男性の料理教室", "だんせいのりょうりきょうしつ"),
        ("学習支援教室", "がくしゅうしえんきょうしつ"),
        ("多文化交流ひろば", "たぶんかこうりゅうひろば"),
        ("居場所カフェ", "いばしょかふぇ"),
    ],
    "menu": [
        ("農園のお手伝い", "のうえんのおてつだい"),
        ("和菓子店の軽作業", "わがしてんのけいさぎょう"),
        ("花屋の水やり体験", "はなやのみずやりたいけん"),
        ("静養室の利用", "せいようしつのりよう"),
        ("オムライス店の仕込み", "おむらいすてんのしこみ"),
        ("仏壇店の清掃", "ぶつだんてんのせいそう"),
    ],
    "window": [
        ("地域包括支援センター", "ちいきほうかつしえんせんたー"),
        ("障がい者相談支援事業所", "しょうがいしゃそうだんしえんじぎょうしょ"),
        ("こども家庭センター", "こどもかていせんたー"),
        ("生活困窮者自立相談支援窓口", "せいかつこんきゅうしゃじりつそうだんしえんまどぐち"),
        ("福祉総合相談窓口", "ふくしそうごうそうだんまどぐち"),
        ("多言語相談窓口", "たげんごそうだんまどぐち"),
    ],
    "event": [
        ("介護予防教室", "かいごよぼうきょうしつ"),
        ("ボランティア講座", "ぼらんてぃあこうざ"),
        ("防災訓練", "ぼうさいくんれん"),
        ("日本語教室", "にほんごきょうしつ"),
        ("スペイン語で話そう会", "すぺいんごではなそうかい"),
        ("ヨガ教室", "よがきょうしつ"),
    ],
}
SUFFIX = [
    ("ひまわり", "ひまわり"),
    ("さくら", "さくら"),
    ("わかば", "わかば"),
    ("あおぞら", "あおぞら"),
    ("", ""),
    ("", ""),
    ("つばさ", "つばさ"),
    ("ぽかぽか", "ぽかぽか"),
    ("にこにこ", "にこにこ"),
    ("ハートフル", "はーとふる"),
]
SYLL = "カキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロ"
TAGS = [
    "サロン",
    "高齢者",
    "体操",
    "介護予防",
    "認知症",
    "子ども食堂",
    "居場所",
    "学習支援",
    "就労体験",
    "障がい者",
    "障害者",
    "外国人",
    "多言語",
    "見守り",
    "ひきこもり",
    "料理",
    "農業",
    "ボランティア",
    "相談",
    "子育て",
    "不登校",
    "ヤングケアラー",
    "生活困窮",
    "配食",
    "健康",
    "カフェ",
    "フードバンク",
    "防災",
    "日本語",
    "手芸",
]
SENTENCES = [
    "毎週{day}の{time}から、{place}で{act}をしています。",
    "{target}の方もお気軽にご参加ください。",
    "参加費は{fee}です。予約は不要です。",
    "{org}のスタッフが見守りながら、一人ひとりのペースで過ごせます。",
    "{act}のあとは、お茶を飲みながらおしゃべりを楽しみます。",
    "障がいのある方も、障碍のある方も、障害の有無にかかわらず歓迎します。",
    "外国人参加歓迎。ポルトガル語とベトナム語の通訳がいます。",
    "送迎が必要な方は事前にご相談ください。",
    "地域の高齢者が集まり、介護予防の体操やレクリエーションを行います。",
    "子どもたちに温かい食事を提供し、学習支援も行っています。",
    "認知症の方とご家族が気軽に立ち寄れるカフェです。",
    "就労に向けた第一歩として、短時間の軽作業を体験できます。",
    "ひきこもりがちな若者が安心して過ごせる居場所です。",
    "季節の野菜（人参、大根、玉ねぎ）の収穫をお手伝いいただきます。",
    "生活に困っている方の相談を受け付け、必要な支援につなぎます。",
    "ボランティアも募集しています。",
    "{place}は駐車場があります。公共交通機関でもお越しいただけます。",
    "問い合わせは{org}まで、お電話かLINEでどうぞ。",
    "子育て中の親子が交流できるひろばです。",
    "日本語の読み書きを学びたい方を、{org}のボランティアが支えます。",
]
DAYS = ["月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "第2日曜日", "第1・第3水曜日"]
TIMES = ["午前10時", "午前9時半", "午後1時", "午後2時", "午後6時"]
PLACES = [
    "公民館",
    "交流館",
    "集会所",
    "市民センター",
    "社協会館",
    "お寺の本堂",
    "空き店舗",
    "小学校の多目的室",
]
ACTS = [
    "体操",
    "手芸",
    "カラオケ",
    "健康麻雀",
    "料理",
    "脳トレ",
    "ヨガ",
    "囲碁・将棋",
    "書道",
    "花壇づくり",
    "絵手紙",
]
TARGET_JA = ["高齢者", "障がいのある", "子育て中", "外国人", "ひとり暮らし", "不登校の", "どなた"]
FEES = ["無料", "100円", "200円（お茶代）", "300円", "500円（材料費）"]
ORGS = [
    "社会福祉協議会",
    "NPO法人つなぐ",
    "民生委員協議会",
    "ボランティアの会",
    "自治区",
    "社会福祉法人あゆみ",
    "株式会社ミドリ",
    "国際交流協会",
    "地域包括支援センター",
    "大学ゼミ",
]
TRANSLATIONS = [
    "Salão de convivência para idosos. Ginástica e conversa.",
    "Community salon for older people.",
    "Lớp học tiếng Nhật miễn phí cho người nước ngoài.",
    "Clase de español y conversación.",
    "Refeitório infantil com apoio escolar.",
    "Café para pessoas com demência e suas famílias.",
]


def generate(n: int, seed: int = 5):
    from portal.search.index import IndexDoc

    rng = random.Random(seed)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        kind = rng.choice(KINDS)
        area_code, area_name, area_kana = rng.choice(AREAS)
        base, base_kana = rng.choice(NAME_PARTS[kind])
        suf, suf_kana = rng.choice(SUFFIX)
        if rng.random() < 0.25:  # invented shop or group name the dictionary does not know
            inv = "".join(rng.choice(SYLL) for _ in range(rng.randint(3, 5)))
            suf = inv
            suf_kana = inv.translate({c: c - 0x60 for c in range(0x30A1, 0x30F7)})
        name = f"{area_name}{base}{suf}" if rng.random() < 0.5 else f"{base}{suf}"
        kana = f"{area_kana}{base_kana}{suf_kana}" if name.startswith(area_name) else f"{base_kana}{suf_kana}"
        org = rng.choice(ORGS)
        fill = {
            "day": rng.choice(DAYS),
            "time": rng.choice(TIMES),
            "place": area_name + rng.choice(PLACES),
            "act": rng.choice(ACTS),
            "target": rng.choice(TARGET_JA),
            "fee": rng.choice(FEES),
            "org": org,
        }
        summary = rng.choice(SENTENCES).format(**fill)
        desc = ""
        while len(summary) + len(desc) + len(name) < rng.randint(200, 400):
            desc += rng.choice(SENTENCES).format(**fill)
        yield IndexDoc(
            id=i,
            kind=kind,
            name=name,
            name_kana=kana,
            summary=summary,
            description=desc,
            tags=rng.sample(TAGS, rng.randint(2, 4)),
            organisation=area_name + org,
            area_code=area_code,
            area_name=area_name,
            targets=rng.sample(TARGETS, rng.randint(1, 3)),
            languages=["ja"] + (["pt-BR"] if rng.random() < 0.2 else []),
            translations=[rng.choice(TRANSLATIONS)] if rng.random() < 0.2 else [],
            updated_at=now - timedelta(days=rng.randint(0, 1000)),
        )


BASE_QUERIES = [
    "サロン",
    "体操",
    "介護",
    "認知症",
    "子ども食堂",
    "居場所",
    "就労",
    "障害者",
    "障がい者",
    "障碍者",
    "見守り",
    "料理教室",
    "料理　教室",
    "豊田",
    "かいご",
    "いきいき",
    "さろん",
    "にんちしょう",
    "こどもしょくどう",
    "ｻﾛﾝ",
    "salon",
    "fureai",
    "kaigo",
    "espanol",
    "ヨガ",
    "カラオケ",
    "人参",
    "茶",
    "農園",
    "花屋",
    "和菓子",
    "不登校",
    "ひきこもり",
    "外国人",
    "ポルトガル語",
    "ボランティア",
    "子育て",
    "相談",
    "地域包括支援センター",
    "生活困窮",
    "防災",
    "日本語",
    "手芸",
    "健康麻雀",
    "脳トレ",
    "公民館",
    "送迎",
    "無料",
    "ヤングケアラー",
    "フードバンク",
    "ハートフル",
    "ひまわり",
    "社会福祉協議会",
    "民生委員",
    "高齢者 サロン",
    "子ども 学習支援",
    "障がい者 就労",
    "認知症 カフェ",
    "外国人 日本語",
    "体操 桜町",
    "静養室",
    "オムライス",
    "仏壇",
    "多言語",
    "通訳",
    "ベトナム語",
    "お寺",
    "書道",
    "絵手紙",
    "花壇",
    "囲碁",
    "LINE",
    "駐車場",
    "親子",
]


def make_queries(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = list(BASE_QUERIES)
    for area in AREAS[:20]:
        out.append(f"{area[1]} {rng.choice(['サロン', '体操', '相談', '子ども食堂', 'カフェ'])}")
    while len(out) < n:
        a, b = rng.sample(BASE_QUERIES[:55], 2)
        out.append(a if rng.random() < 0.5 else f"{a} {b}")
    return out[:n]


# --- children ------------------------------------------------------------------------------------


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + kids) / 1024.0


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _pct(xs: list[float]) -> dict:
    xs = sorted(xs)
    q = statistics.quantiles(xs, n=100, method="inclusive")
    return {"p50": statistics.median(xs), "p95": q[94], "p99": q[98], "mean": statistics.fmean(xs)}


def child_ours(n: int, nq: int, workdir: Path) -> dict:
    from portal.search.analysis import analyze_piece
    from portal.search.index import IndexDoc, SearchIndex

    ix = SearchIndex(workdir / "ix")
    docs = list(generate(n))
    t0 = time.perf_counter()
    count = ix.rebuild(docs)
    build = time.perf_counter() - t0
    peak_build = _peak_mb()
    queries = make_queries(nq)
    for q in queries:  # warm: open segments, column caches, analysis caches
        ix.search(q)
    times, found = [], 0
    for q in queries:
        t = time.perf_counter()
        page = ix.search(q)
        times.append((time.perf_counter() - t) * 1000)
        found += page.total > 0
    ups = []
    for k in range(5):
        doc = IndexDoc(
            id=n + 1 + k,
            kind="salon",
            name=f"新しいふれあいサロン{k}",
            name_kana="あたらしいふれあいさろん",
            summary="新しくできたサロンです。",
            description="毎週火曜日に体操をします。" * 5,
            tags=["サロン"],
            area_code="sakura",
            area_name="桜町",
            targets=["elderly"],
        )
        t = time.perf_counter()
        ix.upsert([doc])
        ups.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    ix.search("新しいふれあいサロン")
    after_upsert = (time.perf_counter() - t) * 1000
    return {
        "build_s": build,
        "count": count,
        "size_mb": _dir_mb(workdir / "ix"),
        "peak_mb": peak_build,
        "q": _pct(times),
        "found": found,
        "upsert_ms": statistics.median(ups),
        "upsert_max_ms": max(ups),
        "first_search_after_upsert_ms": after_upsert,
        "cache": analyze_piece.cache_info()._asdict(),
    }


def _fts_text(d) -> tuple:
    return (
        d.id,
        d.name,
        d.name_kana,
        d.summary,
        d.description,
        " ".join(d.tags),
        d.organisation,
        d.area_name,
        " ".join(d.translations),
        d.kind,
        d.area_code,
    )


def child_fts(n: int, nq: int, workdir: Path, mode: str) -> dict:
    db = workdir / f"{mode}.sqlite"
    con = sqlite3.connect(db)
    docs = list(generate(n))
    t0 = time.perf_counter()
    cols = "name, name_kana, summary, description, tags, organisation, area_name, translations"
    con.execute("CREATE TABLE meta(id INTEGER PRIMARY KEY, kind TEXT, area TEXT)")
    if mode == "fts":
        con.execute(f"CREATE VIRTUAL TABLE t USING fts5({cols}, tokenize='trigram')")
    else:
        con.execute(f"CREATE TABLE t(rowid INTEGER PRIMARY KEY, {cols})")
    batch = []
    for d in docs:
        batch.append(_fts_text(d))
        if len(batch) >= 2000:
            con.executemany(
                "INSERT INTO t(rowid, name, name_kana, summary, description, tags, organisation, "
                "area_name, translations) VALUES (?,?,?,?,?,?,?,?,?)",
                [b[:9] for b in batch],
            )
            con.executemany("INSERT INTO meta VALUES (?,?,?)", [(b[0], b[9], b[10]) for b in batch])
            batch = []
    if batch:
        con.executemany(
            "INSERT INTO t(rowid, name, name_kana, summary, description, tags, organisation, "
            "area_name, translations) VALUES (?,?,?,?,?,?,?,?,?)",
            [b[:9] for b in batch],
        )
        con.executemany("INSERT INTO meta VALUES (?,?,?)", [(b[0], b[9], b[10]) for b in batch])
    con.commit()
    build = time.perf_counter() - t0
    peak = _peak_mb()
    size = db.stat().st_size / 1e6
    queries = make_queries(nq)
    like_all = " || ' ' || ".join(c.strip() for c in cols.split(","))

    def run(q: str) -> int:
        import unicodedata

        words = [w for w in unicodedata.normalize("NFKC", q).split() if w]
        if not words:
            return 0
        if mode == "fts":
            long_w = [w for w in words if len(w) >= 3]
            short_w = [w for w in words if len(w) < 3]
            where, args = [], []
            if long_w:
                where.append("t MATCH ?")
                args.append(" AND ".join('"' + w.replace('"', '""') + '"' for w in long_w))
            for (
                w
            ) in short_w:  # trigram cannot MATCH under 3 characters: LIKE (a scan) as the FTS5 docs advise
                where.append(f"({like_all}) LIKE ?")
                args.append(f"%{w}%")
            w_sql = " AND ".join(where)
            order = "ORDER BY rank" if long_w else ""
            top = con.execute(f"SELECT rowid FROM t WHERE {w_sql} {order} LIMIT 20", args).fetchall()
            total = con.execute(f"SELECT count(*) FROM t WHERE {w_sql}", args).fetchone()[0]
            con.execute(
                f"SELECT m.kind, count(*) FROM t JOIN meta m ON m.id = t.rowid WHERE {w_sql} GROUP BY 1", args
            ).fetchall()
        else:
            w_sql = " AND ".join(f"({like_all}) LIKE ?" for _ in words)
            args = [f"%{w}%" for w in words]
            top = con.execute(f"SELECT rowid FROM t WHERE {w_sql} LIMIT 20", args).fetchall()
            total = con.execute(f"SELECT count(*) FROM t WHERE {w_sql}", args).fetchone()[0]
            con.execute(
                f"SELECT m.kind, count(*) FROM t JOIN meta m ON m.id = t.rowid WHERE {w_sql} GROUP BY 1", args
            ).fetchall()
        del top
        return total

    for q in queries:
        run(q)
    times, found = [], 0
    for q in queries:
        t = time.perf_counter()
        total = run(q)
        times.append((time.perf_counter() - t) * 1000)
        found += total > 0
    ups = []
    for k in range(5):
        t = time.perf_counter()
        con.execute(
            "INSERT INTO t(rowid, name, description) VALUES (?, ?, ?)",
            (n + 1 + k, f"新しいサロン{k}", "毎週火曜日に体操をします。" * 5),
        )
        con.commit()
        ups.append((time.perf_counter() - t) * 1000)
    return {
        "build_s": build,
        "count": n,
        "size_mb": size,
        "peak_mb": peak,
        "q": _pct(times),
        "found": found,
        "upsert_ms": statistics.median(ups),
        "upsert_max_ms": max(ups),
    }


# --- driver --------------------------------------------------------------------------------------


def run_child(kind: str, n: int, nq: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-{n}-"))
    try:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                kind,
                "--sizes",
                str(n),
                "--queries",
                str(nq),
                "--workdir",
                str(workdir),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"{kind} child failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--child")
    ap.add_argument("--workdir")
    args = ap.parse_args()
    if args.child:
        n = args.sizes[0]
        wd = Path(args.workdir)
        res = (
            child_ours(n, args.queries, wd)
            if args.child == "ours"
            else child_fts(n, args.queries, wd, args.child)
        )
        print(json.dumps(res))
        return
    for n in args.sizes:
        res = {k: run_child(k, n, args.queries) for k in ("ours", "fts", "like")}
        o, f, lk = res["ours"], res["fts"], res["like"]
        print(f"\n== {n:,} listings, {args.queries} queries (ms unless stated) ==")
        print(f"{'':24}{'ours':>12}{'fts5 trigram':>14}{'LIKE scan':>12}{'ours/fts5':>11}")

        def row(label, key, fmt="{:.1f}", getter=None, runs=(o, f, lk)):
            g = getter or (lambda r: r[key])
            vals = [g(r) for r in runs]
            ratio = vals[0] / vals[1] if vals[1] else float("nan")
            print(
                f"{label:24}"
                + "".join(f"{fmt.format(v):>{w}}" for v, w in zip(vals, (12, 14, 12), strict=True))
                + f"{ratio:>11.2f}"
            )

        row("build (s)", "build_s")
        row("listings / s", None, "{:.0f}", lambda r: r["count"] / r["build_s"])
        row("size (MB)", "size_mb")
        row("peak memory (MB)", "peak_mb", "{:.0f}")
        for p in ("p50", "p95", "p99"):
            row(f"query {p}", None, "{:.2f}", lambda r, p=p: r["q"][p])
        row("queries with hits", "found", "{:.0f}")
        row("upsert one (median)", "upsert_ms")
        row("upsert one (max)", "upsert_max_ms")
        print(
            f"search right after an upsert: {o['first_search_after_upsert_ms']:.1f} ms; "
            f"analysis cache: {o['cache']}"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
