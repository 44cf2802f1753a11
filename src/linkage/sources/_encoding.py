"""Encodings: which one a file is in, and a UTF-8 copy of a Windows-1252 file."""

from __future__ import annotations

import codecs
import gzip
import os
import re
import tempfile
from pathlib import Path
from typing import cast

import duckdb

from linkage.errors import Problem
from linkage.sources._discover import COMPRESSED_SUFFIXES
from linkage.sources._sql import quote, scalar

_PEEK_BYTES = 1 << 16
_TRANSCODE_CHUNK = 1 << 20
#: A well-formed UTF-8 sequence beyond ASCII (lead byte and continuation bytes).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _cp1252_or_latin1(error: UnicodeError) -> tuple[str, int]:
    """Decode error handler: the five bytes Windows-1252 leaves undefined read as Latin-1."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("linkage_cp1252", _cp1252_or_latin1)


def peek(path: Path) -> bytes:
    """The first bytes of a file (decompressed for ``.gz``)."""
    if path.suffix.lower() in COMPRESSED_SUFFIXES:
        with gzip.open(path, "rb") as handle:
            return cast(bytes, handle.read(_PEEK_BYTES))
    with path.open("rb") as handle:
        return handle.read(_PEEK_BYTES)


def sniff_encoding(head: bytes) -> str:
    """``utf-16`` (by its BOM), ``latin-1`` (bytes that are not UTF-8 and none that are UTF-8
    beyond ASCII) or ``utf-8`` (a UTF-8 file with a few broken lines stays UTF-8)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        if _UTF8_MULTIBYTE.search(head.removeprefix(b"\xef\xbb\xbf")):
            return "utf-8"
        return "latin-1"
    return "utf-8"


def transcode_cp1252(path: Path) -> Path:
    """A temporary UTF-8 copy of a Windows-1252 file (streamed in blocks, never row by row)."""
    handle, name = tempfile.mkstemp(prefix="linkage-", suffix=".csv")
    opener = gzip.open if path.suffix.lower() in COMPRESSED_SUFFIXES else open
    with opener(path, "rb") as source, os.fdopen(handle, "wb") as target:
        while block := source.read(_TRANSCODE_CHUNK):
            target.write(block.decode("cp1252", errors="linkage_cp1252").encode("utf-8"))
    return Path(name)


def has_non_ascii(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether any value or column name of ``table`` holds a character beyond ASCII."""
    names = [str(r[0]) for r in con.execute(f"DESCRIBE {table}").fetchall()]
    if any(not n.isascii() for n in names):
        return True
    if not names:
        return False
    test = " OR ".join(f"strlen({quote(n)}) <> length({quote(n)})" for n in names)
    return bool(scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {test} LIMIT 1)"))


def latin1_warning(source: str, path: Path) -> Problem:
    return Problem(
        source=source,
        column=None,
        message=f"{path.name!r} is not UTF-8; it was read as Latin-1 / Windows-1252",
        fix="save the extract as UTF-8 to be sure accented names read right",
        kind="source",
        severity="note",
    )
