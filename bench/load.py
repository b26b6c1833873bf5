"""Load: a residents' mix against gunicorn (2 workers) on loopback and PostgreSQL, beside gunicorn serving
a static file in the same run. Prints requests/s, p50/p95/p99, errors and the mix/static ratio.

    .venv/bin/python bench/load.py                  # 50 users, 60 s each phase, the demo city
    .venv/bin/python bench/load.py --duration 120
    .venv/bin/python bench/load.py --soak 600       # also: the mix for 600 s, RSS growth of the workers

PostgreSQL from PORTAL_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_load; the
database is dropped and re-created). The load generator is ours: threads, each a keep-alive
http.client connection. On this 2-core machine it competes with gunicorn for CPU, in both phases alike.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SEARCH_WORDS = ["サロン", "介護", "子ども食堂", "見守り", "就労", "相談", "ひきこもり", "高齢者", "体操",
                "salon", "かいご", "ボランティア", "居場所", "障がい", "こども"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(url: str, env: dict) -> None:
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    for command in (["db", "upgrade"], ["seed-demo"], ["reindex"]):
        subprocess.run([PY, "-m", "flask", "--app", "portal", *command], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def start_gunicorn(app: str, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [PY, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", app],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn {app} did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Accept-Language": "ja"})
    response = conn.getresponse()
    return response.status, response.read().decode("utf-8", "replace")


def residents_mix(port: int) -> list[tuple[str, float]]:
    """(path, weight): what residents do, found on the running portal (areas not built are left out)."""
    _, home = get(port, "/")
    listing_ids: set[int] = set()
    for word in SEARCH_WORDS:
        _, body = get(port, "/api/v1/search?" + urllib.parse.urlencode({"q": word}))
        listing_ids.update(result["id"] for result in json.loads(body)["results"])
    links = {href for href in re.findall(r'href="(/[^"#?]*)"', home) if not href.startswith("/static/")}
    browse = sorted(links - {"/", "/search"})
    flow = [p for p in browse if "referral" in p or "consult" in p]
    maps = [p for p in ("/map.json", "/api/v1/map", "/directory/map.json") if get(port, p)[0] == 200]
    mix: list[tuple[str, float]] = [("/", 15)]
    for word in SEARCH_WORDS:
        query = urllib.parse.urlencode({"q": word})
        share = 1 / len(SEARCH_WORDS)
        mix += [(f"/search?{query}", 20 * share), (f"/api/v1/search?{query}", 10 * share)]
    mix += [(f"/listings/{i}", 30 / max(1, len(listing_ids))) for i in sorted(listing_ids)]
    others = [p for p in browse if p not in flow]
    mix += [(p, 15 / len(others)) for p in others] if others else []
    mix += [(p, 5 / len(flow)) for p in flow] if flow else []
    mix += [(p, 5 / len(maps)) for p in maps] if maps else []
    return mix


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    retries: int = 0  # GETs resent once after the server closed an idle keep-alive connection

    def line(self, name: str) -> str:
        lat = sorted(self.latencies)
        q = statistics.quantiles(lat, n=100) if len(lat) > 2 else [0.0] * 99
        return (f"{name:<16} {len(lat) / self.seconds:>9.1f} {q[49] * 1000:>8.1f} {q[94] * 1000:>8.1f} "
                f"{q[98] * 1000:>8.1f} {self.errors:>7}  {dict(sorted(self.statuses.items()))}"
                f"  retried {self.retries}")  # fmt: skip

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds


def run_load(port: int, paths: list[str], weights: list[float], users: int, seconds: float) -> Result:
    result = Result()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, errors, statuses, retries = [], 0, {}, 0
        while time.monotonic() < deadline:
            path = rng.choices(paths, weights)[0]
            start = time.perf_counter()
            status = 599
            # A server may close an idle keep-alive connection just as a request goes out on it; a browser
            # then resends the GET once on a new connection, and so do we. A second failure is an error.
            for attempt in range(2):
                try:
                    conn.request("GET", path, headers={"Accept-Language": "ja"})
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                    break
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    retries += attempt == 0
            mine.append(time.perf_counter() - start)
            statuses[status] = statuses.get(status, 0) + 1
            errors += status >= 500 or status == 404
        conn.close()
        with lock:
            result.latencies.extend(mine)
            result.errors += errors
            result.retries += retries
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - began
    return result


def rss_kib(master: int) -> int:
    """Resident memory of the gunicorn master and its workers, in KiB."""
    pids = [master]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total


def soak(port: int, master: int, paths, weights, users: int, seconds: int) -> None:
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        began = time.monotonic()
        while not done.wait(10):
            samples.append((time.monotonic() - began, rss_kib(master)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = run_load(port, paths, weights, users, seconds)
    done.set()
    sampler.join()
    warm = [kib for t, kib in samples if t >= 60] or [kib for _, kib in samples]
    growth = (warm[-1] - warm[0]) / warm[0] * 100 if warm else float("nan")
    print(f"\nsoak {seconds} s: {result.line('mix').strip()}")
    print(f"RSS (master + workers) after 1 min warm-up: {warm[0] / 1024:.1f} MiB → at the end "
          f"{warm[-1] / 1024:.1f} MiB: growth {growth:+.1f} % (aim: under 10 %)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase (default 60)")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    parser.add_argument("--soak", type=int, default=0, help="also run the mix this long, measuring RSS")
    args = parser.parse_args()

    url = os.environ.get(
        "PORTAL_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"
    )
    with tempfile.TemporaryDirectory(prefix="tsunagu-load-") as tmp:
        env = {**os.environ, "FLASK_SKIP_DOTENV": "1", "PORTAL_DATABASE_URL": url, "PORTAL_TILE_URL": "",
               "PORTAL_INDEX_DIR": str(Path(tmp) / "index"), "PORTAL_SECRET_KEY": "bench-" + "k" * 40,
               "PORTAL_ENV": "production", "PORTAL_WORKERS": "2", "PORTAL_ACCESS_LOG": "/dev/null",
               "PORTAL_MAX_REQUESTS": "0"}  # fmt: skip
        print("preparing PostgreSQL with the demo city ...", file=sys.stderr)
        prepare_database(url, env)

        static_port, portal_port = free_port(), free_port()
        print(
            f"phase 1: gunicorn serving a static file, {args.users} users, {args.duration:.0f} s",
            file=sys.stderr,
        )
        static = start_gunicorn("bench.static_wsgi:app", static_port, env)
        try:
            baseline = run_load(static_port, ["/portal.js"], [1.0], args.users, args.duration)
        finally:
            stop(static)

        portal = start_gunicorn("portal.wsgi:app", portal_port, env)
        try:
            mix = residents_mix(portal_port)
            paths, weights = [p for p, _ in mix], [w for _, w in mix]
            run_load(portal_port, paths, weights, 10, min(10.0, args.duration))  # warm-up, not counted
            phase = f"{args.users} users, {args.duration:.0f} s"
            print(f"phase 2: the residents' mix ({len(paths)} URLs), {phase}", file=sys.stderr)
            measured = run_load(portal_port, paths, weights, args.users, args.duration)
            print(
                f"\n{'':<16} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}  statuses"
            )
            print(baseline.line("static file"))
            print(measured.line("residents' mix"))
            print(f"mix / static throughput: {measured.rps / baseline.rps:.3f} (aim: at least 0.2); "
                  f"{phase} a phase, gunicorn 2 workers × 4 threads")  # fmt: skip
            kinds: dict[str, float] = {}
            for path, weight in mix:
                key = (
                    path.split("?")[0].rsplit("/", 1)[0]
                    if path.startswith("/listings/")
                    else path.split("?")[0]
                )
                kinds[key] = kinds.get(key, 0) + weight
            print(
                "mix weights: "
                + ", ".join(f"{k} {v:.0f}" for k, v in sorted(kinds.items(), key=lambda x: -x[1]))
            )
            if args.soak:
                soak(portal_port, portal.pid, paths, weights, args.users, args.soak)
        finally:
            stop(portal)


if __name__ == "__main__":
    main()
