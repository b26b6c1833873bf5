"""How fast does `import-csv` bring 10,000 listings into a fresh database and search index?

Baseline, measured in the same run: the same rows written with plain sqlite3.executemany into one table
of the same columns (the floor for a database write). The two run in turn, floor then import, and each
pair's ratio is printed too: on a noisy machine a pair meets the same moment. Each side runs in its own
process so that peak memory (ru_maxrss) is its own.
Usage: .venv/bin/python bench/import.py [--count 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._data import listing_rows, write_csv  # noqa: E402
from portal.importer.rows import COLUMNS  # noqa: E402


def run_floor(csv_path: Path, work: Path) -> dict:
    import csv

    started = time.perf_counter()
    with csv_path.open(encoding="utf-8") as handle:
        rows = [tuple(row[c] for c in COLUMNS) for row in csv.DictReader(handle)]
    connection = sqlite3.connect(work / "floor.sqlite3")
    columns = ", ".join(f'"{c}" TEXT' for c in COLUMNS)
    connection.execute(f"CREATE TABLE listing (id INTEGER PRIMARY KEY, {columns})")
    marks = ", ".join("?" for _ in COLUMNS)
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    with connection:
        connection.executemany(f"INSERT INTO listing ({names}) VALUES ({marks})", rows)
    connection.close()
    return {"seconds": time.perf_counter() - started, "rows": len(rows)}


def run_portal(csv_path: Path, work: Path) -> dict:
    os.environ.update(
        PORTAL_DATABASE_URL=f"sqlite:///{work / 'portal.sqlite3'}",
        PORTAL_INDEX_DIR=str(work / "index"),
        PORTAL_SECRET_KEY="bench",  # noqa: S106 (a throwaway key for a throwaway database)
        FLASK_SKIP_DOTENV="1",
    )
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app()
    with app.app_context():
        upgrade()
        runner = app.test_cli_runner()
        started = time.perf_counter()
        result = runner.invoke(args=["import-csv", str(csv_path)])
        seconds = time.perf_counter() - started
        assert result.exit_code == 0, result.output
        found = app.extensions["search_index"].search("子ども食堂").total
    return {"seconds": seconds, "rows": sum(1 for _ in csv_path.open()) - 1, "search_hits": found}


def child(kind: str, csv_path: str, work: str) -> None:
    result = (run_floor if kind == "floor" else run_portal)(Path(csv_path), Path(work))
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(kind: str, csv_path: Path) -> dict:
    with tempfile.TemporaryDirectory() as work:
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(csv_path), work],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = write_csv(listing_rows(args.count), Path(tmp) / "listings.csv")
        floors, portals = [], []
        for _ in range(args.repeat):  # in turn, so that each pair meets the same moment of a noisy machine
            floors.append(measure("floor", csv_path))
            portals.append(measure("portal", csv_path))
    floor_s = statistics.median(r["seconds"] for r in floors)
    portal_s = statistics.median(r["seconds"] for r in portals)
    pair_ratios = [p["seconds"] / f["seconds"] for f, p in zip(floors, portals, strict=True)]
    print(f"import of {args.count:,} listings, median of {args.repeat} runs each")
    print(f"{'':28}{'seconds':>10}{'listings/s':>12}{'peak MB':>10}")
    for label, runs, seconds in (("sqlite3 executemany (floor)", floors, floor_s),
                                 ("import-csv + index", portals, portal_s)):  # fmt: skip
        peak = max(r["peak_mb"] for r in runs)
        print(f"{label:28}{seconds:10.2f}{args.count / seconds:12,.0f}{peak:10.0f}")
    print(f"ratio import / floor: {portal_s / floor_s:.1f}x   (aim: within 10x; peak memory aim: < 500 MB)")
    pairs = " ".join(f"{r:.1f}x" for r in pair_ratios)
    print(f"run by run: {pairs}  (median {statistics.median(pair_ratios):.1f}x)")
    print(f"search hits for 子ども食堂 after import: {portals[0]['search_hits']}")


if __name__ == "__main__":
    main()
