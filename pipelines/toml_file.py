"""Read a TOML file for doisoat's configuration files, failing with one line that names it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from contracts import ConfigError


def read_toml(path: Path, label: str, what: str = "file") -> dict:
    """Parse ``path`` (UTF-8, BOM allowed); ConfigError("<label>: <what> not found" …) otherwise."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"{label}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{label}: cannot read the {what} ({type(err).__name__})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{label}: not valid TOML ({err})") from None
