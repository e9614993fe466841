"""Encoders from Unicode to TCVN3, VNI and Windows-1258 (for tests and the sample generator)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from pipelines.ingest.encodings._tables import (
    CP1258_ENCODE_MAP,
    TCVN3_ENCODE_MAP,
    TCVN3_OTHER_OK,
    VIET_SET,
    VNI_ENCODE_MAP,
    VNI_OTHER_OK,
)

# ---------------------------------------------------------------------------------------------
# Encoders (tests and sample data)
# ---------------------------------------------------------------------------------------------


def _check_repertoire(text: str, ok: Callable[[str], bool], encoding: str, errors: str) -> str:
    bad = [i for i, c in enumerate(text) if not ok(c)]
    if not bad:
        return text
    if errors == "strict":
        i = bad[0]
        raise UnicodeEncodeError(encoding, text, i, i + 1, "character has no code in " + encoding)
    if errors not in {"replace", "ignore"}:
        raise LookupError(f"unsupported error handler {errors!r}; use strict, replace or ignore")
    sub = "?" if errors == "replace" else ""
    bad_set = set(bad)
    return "".join(sub if i in bad_set else c for i, c in enumerate(text))


def to_tcvn3_text(text: str, errors: str = "strict") -> str:
    """Unicode → the cp1252-sense string an XLSX cell in a ".VnTime" font holds.

    Capital toned letters get their lowercase code (TCVN3 has none): "NGUYỄN" → "NGUYÔN",
    which decodes to "NGUYễN" (or "NGUYỄN" with ``upper=True``). Characters that TCVN3 cannot
    represent raise UnicodeEncodeError (``errors="replace"`` writes "?", "ignore" drops them).
    """
    text = unicodedata.normalize("NFC", text)
    text = _check_repertoire(
        text, lambda c: c in VIET_SET or c in TCVN3_OTHER_OK, "tcvn3", errors
    )
    return text.translate(TCVN3_ENCODE_MAP)


def to_vni_text(text: str, errors: str = "strict") -> str:
    """Unicode → the cp1252-sense string an XLSX cell in a "VNI-Times" font holds."""
    text = unicodedata.normalize("NFC", text)
    text = _check_repertoire(text, lambda c: c in VIET_SET or c in VNI_OTHER_OK, "vni", errors)
    return text.translate(VNI_ENCODE_MAP)


def encode_tcvn3(text: str, errors: str = "strict") -> bytes:
    """Unicode → TCVN3 bytes (capital toned letters lose their case, see :func:`to_tcvn3_text`)."""
    return to_tcvn3_text(text, errors).encode("cp1252")


def encode_vni(text: str, errors: str = "strict") -> bytes:
    """Unicode → VNI-Windows bytes."""
    return to_vni_text(text, errors).encode("cp1252")


def encode_cp1258(text: str, errors: str = "strict") -> bytes:
    """Unicode → Windows-1258 bytes, as Vietnamese Windows software wrote them.

    Python's ``cp1258`` codec cannot encode precomposed letters the code page lacks ("ễ", "ạ",
    "Ý"); these are written as base letter + combining tone byte ("ê" EA + ngã DE).
    """
    text = unicodedata.normalize("NFC", text).translate(CP1258_ENCODE_MAP)
    return text.encode("cp1258", errors)


