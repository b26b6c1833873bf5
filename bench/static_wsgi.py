"""The baseline for bench/load.py: gunicorn serving one static file from memory (the ceiling here)."""

from pathlib import Path

BODY = (Path(__file__).resolve().parent.parent / "portal" / "static" / "js" / "portal.js").read_bytes()
HEADERS = [("Content-Type", "text/javascript"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
