"""Bytes of a text file: detect the encoding and decode (UTF-8 ± BOM, UTF-16, cp1258, TCVN3, VNI)."""

from __future__ import annotations

import codecs
import re
import unicodedata

from pipelines.ingest.encodings._tables import (
    CP1252,
    CP1258_DECODING,
    CP1258_DECODING_STRICT,
    SAMPLE_BYTES,
    TCVN3_DECODING,
    TCVN3_DECODING_STRICT,
)
from pipelines.ingest.encodings.legacy import charmap, decode_vni_bytes, vni_text
from pipelines.ingest.encodings.syllables import score

_NON_ASCII_BYTES_RE = re.compile(rb"[\x80-\xff]")

# ---------------------------------------------------------------------------------------------
# Bytes: detection and decoding
# ---------------------------------------------------------------------------------------------

_LEGACY_ALIASES = {
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "tcvn-3": "tcvn3", "tcvn5712": "tcvn3",
    "tcvn-5712": "tcvn3", "tcvn5712-3": "tcvn3", "vn3": "tcvn3", "abc": "tcvn3", ".vntime": "tcvn3",
    "vni": "vni", "vni-windows": "vni", "vni-win": "vni", "vniwin": "vni", "vni-times": "vni",
    "utf-16": "utf-16", "utf16": "utf-16", "unicode": "utf-16", "ucs-2": "utf-16",
    "utf-16le": "utf-16-le", "utf-16-le": "utf-16-le", "utf16le": "utf-16-le",
    "utf-16be": "utf-16-be", "utf-16-be": "utf-16-be", "utf16be": "utf-16-be",
}
_PY_CANONICAL = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp1258": "cp1258",
                 "utf-16": "utf-16", "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be"}


def normalize_encoding_name(encoding: str) -> str:
    """Canonical name for an encoding name or alias; raises LookupError if unknown.

    Returns one of :data:`ENCODINGS` (also "utf-16-le"/"utf-16-be" when asked for explicitly),
    or the Python codec name for any other codec Python knows ("latin-1", "cp1252", ...).
    """
    key = re.sub(r"[\s_]+", "-", encoding.strip().lower())
    if key in _LEGACY_ALIASES:
        return _LEGACY_ALIASES[key]
    name = codecs.lookup(key).name  # LookupError for unknown names
    return _PY_CANONICAL.get(name, name)


def _utf16_order(sample: bytes) -> str | None:
    """"le"/"be" if BOM-less ``sample`` looks like UTF-16 (NULs in one byte position only)."""
    n = len(sample) - len(sample) % 2
    if n < 4:
        return None
    half = n // 2
    even = sample[0:n:2].count(0)
    odd = sample[1:n:2].count(0)
    hi, lo = max(even, odd), min(even, odd)
    if hi >= 0.3 * half and lo <= 0.05 * half:
        return "le" if odd > even else "be"
    return None


def _legacy_candidates(sample: bytes) -> dict[str, str]:
    cp = charmap(sample, CP1252)
    return {
        "tcvn3": unicodedata.normalize("NFC", charmap(sample, TCVN3_DECODING_STRICT)),
        "vni": unicodedata.normalize("NFC", vni_text(cp, strict=True)),
        "cp1258": unicodedata.normalize("NFC", charmap(sample, CP1258_DECODING_STRICT)),
    }


_LEGACY_ORDER = ("tcvn3", "vni", "cp1258")  # tie-break: the most common in offices first


def _detect_legacy(sample: bytes) -> str:
    decoded = _legacy_candidates(sample)
    scores = {enc: score(decoded[enc]) for enc in _LEGACY_ORDER}
    return max(_LEGACY_ORDER, key=lambda enc: (scores[enc], -_LEGACY_ORDER.index(enc)))


def _sample(data: bytes) -> tuple[bytes, bool]:
    """The part of ``data`` to look at, and whether it reaches the end of ``data``."""
    if len(data) <= SAMPLE_BYTES:
        return data, True
    first = _NON_ASCII_BYTES_RE.search(data)
    start = 0 if first is None or first.start() < SAMPLE_BYTES else first.start()
    start = data.rfind(b"\n", 0, start) + 1 if start else 0
    window = data[start : start + SAMPLE_BYTES]
    return window, start + SAMPLE_BYTES >= len(data)


def _valid_utf8(sample: bytes, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=final)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(data: bytes) -> str:
    """Guess the encoding of a text file's bytes; returns one of :data:`ENCODINGS`.

    BOM → "utf-8-sig" / "utf-16"; NUL bytes in every other position → "utf-16"; valid UTF-8
    (including pure ASCII and empty input) → "utf-8"; otherwise the legacy encoding (TCVN3,
    VNI, Windows-1258) under which the most words decode to well-formed Vietnamese syllables.
    Looks at ~256 KB: the start, or, if the start is pure ASCII, from the first non-ASCII line.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _utf16_order(data[:SAMPLE_BYTES]) is not None:
        return "utf-16"
    sample, reaches_end = _sample(data)
    if sample.isascii():
        return "utf-8"
    if _valid_utf8(sample, final=reaches_end):
        return "utf-8"
    return _detect_legacy(sample)


def _decode_utf16(data: bytes, errors: str, order: str | None = None) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors)
    order = order or _utf16_order(data[:SAMPLE_BYTES]) or "le"
    return data.decode(f"utf-16-{order}", errors)


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text file's bytes; returns (text in NFC, encoding used).

    ``encoding`` overrides detection; it accepts the names of :data:`ENCODINGS` and aliases
    ("utf8", "windows-1258", "abc"/"tcvn" for TCVN3, "vni-windows", "unicode" for UTF-16, any
    Python codec name). An overriding UTF codec decodes strictly (UnicodeDecodeError on bad
    bytes); a detected one replaces bad bytes with U+FFFD. A UTF-8 BOM is always removed (the
    encoding used is then reported as "utf-8-sig"). The legacy decoders never fail.
    """
    if encoding is None:
        name = detect_encoding(data)
        errors = "replace"
    else:
        name = normalize_encoding_name(encoding)
        errors = "strict"
    if name in {"utf-8", "utf-8-sig"}:
        if data.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"
        text = data.decode(name, errors)
    elif name in {"utf-16", "utf-16-le", "utf-16-be"}:
        order = name[-2:] if name != "utf-16" else None
        text = _decode_utf16(data, errors, order)
        name = "utf-16"
    elif name == "tcvn3":
        text = charmap(data, TCVN3_DECODING)
    elif name == "vni":
        text = decode_vni_bytes(data)
    elif name == "cp1258":
        text = charmap(data, CP1258_DECODING)
    else:
        text = data.decode(name, errors)
    return unicodedata.normalize("NFC", text), name


