"""Vietnamese text encodings: detect, decode and encode TCVN3 / VNI / Windows-1258 (no file I/O).

- detect: the bytes of a text file → its encoding (UTF-8 ± BOM, UTF-16, cp1258, TCVN3, VNI) and text.
- legacy: legacy text seen through cp1252 → Unicode, by a cell's font or by detection.
- syllables: how Vietnamese a text reads, the score every detection decides by (ties go
  TCVN3 > VNI > Windows-1258).
- encode: Unicode → the legacy encodings (tests and the sample generator).
- _letters, _tables: the 134 letters in each encoding (from ``legacy-encodings.tsv``) and the maps
  built from them.
"""

from pipelines.ingest.encodings._tables import ENCODINGS
from pipelines.ingest.encodings.detect import (
    decode_bytes,
    detect_encoding,
    normalize_encoding_name,
)
from pipelines.ingest.encodings.encode import (
    encode_cp1258,
    encode_tcvn3,
    encode_vni,
    to_tcvn3_text,
    to_vni_text,
)
from pipelines.ingest.encodings.legacy import (
    decode_cell_by_font,
    decode_tcvn3,
    decode_vni,
    detect_legacy_text,
)

__all__ = [
    "ENCODINGS", "decode_bytes", "decode_cell_by_font", "decode_tcvn3", "decode_vni", "detect_encoding",
    "detect_legacy_text", "encode_cp1258", "encode_tcvn3", "encode_vni", "normalize_encoding_name",
    "to_tcvn3_text", "to_vni_text",
]
