"""Writing a new segment's term postings a term at a time instead of a posting at a time.

Why: a full build writes ~1.1 million postings for 10,000 listings. Whoosh takes each one as a tuple into
its sorting pool, sorts them all, then feeds them one by one through the codec's per-posting checks: about
4 µs of Python a posting, two thirds of `import-csv` on a new city. Our term fields are pre-analysed (every
term unique per field: frequency 1, weight 1.0), and documents arrive in docnum order, so each term's
document numbers are already sorted as we collect them: here they are grouped by term while documents are
added, and each term's blocks (up to 128 documents) are written the way Whoosh's block writer writes them,
without its per-posting checks and statistics (all weights 1.0, no lengths), and each term's row of the
term table is made from its document numbers, without the codec's per-term objects.

The block format, term table and files are Whoosh's own (W3 codec, whoosh3 pinned in pyproject.toml); a
test checks that a segment written this way is byte-for-byte the segment the stock writer makes. Anything that
is not the codec this was written against falls back to the stock path.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter, sub
from pickle import dumps  # nosec B403 (writes Whoosh's own block format; nothing is unpickled here)

from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,
    WHOOSH3_HEADER_MAGIC,
    W3FieldWriter,
    W3PostingsWriter,
    W3TermInfo,
)
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte

FREQ_ONE = pack_uint(1)  # the value a Frequency-format posting of frequency 1 carries
NO_LENGTH = length_to_byte(None)  # a block's shortest and longest field length: not recorded here
MAX_LENGTH = length_to_byte(0)  # a term's longest field length, never raised from 0 here
TERM_INFO = W3TermInfo._struct  # a term table row's statistics (flags, weight, frequency ...)


class TermPostings:
    """The postings of a segment's term fields, grouped by field and term as documents are added."""

    def __init__(self, fieldnames: Iterable[str]):
        # defaultdict: a new term's list is made without a lookup of our own
        self.fields: dict[str, defaultdict[str, list[int]]] = {name: defaultdict(list) for name in fieldnames}

    def add(self, docnum: int, fields: dict[str, str]) -> None:
        """Record a document's terms (each field a space-separated list of unique terms)."""
        for name, terms in self.fields.items():
            for term in fields[name].split():
                terms[term].append(docnum)


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
    """A field's terms: each term's blocks into the postings file and its row into the term table.

    What W3FieldWriter.start_term/finish_term and W3PostingsWriter do per term (a term info object, a
    block buffer, statistics gathered posting by posting), worked out here from the document numbers:
    most terms of a new segment have one posting (a listing id, a word of one name), and that set-up
    was most of their cost."""
    if not terms:
        return  # the stock writer never starts a field without postings
    fieldwriter.start_field(name, fieldobj)  # the field's number in the term table
    postwriter: W3PostingsWriter = fieldwriter._postwriter
    postfile, table = postwriter._postfile, fieldwriter._tindex
    prefix = pack_ushort(fieldwriter._fieldid)
    limit, compression = postwriter._blocklimit, postwriter._compression
    values = _values_for(fieldobj.format.fixed_value_size())
    offset = postfile.tell()
    for term in sorted(terms):  # code point order is UTF-8 byte order: the order the table needs
        docnums = terms[term]
        data = _term_blocks(docnums, limit, values, compression)
        postfile.write(data)
        table.add(prefix + term.encode("utf-8"), _term_info(docnums, offset, len(data)))
        offset += len(data)
    fieldwriter.finish_field()


def _term_info(docnums: list[int], offset: int, length: int) -> bytes:
    """W3TermInfo.to_bytes for these postings: weight and frequency the count, every weight 1.0, no
    lengths recorded, the postings not inlined (W3's inline limit keeps none)."""
    count = len(docnums)
    stats = TERM_INFO.pack(0, float(count), count, 0, MAX_LENGTH, 1.0, docnums[0], docnums[-1])
    return stats + pack_long(offset) + pack_int(length)


def _values_for(fixed_size: int | None):
    """What W3PostingsWriter._mini_values makes of n postings' values (each FREQ_ONE)."""
    if fixed_size is None or fixed_size < 0:
        return lambda n: (FREQ_ONE,) * n
    if fixed_size == 0:
        return lambda n: None
    return lambda n: FREQ_ONE * n


# A block's pickle is about a kilobyte: a window and hash table its size find almost every match
# (the 10,000-listing bench index came out the same size, byte for byte).
_WINDOW_BITS, _MEM_LEVEL = 10, 2


def compress(data: bytes, level: int) -> bytes:
    """zlib's stream of ``data`` with a 1 KB window and a small hash table.

    zlib.compress sets up and clears a 32 KB window and a 64 KB hash table for every call: on these
    blocks that was most of its cost (a fifth of writing a segment), for the same compressed size.
    W3's reader (zlib.decompress) takes the window size from the stream's header."""
    packer = zlib.compressobj(level, zlib.DEFLATED, _WINDOW_BITS, _MEM_LEVEL)
    return packer.compress(data) + packer.flush()


def _term_blocks(docnums: list[int], limit: int, values, compression: int) -> bytes:
    """A term's postings as W3PostingsWriter._write_block writes them, knowing what it must check.

    Every posting here has weight 1.0, the value FREQ_ONE and no length (the fields are not scorable),
    so a block's weights minify to None and its statistics are its size and last document."""
    parts = [WHOOSH3_HEADER_MAGIC]
    total = len(docnums)
    for start in range(0, total, limit):
        block = docnums[start : start + limit]
        count, last_id = len(block), block[-1]
        deltas = (block[0], *map(sub, block[1:], block))
        data = dumps((deltas, None, values(count)), 2)
        level = compression if len(data) >= COMPRESSION_MIN_SIZE else 0
        if level:
            data = compress(data, level)
        info = dumps((count, last_id, 1.0, level, NO_LENGTH, NO_LENGTH), 2)
        size = len(info) + len(data)
        parts += (pack_int(-size if start + limit >= total else size), info, data)  # the last block: negative
    return b"".join(parts)
