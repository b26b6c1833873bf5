"""Bringing listings in and out: CSV import/export (contracts §2) and the demo city share this code."""
