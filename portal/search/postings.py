"""Writing a new segment's term postings a term at a time instead of a posting at a time.

Why: a full build writes ~1.1 million postings for 10,000 listings. Whoosh takes each one as a tuple into
its sorting pool, sorts them all, then feeds them one by one through the codec's per-posting checks: about
4 µs of Python a posting, two thirds of `import-csv` on a new city. Our term fields are pre-analysed (every
term unique per field: frequency 1, weight 1.0), and documents arrive in docnum order, so each term's
document numbers are already sorted as we collect them: here they are grouped by term while documents are
added and handed to Whoosh's own block writer a block (up to 128 documents) at a time.

The blocks, term table and files are Whoosh's own (W3 codec, whoosh3 pinned in pyproject.toml); a test
checks that a segment written this way is byte-for-byte the segment the stock writer makes. Anything that
is not the codec this was written against falls back to the stock path.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter

from whoosh.codec.whoosh3 import W3FieldWriter, W3PostingsWriter
from whoosh.system import pack_uint

FREQ_ONE = pack_uint(1)  # the value a Frequency-format posting of frequency 1 carries


class TermPostings:
    """The postings of a segment's term fields, grouped by field and term as documents are added."""

    def __init__(self, fieldnames: Iterable[str]):
        self.fields: dict[str, dict[str, list[int]]] = {name: {} for name in fieldnames}

    def add(self, docnum: int, fields: dict[str, str]) -> None:
        """Record a document's terms (each field a space-separated list of unique terms)."""
        for name, terms in self.fields.items():
            for term in fields[name].split():
                docnums = terms.get(term)
                if docnums is None:
                    terms[term] = [docnum]
                else:
                    docnums.append(docnum)


def can_write(writer) -> bool:
    """Whether this writer's codec is the one `write_into` knows (else add postings the stock way)."""
    fieldwriter = getattr(writer, "fieldwriter", None)
    return type(fieldwriter) is W3FieldWriter and hasattr(fieldwriter, "_postwriter")


def write_into(writer, postings: TermPostings) -> None:
    """Have `writer.commit()` write `postings` beside the postings Whoosh pooled (the other fields)."""
    fieldwriter = writer.fieldwriter
    stock = fieldwriter.add_postings

    def add_postings(schema, lengths, items) -> None:
        pooled = {name: list(group) for name, group in groupby(items, key=itemgetter(0))}
        for name in sorted(pooled.keys() | postings.fields.keys()):  # the term table is in field order
            if name in postings.fields:
                _write_field(fieldwriter, name, schema[name], postings.fields[name])
            else:
                stock(schema, lengths, pooled[name])

    fieldwriter.add_postings = add_postings


def _write_field(fieldwriter: W3FieldWriter, name: str, fieldobj, terms: dict[str, list[int]]) -> None:
    if not terms:
        return  # the stock writer never starts a field without postings
    fieldwriter.start_field(name, fieldobj)
    postwriter: W3PostingsWriter = fieldwriter._postwriter
    limit = postwriter._blocklimit
    for term in sorted(terms):  # code point order is UTF-8 byte order: the order the table needs
        docnums = terms[term]
        fieldwriter.start_term(term.encode("utf-8"))
        for start in range(0, len(docnums), limit):
            if start:
                postwriter._write_block()  # as add_posting does when a block is full and one more comes
            block = docnums[start : start + limit]
            postwriter._ids = array("I", block)
            postwriter._weights = array("f", [1.0]) * len(block)
            postwriter._values = [FREQ_ONE] * len(block)
            postwriter._maxweight = 1.0
        fieldwriter.finish_term()
    fieldwriter.finish_field()
