"""The API description (portal/api/openapi.yaml), served as JSON at /api/v1/openapi.json."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from flask import Blueprint, jsonify

SPEC_FILE = Path(__file__).resolve().parent / "openapi.yaml"
bp = Blueprint("api_spec", __name__, url_prefix="/api/v1")


@cache
def load_spec() -> dict:
    return yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(load_spec())
