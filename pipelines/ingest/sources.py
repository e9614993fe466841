"""The input files of a run and how to read each: ``SourceFile``, ``--sector NAME=PATH``,
``--encoding PATH=ENC``, ``--sheet PATH=NAME`` and a ``--mapping`` file.

A mapping file (TOML) overrides header mapping per source file, chosen by path or glob::

    [sources."tiem_chung_*.xlsx"]          # file name, path as given, or a glob of either
    "Họ tên bé" = "full_name"
    "Số ĐDCN của bé" = "person_id"
    "Ghi chú" = ""                         # never map this header (kept as extra:Ghi chú)

Header texts are compared without case, spaces or tone marks. When several tables match a
file, all apply, later ones winning. A PATH pattern matches a file when it names the same file,
or when it matches the path as given or the file name as a glob (``*``, ``?``, ``[…]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from pathlib import Path

from contracts import GENDERED_FIELDS, HEADER_SYNONYMS, ConfigError
from contracts import fields as F
from pipelines.ingest.encodings import normalize_encoding_name
from pipelines.toml_file import read_toml


@dataclass(frozen=True)
class SourceFile:
    """One input: which source it is, where it is, and how to read it."""

    source: str  # "residency" or a sector name
    path: Path
    encoding: str | None = None
    sheet: str | None = None
    header_overrides: dict[str, str] = field(default_factory=dict)


def parse_sector_arg(value: str) -> SourceFile:
    """``NAME=PATH`` (as given to ``--sector``) → SourceFile; ConfigError naming the problem."""
    name, sep, path = value.partition("=")
    name = name.strip()
    if not sep or not path.strip():
        raise ConfigError(f"--sector {value!r}: expected NAME=PATH")
    if name not in F.SECTORS:
        raise ConfigError(f"--sector {name!r}: unknown sector; choose one of {', '.join(F.SECTORS)}")
    return SourceFile(name, Path(path.strip()))


KNOWN_FIELDS: frozenset[str] = frozenset(
    {*F.PERSON_FIELDS, *(f for fs in F.SECTOR_FIELDS.values() for f in fs), *HEADER_SYNONYMS, *GENDERED_FIELDS}
)


def path_matches(pattern: str, path: Path) -> bool:
    """True if ``pattern`` names ``path``: same file, or a glob of the path as given or of its name."""
    pattern = pattern.strip()
    if not pattern:
        return False
    given = Path(pattern)
    try:
        if given.exists() and path.exists() and given.resolve() == path.resolve():
            return True
    except OSError:
        pass
    return fnmatch(str(path), pattern) or fnmatch(path.name, pattern) or str(path) == pattern


def parse_path_options(values: list[str] | None, option: str) -> list[tuple[str, str]]:
    """``["PATH=VALUE", …]`` → [(PATH, VALUE)]; ConfigError naming the option on a malformed one."""
    out = []
    for value in values or []:
        path, sep, setting = value.rpartition("=")
        if not sep or not path.strip() or not setting.strip():
            raise ConfigError(f"{option} {value!r}: expected PATH=VALUE")
        out.append((path.strip(), setting.strip()))
    return out


def load_mapping(path: str | Path) -> list[tuple[str, dict[str, str]]]:
    """A mapping file → [(path pattern, {header: field})], in file order; ConfigError if invalid."""
    path = Path(path)
    name = path.name
    data = read_toml(path, f"--mapping {name}")
    unknown = set(data) - {"sources"}
    if unknown:
        raise ConfigError(f"--mapping {name}: unknown section(s) {sorted(unknown)}; expected [sources.\"PATH\"] tables")
    sources = data.get("sources", {})
    if not isinstance(sources, dict):
        raise ConfigError(f"--mapping {name}: [sources] must hold tables like [sources.\"danh_sach.xlsx\"]")
    out = []
    for pattern, table in sources.items():
        if not isinstance(table, dict):
            raise ConfigError(f"--mapping {name}: sources.{pattern!r} must be a table of \"Header\" = \"field\"")
        overrides = {}
        for header, target in table.items():
            if not isinstance(target, str):
                raise ConfigError(f"--mapping {name}: [sources.{pattern!r}] {header!r} must be a field name in quotes")
            target = target.strip()
            if target and target not in KNOWN_FIELDS:
                raise ConfigError(
                    f"--mapping {name}: [sources.{pattern!r}] {header!r} = {target!r}: unknown field; "
                    f"use one of {', '.join(sorted(KNOWN_FIELDS))}, or \"\" to leave the column unmapped"
                )
            overrides[header] = target
        out.append((pattern, overrides))
    return out


def configure_sources(sources: list[SourceFile], *, encodings: list[str] | None = None,
                      sheets: list[str] | None = None, mapping: str | Path | None = None) -> list[SourceFile]:
    """``sources`` with their encoding, sheet and header overrides set from the options.

    ConfigError when an option is malformed, names an unknown encoding, or matches no input file.
    """
    encoding_opts = parse_path_options(encodings, "--encoding")
    sheet_opts = parse_path_options(sheets, "--sheet")
    for pattern, enc in encoding_opts:
        try:
            normalize_encoding_name(enc)
        except LookupError:
            raise ConfigError(
                f"--encoding {pattern}={enc}: unknown encoding; use utf-8, utf-16, cp1258, tcvn3 or vni") from None
    tables = load_mapping(mapping) if mapping else []
    for option, opts in (("--encoding", encoding_opts), ("--sheet", sheet_opts)):
        for pattern, value in opts:
            if not any(path_matches(pattern, s.path) for s in sources):
                raise ConfigError(f"{option} {pattern}={value}: no input file matches {pattern!r}")
    configured = []
    for src in sources:
        changes: dict[str, object] = {}
        for pattern, enc in encoding_opts:
            if path_matches(pattern, src.path):
                changes["encoding"] = enc
        for pattern, sheet in sheet_opts:
            if path_matches(pattern, src.path):
                changes["sheet"] = sheet
        overrides = dict(src.header_overrides)
        for pattern, table in tables:
            if path_matches(pattern, src.path):
                overrides.update(table)
        if overrides != src.header_overrides:
            changes["header_overrides"] = overrides
        configured.append(replace(src, **changes) if changes else src)
    return configured
