"""The JSON API under /api/v1 (contracts §1 and §3)."""
