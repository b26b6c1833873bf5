"""Vendored front-end files (portal/static/vendor/) are intact, pinned and licensed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parent.parent / "portal" / "static" / "vendor"
SUMS = VENDOR / "SHA256SUMS"
NOT_VENDORED = {"SHA256SUMS", "README.md"}


def _entries() -> list[tuple[str, str]]:
    entries = []
    for line in SUMS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        # sha256sum text-mode format: "<64 hex>  <path>" (binary mode uses " *<path>")
        m = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
        assert m, f"malformed SHA256SUMS line: {line!r}"
        entries.append((m.group(1), m.group(2)))
    return entries


def _vendor_dirs() -> list[Path]:
    return sorted(p for p in VENDOR.iterdir() if p.is_dir())


def test_sha256sums_is_not_empty():
    assert len(_entries()) > 0


@pytest.mark.parametrize(("digest", "rel"), [pytest.param(d, r, id=r) for d, r in _entries()])
def test_vendored_file_matches_checksum(digest: str, rel: str):
    path = VENDOR / rel
    assert path.resolve().is_relative_to(VENDOR), f"path escapes vendor dir: {rel}"
    assert path.is_file(), f"missing vendored file: {rel}"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"checksum mismatch: {rel}"


def test_every_vendored_file_is_listed():
    listed = {rel for _, rel in _entries()}
    present = {
        p.relative_to(VENDOR).as_posix()
        for p in VENDOR.rglob("*")
        if p.is_file() and p.name not in NOT_VENDORED
    }
    assert present - listed == set(), "files in vendor/ that SHA256SUMS does not cover"


def test_htmx_is_pinned_to_2_0_11():
    js = (VENDOR / "htmx-2.0.11" / "htmx.min.js").read_text(encoding="utf-8")
    versions = set(re.findall(r"""version\s*:\s*["']([^"']+)["']""", js))
    assert versions == {"2.0.11"}


def test_every_vendor_folder_has_a_licence():
    dirs = _vendor_dirs()
    assert {d.name for d in dirs} >= {
        "htmx-2.0.11",
        "leaflet-1.9.4",
        "leaflet.markercluster-1.5.3",
    }
    for d in dirs:
        licences = [p for p in d.iterdir() if p.is_file() and re.match(r"(?i)(mit-)?licen[cs]e", p.name)]
        assert licences, f"{d.name} has no LICENSE/licence file"
        assert all(p.stat().st_size > 0 for p in licences)


def test_design_tokens_load_no_remote_fonts():
    token_dirs = [d for d in _vendor_dirs() if d.name.startswith("design-tokens-")]
    assert len(token_dirs) == 1
    css = (token_dirs[0] / "tokens.css").read_text(encoding="utf-8")
    assert "@import" not in css
    assert "@font-face" not in css
    assert "url(" not in css
