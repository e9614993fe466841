"""Canonical field names, sector names and value conventions shared by every package.

Every source is mapped onto these names before validation. Value conventions:
- ``person_id``: 12-digit string (số định danh cá nhân) or null.
- ``old_id``: 9- or 12-digit string (old CMND) or null.
- ``full_name``: NFC, single spaces, "Ð"→"Đ"; ``full_name_raw`` keeps the text as listed.
- ``birth_date``: ``pl.Date``; a year-only date is stored as 1 January, a month-only one as the
  1st, and ``birth_date_precision`` says which: ``"day"``, ``"month"`` or ``"year"``.
- ``gender``: ``"M"`` (Nam), ``"F"`` (Nữ) or null.
- lineage: ``source_file`` (path as given), ``source_row`` (the row number the officer sees in
  the spreadsheet: CSV line number with the header on line 1; XLSX sheet row).
"""

SECTORS: tuple[str, ...] = (
    "civil_status",
    "vaccination",
    "social_protection",
    "social_insurance",
    "union_membership",
)
RESIDENCY = "residency"

# Lists where a person normally appears once (vaccination has a row per dose, civil status a row
# per event, union membership a row per organisation): a second row for the same resident there
# is a duplicate or a namesake.
ONE_ROW_PER_PERSON: tuple[str, ...] = ("social_protection", "social_insurance")

PERSON_ID = "person_id"
OLD_ID = "old_id"
FULL_NAME = "full_name"
FULL_NAME_RAW = "full_name_raw"
BIRTH_DATE = "birth_date"
BIRTH_DATE_PRECISION = "birth_date_precision"
GENDER = "gender"
ADDRESS = "address"
COMMUNE_CODE = "commune_code"
COMMUNE_CANDIDATES = "commune_candidates"  # "a;b": the new communes an old split commune became
SOURCE_FILE = "source_file"
SOURCE_ROW = "source_row"
# The unique key of a row within one sector's stacked records (matchers and findings join on it).
RECORD_KEY = "record_key"

PRECISIONS: tuple[str, ...] = ("day", "month", "year")
GENDERS: tuple[str, ...] = ("M", "F")

# Fields shared by every source (any may be absent in a given file, except as required below).
PERSON_FIELDS: tuple[str, ...] = (
    PERSON_ID, OLD_ID, FULL_NAME, BIRTH_DATE, GENDER, ADDRESS, COMMUNE_CODE,
)

# Sector-specific canonical fields (kept as text unless a parser says otherwise).
SECTOR_FIELDS: dict[str, tuple[str, ...]] = {
    RESIDENCY: ("household_id", "relation_to_head"),
    "civil_status": ("event_type", "event_date", "registration_number"),
    "vaccination": ("vaccine", "dose", "vaccination_date"),
    "social_protection": ("allowance_category", "allowance_amount", "allowance_start"),
    "social_insurance": ("insurance_number", "health_card_number"),
    "union_membership": ("organisation", "join_date", "branch"),
}
# A union branch is named after the village it gathers ("Chi hội Thôn 3"): where its members
# live. The matcher reads it as the row's address when the row has none (``matchers.link``).
BRANCH = "branch"
HOUSEHOLD_ID = "household_id"  # the extract's household (Mã hộ)
GUARDIAN_NAME = "guardian_name"  # the mother or carer a row names (vaccination books, birth registers)

# Dates of sector events, parsed like the birth date (with ``<field>_precision``) and checked by
# the soft rules (not after the period, not before the birth date).
SECTOR_DATE_FIELDS: tuple[str, ...] = ("event_date", "vaccination_date", "allowance_start", "join_date")

# Fields a source must have a column for, or the file is refused with a clear message.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    RESIDENCY: (PERSON_ID, FULL_NAME, BIRTH_DATE),
    **{sector: (FULL_NAME,) for sector in SECTORS},
}

OUTCOMES: tuple[str, ...] = ("matched", "review", "unmatched", "rejected")
