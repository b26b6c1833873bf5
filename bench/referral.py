"""Server time of the guided flow and GET /api/v1/referral, beside a static file served in the same run.

    .venv/bin/python bench/referral.py [--rounds 300]

In-process (Flask test client, the demo city on a temporary SQLite file): the time from request to
response body, without the network. Prints median and p95 per step and their ratios to the static
file's, twice: interleaved (every request once a round) and back to back (each request its rounds in a
row). The static p95 is mostly scheduler noise on a shared machine, so read the median ratio too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("FLASK_SKIP_DOTENV", "1")

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.demo.seed import seed_demo  # noqa: E402
from portal.extensions import db  # noqa: E402

ANSWERS = [
    ("danger", "no"),
    ("who", "neighbour"),
    ("ages", "senior,adult"),
    ("concerns", "dementia,hikikomori"),
    ("consent", "unknown"),
    ("area", "kita"),
]


def make_app(tmp: Path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "PORTAL_INDEX_DIR": str(tmp / "index"),
            "PORTAL_TILE_URL": "",
        }
    )
    with app.app_context():
        upgrade()
        seed_demo(db.session)
        db.session.commit()
        db.session.remove()
    return app


def cases(client):
    """(name, callable) pairs: each callable makes one request and returns its status code."""
    found = [("static file (baseline)", lambda: client.get("/static/css/referral.css").status_code)]
    found.append(("flow: first question (GET)", lambda: client.get("/consult").status_code))
    for i, (step, value) in enumerate(ANSWERS):
        data = dict(ANSWERS[:i]) | {"step": step, "answer": value.split(",")[0] if i not in (2, 3) else ""}
        if step in ("ages", "concerns"):
            data.pop("answer")
            form = list(data.items()) + [("answer", v) for v in value.split(",")]
        else:
            form = list(data.items())
        label = "flow: answer " + step + (" → result" if step == "area" else "")
        found.append((label, lambda form=form: client.post("/consult", data=_multi(form)).status_code))
    found.append(("flow: htmx fragment → result", lambda: client.post(
        "/consult", data=_multi([*ANSWERS[:5], ("step", "area"), ("answer", "kita")]),
        headers={"HX-Request": "true"}).status_code))  # fmt: skip
    found.append(("flow: counter view (en + ja)", lambda: client.post(
        "/consult/counter?lang=en", data=_multi(ANSWERS)).status_code))  # fmt: skip
    for query in ("", "who=neighbour&ages=senior,adult&concerns=dementia,hikikomori&area=kita",
                  "ages=adult&concerns=work,isolation&area=yamate&lang=en"):  # fmt: skip
        found.append((f"api: ?{query[:40]}", lambda q=query: client.get(f"/api/v1/referral?{q}").status_code))
    return found


def _multi(pairs):
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


def warm_up(named_calls) -> None:
    for _, call in named_calls:
        for _ in range(10):
            assert call() in (200,), call()


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def interleaved(named_calls, rounds: int) -> list[list[float]]:
    """Every request once a round, in turn: the baseline and each step see the same machine load, and
    no request finds the processor's caches warmed by a run of itself (as on a server)."""
    times: list[list[float]] = [[] for _ in named_calls]
    for _ in range(rounds):
        for index, (_, call) in enumerate(named_calls):
            times[index].append(timed(call))
    return times


def back_to_back(named_calls, rounds: int) -> list[list[float]]:
    """Each request `rounds` times in a row, then the next (a request repeated finds warm caches)."""
    return [[timed(call) for _ in range(rounds)] for _, call in named_calls]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        named_calls = cases(app.test_client())
        warm_up(named_calls)
        tables = [(how.__doc__.split(":")[0].split(",")[0], how(named_calls, args.rounds))
                  for how in (interleaved, back_to_back)]  # fmt: skip
        with app.app_context():
            db.engine.dispose()
    for title, times in tables:
        print(f"\n{title} ({args.rounds} rounds)")
        report([name for name, _ in named_calls], times)


def report(names: list[str], times: list[list[float]]) -> None:
    base = times[0]
    print(f"{'request':48} {'median ms':>10} {'p95 ms':>8} {'median ×static':>15} {'p95 ×static':>12}")
    for name, found in zip(names, times, strict=True):
        median_ratio = statistics.median(found) / statistics.median(base)
        print(
            f"{name:48} {statistics.median(found):10.2f} {p95(found):8.2f}"
            f" {median_ratio:15.1f} {p95(found) / p95(base):12.1f}"
        )


if __name__ == "__main__":
    main()
