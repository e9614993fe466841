"""Canonical fields, header synonyms, value parsers and pandera contracts (no I/O, no Prefect)."""

from contracts.errors import ConfigError, DoisoatError, InputFileError
from contracts.headers import HEADER_SYNONYMS, closest_headers, header_key, map_headers
from contracts.schemas import CHECK_MESSAGES, source_schema, split_valid
from contracts.values import (
    clean_name,
    id_birth_year,
    id_is_female,
    id_province,
    parse_amount,
    parse_date,
    parse_gender,
    parse_id,
)

__all__ = [
    "CHECK_MESSAGES", "ConfigError", "DoisoatError", "HEADER_SYNONYMS", "InputFileError", "clean_name",
    "closest_headers", "header_key", "id_birth_year", "id_is_female", "id_province", "map_headers",
    "parse_amount", "parse_date", "parse_gender", "parse_id", "source_schema", "split_valid",
]
