"""Time zones by name, as people and rows give them: cached, and never an error for a blank or unknown name."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=1024)
def _zone(key: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone(key: str, *, fallback: str) -> ZoneInfo:
    """The zone named `key`; a blank or unknown key falls back to `fallback` (a contact's to its prospect's),
    then to UTC."""
    return _zone(key.strip()) or _zone(fallback.strip()) or ZoneInfo("UTC")


def day_and_clock(moment: dt.datetime, tz: ZoneInfo) -> str:
    """ "Tue 1 Dec 14:00" on the clock of `tz`: how every page, event and reason names a day and a time (the caller
    says whose clock it is)."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %H:%M}"
