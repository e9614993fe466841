"""Legacy Vietnamese encodings of the 134 Vietnamese letters, as Python literals.

Generated once from the project's shared table ``legacy-encodings.tsv`` (columns
``unicode_char``, ``tcvn3_hex``, ``vni_hex``, ``cp1258_hex``); the repository never reads that
file at run time. ``tests/pipelines/test_encodings.py`` re-checks these rows against the table
when it is available, and checks their internal consistency always.

Each row: (letter, TCVN3 byte, VNI-Windows bytes, Windows-1258 bytes).

- TCVN3 (ABC) has no codes for capital toned letters: such a capital has the byte of its
  lowercase letter (the ".Vn...H" fonts draw lowercase codes as capitals).
- VNI-Windows: ASCII base letter + one mark byte, or a single byte (đ ơ ư and toned i/ỵ).
- Windows-1258: precomposed where the code page has the letter, else base + combining tone.
"""

from __future__ import annotations

LETTERS: tuple[tuple[str, int, bytes, bytes], ...] = (
    ("\u00c1", 0xB8, b"\x41\xd9", b"\xc1"),  # Á
    ("\u00e1", 0xB8, b"\x61\xf9", b"\xe1"),  # á
    ("\u00c0", 0xB5, b"\x41\xd8", b"\xc0"),  # À
    ("\u00e0", 0xB5, b"\x61\xf8", b"\xe0"),  # à
    ("\u1ea2", 0xB6, b"\x41\xdb", b"\x41\xd2"),  # Ả
    ("\u1ea3", 0xB6, b"\x61\xfb", b"\x61\xd2"),  # ả
    ("\u00c3", 0xB7, b"\x41\xd5", b"\x41\xde"),  # Ã
    ("\u00e3", 0xB7, b"\x61\xf5", b"\x61\xde"),  # ã
    ("\u1ea0", 0xB9, b"\x41\xcf", b"\x41\xf2"),  # Ạ
    ("\u1ea1", 0xB9, b"\x61\xef", b"\x61\xf2"),  # ạ
    ("\u00c2", 0xA2, b"\x41\xc2", b"\xc2"),  # Â
    ("\u00e2", 0xA9, b"\x61\xe2", b"\xe2"),  # â
    ("\u1ea4", 0xCA, b"\x41\xc1", b"\xc2\xec"),  # Ấ
    ("\u1ea5", 0xCA, b"\x61\xe1", b"\xe2\xec"),  # ấ
    ("\u1ea6", 0xC7, b"\x41\xc0", b"\xc2\xcc"),  # Ầ
    ("\u1ea7", 0xC7, b"\x61\xe0", b"\xe2\xcc"),  # ầ
    ("\u1ea8", 0xC8, b"\x41\xc5", b"\xc2\xd2"),  # Ẩ
    ("\u1ea9", 0xC8, b"\x61\xe5", b"\xe2\xd2"),  # ẩ
    ("\u1eaa", 0xC9, b"\x41\xc3", b"\xc2\xde"),  # Ẫ
    ("\u1eab", 0xC9, b"\x61\xe3", b"\xe2\xde"),  # ẫ
    ("\u1eac", 0xCB, b"\x41\xc4", b"\xc2\xf2"),  # Ậ
    ("\u1ead", 0xCB, b"\x61\xe4", b"\xe2\xf2"),  # ậ
    ("\u0102", 0xA1, b"\x41\xca", b"\xc3"),  # Ă
    ("\u0103", 0xA8, b"\x61\xea", b"\xe3"),  # ă
    ("\u1eae", 0xBE, b"\x41\xc9", b"\xc3\xec"),  # Ắ
    ("\u1eaf", 0xBE, b"\x61\xe9", b"\xe3\xec"),  # ắ
    ("\u1eb0", 0xBB, b"\x41\xc8", b"\xc3\xcc"),  # Ằ
    ("\u1eb1", 0xBB, b"\x61\xe8", b"\xe3\xcc"),  # ằ
    ("\u1eb2", 0xBC, b"\x41\xda", b"\xc3\xd2"),  # Ẳ
    ("\u1eb3", 0xBC, b"\x61\xfa", b"\xe3\xd2"),  # ẳ
    ("\u1eb4", 0xBD, b"\x41\xdc", b"\xc3\xde"),  # Ẵ
    ("\u1eb5", 0xBD, b"\x61\xfc", b"\xe3\xde"),  # ẵ
    ("\u1eb6", 0xC6, b"\x41\xcb", b"\xc3\xf2"),  # Ặ
    ("\u1eb7", 0xC6, b"\x61\xeb", b"\xe3\xf2"),  # ặ
    ("\u0110", 0xA7, b"\xd1", b"\xd0"),  # Đ
    ("\u0111", 0xAE, b"\xf1", b"\xf0"),  # đ
    ("\u00c9", 0xD0, b"\x45\xd9", b"\xc9"),  # É
    ("\u00e9", 0xD0, b"\x65\xf9", b"\xe9"),  # é
    ("\u00c8", 0xCC, b"\x45\xd8", b"\xc8"),  # È
    ("\u00e8", 0xCC, b"\x65\xf8", b"\xe8"),  # è
    ("\u1eba", 0xCE, b"\x45\xdb", b"\x45\xd2"),  # Ẻ
    ("\u1ebb", 0xCE, b"\x65\xfb", b"\x65\xd2"),  # ẻ
    ("\u1ebc", 0xCF, b"\x45\xd5", b"\x45\xde"),  # Ẽ
    ("\u1ebd", 0xCF, b"\x65\xf5", b"\x65\xde"),  # ẽ
    ("\u1eb8", 0xD1, b"\x45\xcf", b"\x45\xf2"),  # Ẹ
    ("\u1eb9", 0xD1, b"\x65\xef", b"\x65\xf2"),  # ẹ
    ("\u00ca", 0xA3, b"\x45\xc2", b"\xca"),  # Ê
    ("\u00ea", 0xAA, b"\x65\xe2", b"\xea"),  # ê
    ("\u1ebe", 0xD5, b"\x45\xc1", b"\xca\xec"),  # Ế
    ("\u1ebf", 0xD5, b"\x65\xe1", b"\xea\xec"),  # ế
    ("\u1ec0", 0xD2, b"\x45\xc0", b"\xca\xcc"),  # Ề
    ("\u1ec1", 0xD2, b"\x65\xe0", b"\xea\xcc"),  # ề
    ("\u1ec2", 0xD3, b"\x45\xc5", b"\xca\xd2"),  # Ể
    ("\u1ec3", 0xD3, b"\x65\xe5", b"\xea\xd2"),  # ể
    ("\u1ec4", 0xD4, b"\x45\xc3", b"\xca\xde"),  # Ễ
    ("\u1ec5", 0xD4, b"\x65\xe3", b"\xea\xde"),  # ễ
    ("\u1ec6", 0xD6, b"\x45\xc4", b"\xca\xf2"),  # Ệ
    ("\u1ec7", 0xD6, b"\x65\xe4", b"\xea\xf2"),  # ệ
    ("\u00cd", 0xDD, b"\xcd", b"\xcd"),  # Í
    ("\u00ed", 0xDD, b"\xed", b"\xed"),  # í
    ("\u00cc", 0xD7, b"\xcc", b"\x49\xcc"),  # Ì
    ("\u00ec", 0xD7, b"\xec", b"\x69\xcc"),  # ì
    ("\u1ec8", 0xD8, b"\xc6", b"\x49\xd2"),  # Ỉ
    ("\u1ec9", 0xD8, b"\xe6", b"\x69\xd2"),  # ỉ
    ("\u0128", 0xDC, b"\xd3", b"\x49\xde"),  # Ĩ
    ("\u0129", 0xDC, b"\xf3", b"\x69\xde"),  # ĩ
    ("\u1eca", 0xDE, b"\xd2", b"\x49\xf2"),  # Ị
    ("\u1ecb", 0xDE, b"\xf2", b"\x69\xf2"),  # ị
    ("\u00d3", 0xE3, b"\x4f\xd9", b"\xd3"),  # Ó
    ("\u00f3", 0xE3, b"\x6f\xf9", b"\xf3"),  # ó
    ("\u00d2", 0xDF, b"\x4f\xd8", b"\x4f\xcc"),  # Ò
    ("\u00f2", 0xDF, b"\x6f\xf8", b"\x6f\xcc"),  # ò
    ("\u1ece", 0xE1, b"\x4f\xdb", b"\x4f\xd2"),  # Ỏ
    ("\u1ecf", 0xE1, b"\x6f\xfb", b"\x6f\xd2"),  # ỏ
    ("\u00d5", 0xE2, b"\x4f\xd5", b"\x4f\xde"),  # Õ
    ("\u00f5", 0xE2, b"\x6f\xf5", b"\x6f\xde"),  # õ
    ("\u1ecc", 0xE4, b"\x4f\xcf", b"\x4f\xf2"),  # Ọ
    ("\u1ecd", 0xE4, b"\x6f\xef", b"\x6f\xf2"),  # ọ
    ("\u00d4", 0xA4, b"\x4f\xc2", b"\xd4"),  # Ô
    ("\u00f4", 0xAB, b"\x6f\xe2", b"\xf4"),  # ô
    ("\u1ed0", 0xE8, b"\x4f\xc1", b"\xd4\xec"),  # Ố
    ("\u1ed1", 0xE8, b"\x6f\xe1", b"\xf4\xec"),  # ố
    ("\u1ed2", 0xE5, b"\x4f\xc0", b"\xd4\xcc"),  # Ồ
    ("\u1ed3", 0xE5, b"\x6f\xe0", b"\xf4\xcc"),  # ồ
    ("\u1ed4", 0xE6, b"\x4f\xc5", b"\xd4\xd2"),  # Ổ
    ("\u1ed5", 0xE6, b"\x6f\xe5", b"\xf4\xd2"),  # ổ
    ("\u1ed6", 0xE7, b"\x4f\xc3", b"\xd4\xde"),  # Ỗ
    ("\u1ed7", 0xE7, b"\x6f\xe3", b"\xf4\xde"),  # ỗ
    ("\u1ed8", 0xE9, b"\x4f\xc4", b"\xd4\xf2"),  # Ộ
    ("\u1ed9", 0xE9, b"\x6f\xe4", b"\xf4\xf2"),  # ộ
    ("\u01a0", 0xA5, b"\xd4", b"\xd5"),  # Ơ
    ("\u01a1", 0xAC, b"\xf4", b"\xf5"),  # ơ
    ("\u1eda", 0xED, b"\xd4\xd9", b"\xd5\xec"),  # Ớ
    ("\u1edb", 0xED, b"\xf4\xf9", b"\xf5\xec"),  # ớ
    ("\u1edc", 0xEA, b"\xd4\xd8", b"\xd5\xcc"),  # Ờ
    ("\u1edd", 0xEA, b"\xf4\xf8", b"\xf5\xcc"),  # ờ
    ("\u1ede", 0xEB, b"\xd4\xdb", b"\xd5\xd2"),  # Ở
    ("\u1edf", 0xEB, b"\xf4\xfb", b"\xf5\xd2"),  # ở
    ("\u1ee0", 0xEC, b"\xd4\xd5", b"\xd5\xde"),  # Ỡ
    ("\u1ee1", 0xEC, b"\xf4\xf5", b"\xf5\xde"),  # ỡ
    ("\u1ee2", 0xEE, b"\xd4\xcf", b"\xd5\xf2"),  # Ợ
    ("\u1ee3", 0xEE, b"\xf4\xef", b"\xf5\xf2"),  # ợ
    ("\u00da", 0xF3, b"\x55\xd9", b"\xda"),  # Ú
    ("\u00fa", 0xF3, b"\x75\xf9", b"\xfa"),  # ú
    ("\u00d9", 0xEF, b"\x55\xd8", b"\xd9"),  # Ù
    ("\u00f9", 0xEF, b"\x75\xf8", b"\xf9"),  # ù
    ("\u1ee6", 0xF1, b"\x55\xdb", b"\x55\xd2"),  # Ủ
    ("\u1ee7", 0xF1, b"\x75\xfb", b"\x75\xd2"),  # ủ
    ("\u0168", 0xF2, b"\x55\xd5", b"\x55\xde"),  # Ũ
    ("\u0169", 0xF2, b"\x75\xf5", b"\x75\xde"),  # ũ
    ("\u1ee4", 0xF4, b"\x55\xcf", b"\x55\xf2"),  # Ụ
    ("\u1ee5", 0xF4, b"\x75\xef", b"\x75\xf2"),  # ụ
    ("\u01af", 0xA6, b"\xd6", b"\xdd"),  # Ư
    ("\u01b0", 0xAD, b"\xf6", b"\xfd"),  # ư
    ("\u1ee8", 0xF8, b"\xd6\xd9", b"\xdd\xec"),  # Ứ
    ("\u1ee9", 0xF8, b"\xf6\xf9", b"\xfd\xec"),  # ứ
    ("\u1eea", 0xF5, b"\xd6\xd8", b"\xdd\xcc"),  # Ừ
    ("\u1eeb", 0xF5, b"\xf6\xf8", b"\xfd\xcc"),  # ừ
    ("\u1eec", 0xF6, b"\xd6\xdb", b"\xdd\xd2"),  # Ử
    ("\u1eed", 0xF6, b"\xf6\xfb", b"\xfd\xd2"),  # ử
    ("\u1eee", 0xF7, b"\xd6\xd5", b"\xdd\xde"),  # Ữ
    ("\u1eef", 0xF7, b"\xf6\xf5", b"\xfd\xde"),  # ữ
    ("\u1ef0", 0xF9, b"\xd6\xcf", b"\xdd\xf2"),  # Ự
    ("\u1ef1", 0xF9, b"\xf6\xef", b"\xfd\xf2"),  # ự
    ("\u00dd", 0xFD, b"\x59\xd9", b"\x59\xec"),  # Ý
    ("\u00fd", 0xFD, b"\x79\xf9", b"\x79\xec"),  # ý
    ("\u1ef2", 0xFA, b"\x59\xd8", b"\x59\xcc"),  # Ỳ
    ("\u1ef3", 0xFA, b"\x79\xf8", b"\x79\xcc"),  # ỳ
    ("\u1ef6", 0xFB, b"\x59\xdb", b"\x59\xd2"),  # Ỷ
    ("\u1ef7", 0xFB, b"\x79\xfb", b"\x79\xd2"),  # ỷ
    ("\u1ef8", 0xFC, b"\x59\xd5", b"\x59\xde"),  # Ỹ
    ("\u1ef9", 0xFC, b"\x79\xf5", b"\x79\xde"),  # ỹ
    ("\u1ef4", 0xFE, b"\xce", b"\x59\xf2"),  # Ỵ
    ("\u1ef5", 0xFE, b"\xee", b"\x79\xf2"),  # ỵ
)
