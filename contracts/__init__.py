"""The face of ``contracts``: canonical fields, header synonyms, value parsers, pandera contracts
and soft rules (no I/O, no Prefect).

- fields: canonical field names, sectors, ``RECORD_KEY``, ``SECTOR_DATE_FIELDS`` (``contracts.fields``).
- headers: Vietnamese header synonyms per field and header matching.
- values: parsers for IDs, names, dates, gender and amounts as offices type them.
- schemas: one pandera contract per source; ``split_valid`` separates the rows that fail it.
- rules: soft checks that become findings, not rejections.
- errors: ``DoisoatError`` and its kinds.
"""

from contracts import fields
from contracts.errors import ConfigError, DoisoatError, InputFileError, SourceUnavailable
from contracts.headers import (
    GENDERED_FIELDS,
    GROUP_SEPARATOR,
    HEADER_SYNONYMS,
    closest_headers,
    gendered_column,
    group_role,
    header_candidate,
    header_key,
    map_headers,
    names_vaccine,
    register_event,
    shares_its_cell,
    split_group,
    vaccine_and_dose,
)
from contracts.rules import soft_findings
from contracts.schemas import CHECK_MESSAGES, source_schema, split_valid
from contracts.values import (
    clean_name,
    date_from_gender_columns,
    gender_from_ticks,
    id_birth_year,
    id_is_female,
    id_province,
    looks_like_ticks,
    parse_amount,
    parse_commune_code,
    parse_date,
    parse_gender,
    parse_id,
)

__all__ = [
    "CHECK_MESSAGES", "clean_name", "closest_headers", "ConfigError", "date_from_gender_columns",
    "DoisoatError", "fields", "gender_from_ticks", "gendered_column", "GENDERED_FIELDS", "group_role",
    "GROUP_SEPARATOR", "header_candidate", "header_key", "HEADER_SYNONYMS", "id_birth_year", "id_is_female",
    "id_province", "InputFileError", "looks_like_ticks", "map_headers", "names_vaccine", "parse_amount",
    "parse_commune_code", "parse_date", "parse_gender", "parse_id", "register_event", "shares_its_cell",
    "soft_findings", "source_schema", "SourceUnavailable", "split_group", "split_valid", "vaccine_and_dose",
]
