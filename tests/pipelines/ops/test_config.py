"""Deployment configuration: a TOML file read into paths, thresholds and a schedule; bad ones fail fast."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contracts import ConfigError
from pipelines.ops.config import DEFAULT_CRON, DEFAULT_TIMEZONE, load_config
from pipelines.period import previous_period

GOOD = """
name = "an-binh"
db = "data/doisoat.duckdb"
out = "out/{period}"

[thresholds]
match = 0.9
review = 0.4

[[communes]]
code = "26734"
name = "Xã An Bình"
residency = "lists/{period}/dan_cu.csv"
[communes.sectors]
vaccination = "lists/{period}/tiem_chung*.xlsx"
social_insurance = ["lists/{period}/bhxh.csv", "lists/{period}/bhxh_bo_sung.csv"]

[[communes]]
code = 26735
residency = "/srv/extracts/{commune}/{period}.csv"
[communes.sectors]
civil_status = "ho_tich_{commune}.csv"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "doisoat.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_gives_absolute_paths_defaults_and_thresholds(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.name == "an-binh"
    assert cfg.db_path == tmp_path / "data" / "doisoat.duckdb"
    assert cfg.schedule.cron == DEFAULT_CRON == "0 2 5 * *"
    assert cfg.schedule.timezone == DEFAULT_TIMEZONE == "Asia/Ho_Chi_Minh"
    assert (cfg.thresholds.match, cfg.thresholds.review, cfg.thresholds.min_margin) == (0.9, 0.4, 3.0)
    assert [c.code for c in cfg.communes] == ["26734", "26735"]
    assert cfg.communes[1].name == "26735"


def test_a_dask_cluster_and_a_shared_scratch_folder_are_read(tmp_path):
    cfg = load_config(write(tmp_path, 'dask_address = "tcp://10.0.0.5:8786"\nscratch = "shared/parts"\n' + GOOD))
    assert (cfg.dask_address, cfg.workers) == ("tcp://10.0.0.5:8786", None)
    assert cfg.scratch == str(tmp_path / "shared" / "parts")
    assert cfg.run_parameters(cfg.communes[0], "2026-11")["scratch"] == cfg.scratch
    local = load_config(write(tmp_path, "workers = 3\n" + GOOD))
    assert (local.dask_address, local.workers, local.scratch) == (None, 3, None)
    assert "scratch" not in local.run_parameters(local.communes[0], "2026-11")


def test_run_parameters_fill_the_period_and_expand_globs(tmp_path):
    lists = tmp_path / "lists" / "2026-11"
    lists.mkdir(parents=True)
    for name in ("tiem_chung_thon1.xlsx", "tiem_chung_thon2.xlsx", "bhxh.csv"):
        (lists / name).write_bytes(b"x")
    cfg = load_config(write(tmp_path, GOOD))
    params = cfg.run_parameters(cfg.communes[0], "2026-11")
    assert params["residency"] == str(lists / "dan_cu.csv")
    assert params["sectors"] == [
        f"vaccination={lists / 'tiem_chung_thon1.xlsx'}", f"vaccination={lists / 'tiem_chung_thon2.xlsx'}",
        f"social_insurance={lists / 'bhxh.csv'}",
        f"social_insurance={lists / 'bhxh_bo_sung.csv'}",  # absent: passed on, fails alone as "file not found"
    ]
    assert params["out"] == str(tmp_path / "out" / "2026-11" / "26734")  # one folder per commune
    assert params["commune"] == "26734" and params["period"] == "2026-11"
    assert params["thresholds"] == {"match": 0.9, "review": 0.4, "min_margin": 3.0}
    other = cfg.run_parameters(cfg.communes[1], "2026-12")
    assert other["residency"] == "/srv/extracts/26735/2026-12.csv"
    assert other["sectors"] == [f"civil_status={tmp_path / 'ho_tich_26735.csv'}"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace('db = "data/doisoat.duckdb"\n', ""), "doisoat.toml: db: missing"),
    (lambda t: t.replace("[thresholds]", "[threshold]"), "doisoat.toml: threshold: unknown key; expected one of"),
    (lambda t: t.replace("match = 0.9", "match = 1.5"), "doisoat.toml: thresholds.match: must be between 0 and 1"),
    (lambda t: t.replace("review = 0.4", "review = 0.95"), "doisoat.toml: thresholds: need 0 < review <= match < 1"),
    (lambda t: t.replace("match = 0.9", 'match = "high"'), "doisoat.toml: thresholds.match: expected a number"),
    (lambda t: t.replace("vaccination =", "vaccine ="), "doisoat.toml: communes[1].sectors.vaccine: unknown key; expected one of civil_status"),
    (lambda t: t.replace('code = "26734"', 'code = "26735"'), "doisoat.toml: communes[2].code: commune 26735 appears twice"),
    (lambda t: t.replace('residency = "lists/{period}/dan_cu.csv"\n', ""), "doisoat.toml: communes[1].residency: missing"),
    (lambda t: t.replace("{period}/dan_cu", "{month}/dan_cu"), "doisoat.toml: communes[1].residency: unknown placeholder {month}"),
    (lambda t: t.replace('out = "out/{period}"', 'out = "out/{period"'), "doisoat.toml: out: malformed placeholder"),
    (lambda t: t + '\n[schedule]\ncron = "0 2 35 * *"\n', "doisoat.toml: schedule.cron: not a 5-field cron expression"),
    (lambda t: t + '\n[schedule]\ntimezone = "Asia/Hanoi_City"\n', "doisoat.toml: schedule.timezone: unknown time zone"),
    (lambda t: t.replace('name = "an-binh"', 'name = "an binh/x"'), "doisoat.toml: name: use letters, digits"),
    (lambda t: t.replace('db = "data/doisoat.duckdb"', 'db = "data/{period}.duckdb"'), "doisoat.toml: db: one database"),
    (lambda t: "retries = 3\n" + t, "doisoat.toml: retries: unknown key"),
    (lambda t: t.replace("[[communes]]", "[[commune]]").replace("[communes.sectors]", "[commune.sectors]"), "doisoat.toml: commune: unknown key"),
    (lambda t: t.replace("[thresholds]", "[thresholds"), "doisoat.toml: not valid TOML"),
    (lambda t: 'dask_address = "10.0.0.5:8786"\n' + t, "doisoat.toml: dask_address: expected a Dask scheduler address"),
    (lambda t: "workers = 0\n" + t, "doisoat.toml: workers: must be between 1 and 256"),
    (lambda t: 'workers = 2\ndask_address = "tcp://10.0.0.5:8786"\n' + t, "doisoat.toml: workers: give dask_address"),
])
def test_invalid_configuration_names_the_key_and_the_reason(tmp_path, change, message):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, change(GOOD)))
    assert str(err.value).startswith(message), str(err.value)
    assert "\n" not in str(err.value)


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"^none.toml: configuration file not found$"):
        load_config(tmp_path / "none.toml")


@pytest.mark.parametrize(("now", "period"), [
    (dt.datetime(2026, 12, 4, 19, 0, tzinfo=dt.UTC), "2026-11"),   # 02:00 on the 5th in Hà Nội
    (dt.datetime(2027, 1, 4, 19, 0, tzinfo=dt.UTC), "2026-12"),    # across the year
    (dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC), "2026-11"),  # already 1 December in Hà Nội
])
def test_the_default_period_is_the_previous_month_in_local_time(now, period):
    assert previous_period(now, "Asia/Ho_Chi_Minh") == period


def test_cli_exits_2_on_a_bad_configuration_before_starting_prefect(tmp_path):
    path = write(tmp_path, GOOD.replace("match = 0.9", "match = 1.5"))
    env = {**os.environ}
    env.pop("PREFECT_API_URL", None)
    result = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--config", str(path), "--period", "2026-11"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == "Error: doisoat.toml: thresholds.match: must be between 0 and 1"
    both = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--config", str(path), "--period", "2026-11",
                           "--db", "x.duckdb"], capture_output=True, text=True, env=env, timeout=120)
    assert both.returncode == 2 and "--config replaces" in both.stderr


def test_the_example_deployment_in_sample_data_is_valid():
    cfg = load_config(Path(__file__).resolve().parents[3] / "sample_data" / "doisoat.toml")
    params = cfg.run_parameters(cfg.communes[0], "2026-11")
    assert all(Path(s.split("=", 1)[1]).exists() for s in params["sectors"]) and Path(params["residency"]).exists()
    assert len(params["sectors"]) == 5
