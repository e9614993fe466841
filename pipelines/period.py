"""Periods: a run reconciles one month, written ``YYYY-MM``."""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

from contracts import DoisoatError

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def period_end(period: str) -> dt.date:
    """Last day of a ``YYYY-MM`` period; raises DoisoatError on a malformed period."""
    try:
        year, month = (int(p) for p in period.split("-"))
        if not (1900 <= year <= 2999 and 1 <= month <= 12) or len(period) != 7:
            raise ValueError
    except ValueError:
        raise DoisoatError(f"period {period!r} is not a month in YYYY-MM form") from None
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def previous_period(now: dt.datetime | None = None, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The month before ``now`` (default: the current time) in ``timezone``, as ``YYYY-MM``."""
    local = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone))
    first = local.date().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")
