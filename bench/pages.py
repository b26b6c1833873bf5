"""How fast the directory's pages are on 10,000 listings, beside Flask serving a static file of the same size.

    .venv/bin/python bench/pages.py [--listings 10000] [--runs 100] [--database-url URL]

Everything runs in-process (Flask test client), so the figures are server time only: no network, no browser.
Each page is measured against a baseline taken in the same run: a bare Flask app serving a static file as
large as that page's response. Two tables: as served (the page cache on, portal/pagecache.py) and with
the cache off, every page rendered. The listing page is measured twice over the same 100 listings: the
first pass renders each one, the second finds them kept. Then a third measurement of a listing's first
view, this time in turn with the static file run by run (interleaved, as bench/referral.py also does),
so both meet the same moment of a noisy machine. The issue's aim: every page's p95 under 5x its
baseline, and the page weight (HTML + CSS + JS, gzip, no map tiles) of the home and a directory page under
100 KB.

Listings are generated (seeded, so runs compare) and loaded through the importer's apply_rows, the same
path as `flask import-csv`. The search index is not built: no measured page uses it.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ["FLASK_SKIP_DOTENV"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bs4 import BeautifulSoup  # noqa: E402
from flask import Flask  # noqa: E402

from portal import create_app  # noqa: E402
from portal.demo.seed import load_city, seed_areas  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.importer.apply import apply_rows  # noqa: E402
from portal.importer.rows import parse_row  # noqa: E402
from portal.pagecache import get_cache  # noqa: E402
from portal.search.sync import PENDING  # noqa: E402

KIND_SHARE = {"member": 0.05, "menu": 0.30, "event": 0.15, "salon": 0.25, "place": 0.24, "window": 0.01}
WORDS = [
    ("ふれあい", "ふれあい"),
    ("いきいき", "いきいき"),
    ("みどり", "みどり"),
    ("ひだまり", "ひだまり"),
    ("体操", "たいそう"),
    ("食堂", "しょくどう"),
    ("喫茶", "きっさ"),
    ("広場", "ひろば"),
    ("農園", "のうえん"),
    ("工房", "こうぼう"),
    ("教室", "きょうしつ"),
    ("サロン", "さろん"),
    ("カフェ", "かふぇ"),
    ("会", "かい"),
]
TAGS = [
    "お茶会",
    "体操",
    "介護予防",
    "子ども食堂",
    "学習支援",
    "軽作業",
    "就労体験",
    "多世代交流",
    "居場所",
    "認知症カフェ",
    "手芸",
    "脳トレ",
    "料理",
    "農作業",
    "外国人支援",
    "見守り",
    "無料",
    "家族会",
]
HOURS = [
    "毎週水曜 10:00〜11:30",
    "月曜〜金曜 9:00〜16:00",
    "毎月第1・第3火曜 13:30〜15:30",
    "毎日 9:00〜17:00",
    "毎週月曜・木曜 10:00〜12:00",
    "火曜〜日曜 11:00〜15:00(月曜定休)",
    "平日 8:30〜17:15",
    "毎週土曜 10:00〜12:00",
]
LANGS = ["ja", "ja", "ja", "ja;pt", "ja;en", "ja;pt;es;vi;tl"]
TARGETS = ["senior", "disability", "child", "poverty", "anyone"]
WINDOW_CODES = ["houkatsu", "shogai", "kodomo", "jiritsu", "fukushi_sougou", "hoken", "kokusai"]
FILTERED = "/directory?kind=salon&kind=place&day=wed&area=asahi"
MAP = "/directory/map.json?kind=salon&kind=place&day=wed"


def generate_rows(count: int, areas: list[dict], rng: random.Random):
    now = datetime.now(UTC)
    counts = {kind: int(count * share) for kind, share in KIND_SHARE.items()}
    counts["salon"] += count - sum(counts.values())
    members: list[str] = []
    rows = []
    line = 0
    for kind in ("member", "window", "menu", "event", "salon", "place"):
        for n in range(counts[kind]):
            line += 1
            (w1, k1), (w2, k2) = rng.choice(WORDS), rng.choice(WORDS)
            area = rng.choice(areas)
            cells = {
                "kind": kind,
                "name": f"{w1}{w2} {kind}{n}",
                "name_kana": f"{k1}{k2} {kind}{n}",
                "summary": f"{w1}{w2}で過ごす時間。誰でも参加できます。",
                "description": "地域のみなさんが気軽に集まれる場所です。" * 4,
                "address": f"愛知県みどり野市{area['name']}{rng.randint(1, 9)}-{rng.randint(1, 30)}",
                "area": area["code"],
                "lat": f"{area['lat'] + rng.uniform(-0.02, 0.02):.6f}",
                "lng": f"{area['lng'] + rng.uniform(-0.02, 0.02):.6f}",
                "phone": f"0565-00-{rng.randint(0, 9999):04d}",
                "email": "",
                "url": "",
                "organisation": "",
                "window_code": "",
                "starts_at": "",
                "ends_at": "",
                "hours": rng.choice(HOURS),
                "tags": ";".join(rng.sample(TAGS, 3)),
                "targets": ";".join(rng.sample(TARGETS, rng.randint(1, 2))),
                "languages": rng.choice(LANGS),
            }
            if kind == "member":
                members.append(cells["name"])
            if kind in ("menu", "event"):
                cells["organisation"] = rng.choice(members)
            if kind == "window":
                cells["window_code"] = rng.choice(WINDOW_CODES)
            if kind == "event":
                starts = now + timedelta(days=rng.randint(-30, 90), hours=rng.randint(0, 8))
                cells["starts_at"] = starts.isoformat()
                cells["ends_at"] = (starts + timedelta(hours=2)).isoformat()
            row, errors = parse_row(cells)
            if row is None:
                raise SystemExit(f"generated row {line} is bad: {errors}")
            rows.append((line, row))
    return rows


def build(tmp: Path, listings: int, database_url: str | None) -> Flask:
    from flask_migrate import upgrade

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
            "PORTAL_INDEX_DIR": str(tmp / "index"),
            "PORTAL_TILE_URL": "",
        }
    )
    with app.app_context():
        upgrade()
        city = load_city()
        seed_areas(db.session, city)
        started = time.perf_counter()
        rows = generate_rows(listings, city["areas"], random.Random(20261123))
        apply_rows(db.session, rows)
        db.session.flush()
        db.session.info.pop(PENDING, None)  # no search index: no measured page uses it
        db.session.commit()
        print(f"loaded {len(rows):,} listings in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return app


WARM_UP = 3  # requests before a page's measured runs: the first compiles its templates and statements


def timed(client, path: str, runs: int, headers: dict | None = None) -> tuple[list[float], bytes]:
    body = b""
    for _ in range(WARM_UP):  # warm up caches and the template compiler
        client.get(path, headers=headers)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        body = response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times, body


def baseline_app(folder: Path) -> Flask:
    return Flask("baseline", static_folder=str(folder), static_url_path="/s")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def page_weight(client, path: str) -> tuple[int, int]:
    """(HTML gzip bytes, HTML + CSS + JS gzip bytes) as a browser would fetch them (no map tiles)."""
    html = client.get(path).get_data()
    total = html_gz = len(gzip.compress(html, 6))
    page = BeautifulSoup(html, "html.parser")
    assets = [link["href"] for link in page.select("link[rel=stylesheet]")]
    assets += [script["src"] for script in page.select("script[src]")]
    for asset in assets:
        total += len(gzip.compress(client.get(asset).get_data(), 6))
    return html_gz, total


COLUMNS = (("bytes", 9), ("median ms", 10), ("p95 ms", 8), ("base med", 9), ("base p95", 9), ("p95 ×", 7))


def listing_views(client, menu_ids: list[int], runs: int, warm_up: list[int]) -> tuple[list[float], bytes]:
    """A different menu each run (in order, so the second pass sees pages the first one rendered).

    Warmed up as the other pages are (three requests first), on listings that are never measured: the
    process's first listing page compiles its templates and statements, which is no listing's first view."""
    for listing_id in warm_up:
        client.get(f"/listings/{listing_id}")
    times, body = [], b""
    for index in range(runs):
        started = time.perf_counter()
        response = client.get(f"/listings/{menu_ids[index % len(menu_ids)]}")
        times.append((time.perf_counter() - started) * 1000)
        body = response.get_data()
    return times, body


def interleaved_first_views(client, base_client, static_dir: Path, menu_ids: list[int], runs: int) -> None:
    """A listing's first view and the static file in turn, run by run: both see the same moment's load.

    (Back to back, the static file's runs and the listing's runs meet different moments of a noisy box;
    bench/referral.py prints both ways for the same reason.) The static file is each run's own page, so
    the baseline is always a file of the same size (listing pages here run from ~13 to ~21 KB)."""
    static = static_dir / "file.bin"
    static.write_bytes(client.get(f"/listings/{menu_ids[0]}").get_data())
    for _ in range(3):
        base_client.get("/s/file.bin")
    times, base_times, sizes = [], [], []
    for listing_id in menu_ids[1 : runs + 1]:
        started = time.perf_counter()
        response = client.get(f"/listings/{listing_id}")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, listing_id
        body = response.get_data()
        static.write_bytes(body)
        sizes.append(len(body))
        started = time.perf_counter()
        base_client.get("/s/file.bin")
        base_times.append((time.perf_counter() - started) * 1000)
    print_row("listing page, first view", int(statistics.median(sizes)), times, base_times)


def print_row(name: str, size: int, times: list[float], base_times: list[float]) -> None:
    print(
        f"{name:28} {size:>9,} {statistics.median(times):>10.2f} {p95(times):>8.2f} "
        f"{statistics.median(base_times):>9.2f} {p95(base_times):>9.2f} {p95(times) / p95(base_times):>6.1f}×"
    )


def measure(client, base_client, static_dir: Path, pages, menu_ids: list[int], runs: int, warm_up) -> None:
    header = f"{'page':28} " + " ".join(f"{title:>{width}}" for title, width in COLUMNS)
    print(header)
    print("-" * len(header))
    for name, path, headers in pages:
        if path is None:
            times, body = listing_views(client, menu_ids, runs, warm_up)
        else:
            times, body = timed(client, path, runs, headers)
        (static_dir / "file.bin").write_bytes(body)
        base_times, _ = timed(base_client, "/s/file.bin", runs)
        print_row(name, len(body), times, base_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--database-url", default=os.environ.get("PORTAL_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        app = build(tmp, args.listings, args.database_url)
        static_dir = tmp / "static"
        static_dir.mkdir()
        base_client = baseline_app(static_dir).test_client()
        with app.app_context():
            from sqlalchemy import select

            from portal.models import Listing

            menu_ids = db.session.scalars(
                select(Listing.id).where(Listing.kind == "menu").limit(args.runs * 2 + 1 + WARM_UP)
            ).all()  # the first `runs` for the two tables, then never viewed before the interleaved run
            menu_ids, warm_up = menu_ids[:-WARM_UP], menu_ids[-WARM_UP:]  # the last few: warming up only
        client = app.test_client()
        cache = get_cache(app)
        pages = [
            ("home", "/", None),
            ("directory (full page)", FILTERED, None),
            ("directory (htmx fragment)", FILTERED, {"HX-Request": "true"}),
            ("listing page, first view", None, None),
            ("listing page, seen before", None, None),
            ("map data (JSON)", MAP, None),
        ]
        budget = cache.max_bytes
        for cached in (True, False):
            cache.clear()
            cache.max_bytes = budget if cached else 0
            how = "page cache on (as served)" if cached else "page cache off (rendered every time)"
            print(
                f"\n{args.listings:,} listings, {args.runs} runs each, in-process (Flask test client), "
                f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, {how}\n"
            )
            measure(client, base_client, static_dir, pages, menu_ids[: args.runs], args.runs, warm_up)
        cache.max_bytes = budget
        cache.clear()
        print(f"\na listing's first view and the static file in turn ({args.runs} runs, page cache on)\n")
        interleaved_first_views(client, base_client, static_dir, menu_ids[args.runs :], args.runs)
        print("\npage weight (gzip, HTML + CSS + JS, no map tiles)")
        for name, path in (("home", "/"), ("directory page", FILTERED)):
            html_gz, total = page_weight(client, path)
            print(f"  {name:18} HTML {html_gz / 1024:6.1f} KB   total {total / 1024:6.1f} KB")


if __name__ == "__main__":
    main()
