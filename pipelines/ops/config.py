"""A deployment described in TOML: communes, their sources, the database, outputs, thresholds, schedule.

``load_config(path)`` reads and checks a file and returns a ``Deployment``; anything wrong raises
ConfigError naming the file, the key and the reason (``doisoat.toml: communes[2].sectors.vaccine:
unknown sector; …``). Relative paths are relative to the file's folder. Paths may hold
``{period}`` (``YYYY-MM``) and ``{commune}`` (the commune code); sector sources may be globs::

    name = "an-binh"                      # Prefect deployment name (default: the file's stem)
    db = "data/doisoat.duckdb"
    out = "out/{period}"                  # without {commune}: one sub-folder per commune code
    match_method = "probabilistic"        # or "deterministic"
    mapping = "mapping.toml"              # optional header mappings (see pipelines.mapping_config)
    read_retries = 2                      # retries of a source that fails with an I/O error
    read_retry_delay = 30                 # seconds between them
    dask_address = "tcp://10.0.0.5:8786"  # optional: match on this Dask cluster (or workers = 4:
                                          # a temporary local one); see README, Scale-out
    scratch = "/mnt/shared/doisoat"       # optional: where Dask workers read the match pieces

    [thresholds]                          # match probabilities; min_margin in bits
    match = 0.95
    review = 0.5
    min_margin = 3.0

    [schedule]                            # a monthly cron in local time
    cron = "0 2 5 * *"
    timezone = "Asia/Ho_Chi_Minh"
    active = true

    [encodings]                           # optional PATH-or-glob = encoding
    "ho_tich*.csv" = "tcvn3"

    [sheets]                              # optional PATH-or-glob = sheet name
    "bhxh*.xlsx" = "Danh sach"

    [[communes]]
    code = "26734"
    name = "Xã An Bình"
    residency = "extracts/{period}/dan_cu.csv"
    [communes.sectors]
    vaccination = "lists/{period}/tiem_chung*.xlsx"
    social_insurance = ["lists/{period}/bhxh.csv", "lists/{period}/bhxh_bo_sung.csv"]
"""

from __future__ import annotations

import glob
import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contracts import ConfigError
from contracts import fields as F
from pipelines.period import DEFAULT_TIMEZONE
from pipelines.toml_file import read_toml

DEFAULT_CRON = "0 2 5 * *"  # 02:00 on the 5th, ahead of the 8th–12th reporting deadlines
PLACEHOLDERS = frozenset({"period", "commune"})
MATCH_METHODS = ("probabilistic", "deterministic")
_TOP_KEYS = {"name", "db", "out", "match_method", "mapping", "read_retries", "read_retry_delay",
             "thresholds", "schedule", "encodings", "sheets", "communes", "dask_address", "workers", "scratch"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


@dataclass(frozen=True)
class Thresholds:
    """Match and review thresholds (match probabilities, 0–1) and the runner-up margin in bits."""

    match: float = 0.95
    review: float = 0.5
    min_margin: float = 3.0

    def as_settings(self) -> dict[str, float]:
        """Keyword arguments for ``matchers.LinkSettings``."""
        return {"match_threshold": self.match, "review_threshold": self.review, "min_margin": self.min_margin}


@dataclass(frozen=True)
class Schedule:
    """A cron expression read in ``timezone``; ``active = false`` registers the deployment paused."""

    cron: str = DEFAULT_CRON
    timezone: str = DEFAULT_TIMEZONE
    active: bool = True


@dataclass(frozen=True)
class Commune:
    """One commune: its residency extract and, per sector, path patterns (may hold ``{period}``)."""

    code: str
    name: str
    residency: str
    sectors: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Deployment:
    """A checked configuration file. ``db`` and ``out`` are absolute patterns."""

    path: Path
    name: str
    db: str
    out: str
    communes: tuple[Commune, ...]
    match_method: str = "probabilistic"
    mapping: str | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    schedule: Schedule = field(default_factory=Schedule)
    encodings: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)
    read_retries: int = 2
    read_retry_delay: float = 30.0
    dask_address: str | None = None  # match pieces on this Dask scheduler (pipelines.runners)
    workers: int | None = None  # or on a temporary local Dask cluster of this many processes
    scratch: str | None = None  # folder the Dask workers read the pieces from (default: the db's)

    @property
    def db_path(self) -> Path:
        """The DuckDB file."""
        return Path(self.db)

    def run_parameters(self, commune: Commune, period: str) -> dict:
        """Parameters of the ``reconcile`` flow for one commune and month, globs expanded now.

        A pattern that matches no file is passed on as written: that source then fails with
        "file not found", the other sources still run, and the run is marked partial.
        """
        values = {"period": period, "commune": commune.code}
        sectors = [f"{sector}={path}" for sector, patterns in commune.sectors.items()
                   for pattern in patterns for path in _expand(_fill(pattern, **values))]
        out = Path(_fill(self.out, **values))
        if "{commune}" not in self.out:
            out = out / commune.code
        return {
            "residency": _fill(commune.residency, **values), "sectors": sectors, "period": period,
            "db": self.db, "out": str(out), "match_method": self.match_method,
            "encodings": [f"{k}={v}" for k, v in self.encodings.items()] or None,
            "sheets": [f"{k}={v}" for k, v in self.sheets.items()] or None,
            "mapping": self.mapping, "commune": commune.code, "thresholds": _thresholds_param(self.thresholds),
            "read_retries": self.read_retries, "read_retry_delay": self.read_retry_delay,
            **({"scratch": self.scratch} if self.scratch else {}),
        }


def _thresholds_param(t: Thresholds) -> dict[str, float]:
    return {"match": t.match, "review": t.review, "min_margin": t.min_margin}


def _fill(pattern: str, **values: str) -> str:
    return pattern.format(**values)


def _expand(pattern: str) -> list[str]:
    if not glob.has_magic(pattern):
        return [pattern]
    return sorted(glob.glob(pattern)) or [pattern]


class _Checker:
    """Collects the file name so every error reads ``FILE: KEY: reason``."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, reason: str) -> ConfigError:
        return ConfigError(f"{self.path.name}: {key}: {reason}" if key else f"{self.path.name}: {reason}")

    def table(self, data: object, key: str, allowed: set[str], required: set[str] = frozenset()) -> dict:
        if not isinstance(data, dict):
            raise self.fail(key, "expected a table")
        for name in data:
            if name not in allowed:
                raise self.fail(_join(key, name), f"unknown key; expected one of {', '.join(sorted(allowed))}")
        for name in sorted(required):
            if name not in data:
                raise self.fail(_join(key, name), "missing")
        return data

    def text(self, value: object, key: str, *, placeholders: bool = False) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "expected a non-empty string")
        if placeholders:
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
            except ValueError as err:
                raise self.fail(key, f"malformed placeholder ({err})") from None
            unknown = names - PLACEHOLDERS
            if unknown:
                raise self.fail(key, f"unknown placeholder {{{sorted(unknown)[0]}}}; use {{period}} or {{commune}}")
        return value.strip()

    def number(self, value: object, key: str, low: float, high: float, *, integer: bool = False) -> float:
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            raise self.fail(key, "expected an integer" if integer else "expected a number")
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low:g} and {high:g}")
        return value

    def file(self, value: object, key: str, *, placeholders: bool = True) -> str:
        text = self.text(value, key, placeholders=placeholders)
        p = Path(text).expanduser()
        return os.path.normpath(p if p.is_absolute() else self.path.parent.resolve() / p)


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def load_config(path: str | Path) -> Deployment:
    """Read and check a deployment file; ConfigError with the file, the key and the reason."""
    path = Path(path)
    check = _Checker(path)
    raw = read_toml(path, path.name, "configuration file")
    check.table(raw, "", _TOP_KEYS, {"db", "out", "communes"})

    name = check.text(raw.get("name", path.stem), "name")
    if not _NAME.match(name):
        raise check.fail("name", "use letters, digits, '-', '_' or '.' (at most 63), starting with a letter or digit")
    method = raw.get("match_method", "probabilistic")
    if method not in MATCH_METHODS:
        raise check.fail("match_method", f"expected one of {', '.join(MATCH_METHODS)}")
    mapping = check.file(raw["mapping"], "mapping", placeholders=False) if "mapping" in raw else None
    if mapping is not None and not Path(mapping).is_file():
        raise check.fail("mapping", "file not found")
    db = check.file(raw["db"], "db", placeholders=False)
    if "{" in db or "}" in db:
        raise check.fail("db", "one database holds every month and commune (review decisions carry over); "
                               "no placeholders here")
    return Deployment(
        path=path.resolve(), name=name, db=db, out=check.file(raw["out"], "out"),
        communes=_communes(check, raw["communes"]), match_method=method, mapping=mapping,
        thresholds=_thresholds(check, raw.get("thresholds", {})), schedule=_schedule(check, raw.get("schedule", {})),
        encodings=_patterns(check, raw.get("encodings", {}), "encodings"),
        sheets=_patterns(check, raw.get("sheets", {}), "sheets"),
        read_retries=int(check.number(raw.get("read_retries", 2), "read_retries", 0, 10, integer=True)),
        read_retry_delay=float(check.number(raw.get("read_retry_delay", 30), "read_retry_delay", 0, 3600)),
        **_scale_out(check, raw),
    )


def _scale_out(check: _Checker, raw: dict) -> dict:
    """``dask_address``, ``workers`` and ``scratch`` of a configuration (see ``pipelines.runners``)."""
    from pipelines.runners import DASK_ADDRESS

    found: dict = {}
    if "dask_address" in raw:
        found["dask_address"] = check.text(raw["dask_address"], "dask_address")
        if not DASK_ADDRESS.match(found["dask_address"]):
            raise check.fail("dask_address", "expected a Dask scheduler address, tcp://HOST:PORT")
    if "workers" in raw:
        found["workers"] = int(check.number(raw["workers"], "workers", 1, 256, integer=True))
    if len(found) == 2:
        raise check.fail("workers", "give dask_address (an existing cluster) or workers (a local one), not both")
    if "scratch" in raw:
        found["scratch"] = check.file(raw["scratch"], "scratch", placeholders=False)
    return found


def _thresholds(check: _Checker, data: object) -> Thresholds:
    check.table(data, "thresholds", {"match", "review", "min_margin"})
    default = Thresholds()
    match = check.number(data.get("match", default.match), "thresholds.match", 0, 1)
    review = check.number(data.get("review", default.review), "thresholds.review", 0, 1)
    margin = check.number(data.get("min_margin", default.min_margin), "thresholds.min_margin", 0, 100)
    if not 0 < review <= match < 1:
        raise check.fail("thresholds", "need 0 < review <= match < 1")
    return Thresholds(float(match), float(review), float(margin))


def _schedule(check: _Checker, data: object) -> Schedule:
    check.table(data, "schedule", {"cron", "timezone", "active"})
    cron = check.text(data.get("cron", DEFAULT_CRON), "schedule.cron")
    from prefect._vendor.croniter import croniter  # the parser Prefect's server uses

    if len(cron.split()) != 5 or not croniter.is_valid(cron):
        raise check.fail("schedule.cron", f"not a 5-field cron expression: {cron!r}")
    tz = check.text(data.get("timezone", DEFAULT_TIMEZONE), "schedule.timezone")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise check.fail("schedule.timezone", f"unknown time zone {tz!r} (e.g. Asia/Ho_Chi_Minh)") from None
    active = data.get("active", True)
    if not isinstance(active, bool):
        raise check.fail("schedule.active", "expected true or false")
    return Schedule(cron, tz, active)


def _patterns(check: _Checker, data: object, key: str) -> dict[str, str]:
    if not isinstance(data, dict):
        raise check.fail(key, "expected a table of PATH = VALUE")
    return {check.text(k, f"{key}.{k}"): check.text(v, f"{key}.{k}") for k, v in data.items()}


def _communes(check: _Checker, data: object) -> tuple[Commune, ...]:
    if not isinstance(data, list) or not data:
        raise check.fail("communes", "expected at least one [[communes]] table")
    communes: list[Commune] = []
    for i, item in enumerate(data, start=1):
        key = f"communes[{i}]"
        check.table(item, key, {"code", "name", "residency", "sectors"}, {"code", "residency", "sectors"})
        code = item["code"]
        code = str(code) if isinstance(code, int) and not isinstance(code, bool) else code
        code = check.text(code, f"{key}.code")
        if not re.fullmatch(r"[0-9A-Za-z_-]{1,20}", code):
            raise check.fail(f"{key}.code", "use digits, letters, '-' or '_' (the commune code, e.g. \"26734\")")
        if any(c.code == code for c in communes):
            raise check.fail(f"{key}.code", f"commune {code} appears twice")
        name = check.text(item.get("name", code), f"{key}.name")
        residency = check.file(item["residency"], f"{key}.residency")
        sectors = check.table(item["sectors"], f"{key}.sectors", set(F.SECTORS))
        if not sectors:
            raise check.fail(f"{key}.sectors", "name at least one sector source")
        paths: dict[str, tuple[str, ...]] = {}
        for sector, value in sectors.items():
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not values:
                raise check.fail(f"{key}.sectors.{sector}", "expected a path or a list of paths")
            paths[sector] = tuple(check.file(v, f"{key}.sectors.{sector}") for v in values)
        communes.append(Commune(code, name, residency, paths))
    return tuple(communes)
