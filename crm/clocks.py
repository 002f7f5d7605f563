"""Whose clock a lead is called on: the time zone of a contact or a prospect, derived from what its data says.

Reps call on the contact's clock, so a wrong zone puts an 08:00 "their time" call at 02:00 where they are. Most
imports and API clients give no zone at all; they give a country, a phone number, sometimes a state and a city.
`clock_guess` reads them in this order, and says which one it used:

1. a zone given explicitly (an IANA name);
2. the phone number: libphonenumber (`phonenumbers`) maps a number's prefix to the zones it is used in, and where
   that prefix spans zones, the place its finer geocoding names ("08 9123": Perth) finds the zone as in 3;
3. the state or region and the city, where the country spans several zones: libphonenumber's own geocoding data
   names the places behind each prefix ("Austin, TX", "British Columbia", "São Paulo - SP"), and its zone data gives
   each of them a zone, so a place name finds the zone most of its numbers are in; a city that names a zone
   ("Chicago", "Perth") finds it directly;
4. the country, when all of its zones keep the same time (CLDR's list of a territory's zones, from Babel);
5. only then the rep's zone, said to be a guess ("clock guessed from the rep: check it"). In a country that spans
   zones, the rep's zone is taken only if it is one of the country's; otherwise the country's zone with the most
   phone numbers, also said to be a guess.

Pure functions over the libraries' data, built once per process.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import pycountry
from babel.core import get_global
from phonenumbers import geocoder, geodata, timezone, tzdata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from crm.models import ClockSource

# Instants across a year: two zones with the same offsets at all four keep the same time (daylight saving included).
_SAMPLES = tuple(dt.datetime(2026, month, 15, 12, tzinfo=dt.UTC) for month in (1, 4, 7, 10))
# Sources that are a guess: the lead says so until a person confirms or corrects its clock.
GUESSES = frozenset({ClockSource.REP, ClockSource.COUNTRY_GUESS})


@dataclass(frozen=True)
class Clock:
    zone: str
    source: str  # a ClockSource value

    @property
    def is_guess(self) -> bool:
        return self.source in GUESSES


def _real_zone(name: str) -> str:
    """The zone's canonical IANA name ("Asia/Calcutta" is "Asia/Kolkata"), or "" if there is no such zone."""
    name = name.strip()
    if not name or name.lower() == "localtime":
        return ""
    name = get_global("zone_aliases").get(name, name)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    return name


@cache
def _signature(zone: str) -> tuple[float, ...]:
    tz = ZoneInfo(zone)
    return tuple(moment.astimezone(tz).utcoffset().total_seconds() for moment in _SAMPLES)  # type: ignore[union-attr]


def _main(zones: list[str]) -> str:
    """The zone most people of those places live in: the one with the most numbered places in libphonenumber's
    geocoding data (New York over Chicago, Sydney over Brisbane, Almaty over Aqtobe)."""
    places = _geography().places_per_zone
    return max(zones, key=lambda zone: (places[zone], zone == sorted(zones)[0]))


@cache
def country_zones(country: str) -> tuple[str, ...]:
    """The country's zones (CLDR), those that exist in this Python's tz database."""
    return tuple(dict.fromkeys(z for z in map(_real_zone, get_global("territory_zones").get(country.upper(), ())) if z))


def _one_time(zones: list[str] | tuple[str, ...]) -> bool:
    return len({_signature(zone) for zone in zones}) == 1


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def _place_keys(description: str) -> list[str]:
    """ "Austin, TX" -> the whole, "austin", "tx"; "São Paulo - SP" -> the whole, "sao paulo", "sp"."""
    parts = [part for chunk in description.split(",") for part in chunk.split(" - ")]
    keys = [_key(description), *(_key(part) for part in parts)]
    return [key for key in dict.fromkeys(keys) if key]


def _prefix_zone(prefix: str) -> str | None:
    for end in range(len(prefix), 0, -1):
        zones = tzdata.TIMEZONE_DATA.get(prefix[:end])
        if zones:
            return zones[0] if len(zones) == 1 else None
    return None


def _prefix_country(prefix: str, zone: str) -> str | None:
    for length in (1, 2, 3):
        regions = COUNTRY_CODE_TO_REGION_CODE.get(int(prefix[:length])) if prefix[:length].isdigit() else None
        if regions:
            return regions[0] if len(regions) == 1 else get_global("zone_territories").get(zone)
    return None


@dataclass(frozen=True)
class _Geography:
    places_per_zone: Counter[str]
    # country -> place key -> the zones of its numbers; only for countries that span zones, as a place name is
    # asked for nowhere else.
    places: dict[str, dict[str, Counter[str]]]


@cache
def _geography() -> _Geography:
    """libphonenumber's geocoding data read once per process (about a second): each numbered place's zone."""
    per_zone: Counter[str] = Counter()
    index: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    spanning: dict[str, bool] = {}
    # Most places have many prefixes ("Jersey City, NJ"): their names are read once each.
    seen: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for prefix, descriptions in geodata.GEOCODE_DATA.items():
        zone = _prefix_zone(prefix)
        if zone is None:
            continue
        per_zone[zone] += 1
        country = _prefix_country(prefix, zone)
        if country is None:
            continue
        if country not in spanning:
            spanning[country] = not _one_time(country_zones(country) or (zone,))
        if not spanning[country]:
            continue
        for description in descriptions.values():
            seen[country, description][zone] += 1
    for (country, description), zones in seen.items():
        for key in _place_keys(description):
            index[country][key].update(zones)
    for country, spans in spanning.items():
        if spans:
            for zone in country_zones(country):
                index[country][_key(zone.rsplit("/", 1)[-1].replace("_", " "))][zone] += 1000  # "Chicago", "Perth"
    return _Geography(per_zone, {country: dict(places) for country, places in index.items()})


def _subdivision_keys(country: str, region: str) -> list[str]:
    """The region as written, and its ISO 3166-2 name and code ("Texas" <-> "TX", "ON" <-> "Ontario")."""
    keys = [_key(region)]
    wanted = _key(region)
    for subdivision in pycountry.subdivisions.get(country_code=country.upper()) or ():
        code = subdivision.code.split("-", 1)[-1]
        if wanted in (_key(subdivision.name), _key(code)):
            keys += [_key(subdivision.name), _key(code)]
    return list(dict.fromkeys(key for key in keys if key))


def _place_zone(country: str, *, region: str, city: str) -> str:
    places = _geography().places.get(country.upper())
    if not places:
        return ""
    # The city first: it is the narrower place ("Portland" in Oregon's zone, not the first "Portland" found).
    candidates: list[str] = []
    if city.strip() and region.strip():
        for key in _subdivision_keys(country, region):
            candidates.append(f"{_key(city)} {key}")
    if city.strip():
        candidates.append(_key(city))
    if region.strip():
        candidates += _subdivision_keys(country, region)
    for key in candidates:
        zones = places.get(key)
        if zones:
            return zones.most_common(1)[0][0]
    return ""


def _phone_zone(phone: str, *, country: str) -> tuple[str, str]:
    """(zone, the number's country): the zone is "" when the number does not say where (a mobile across a
    country's zones), and the country "" when it cannot be read."""
    try:
        number = phonenumbers.parse(phone, country.upper() or None)
    except phonenumbers.NumberParseException:
        return "", ""
    region = phonenumbers.region_code_for_number(number) or ""
    zones = [z for z in dict.fromkeys(map(_real_zone, timezone.time_zones_for_number(number))) if z]
    if zones and _one_time(zones):
        return _main(zones), region
    # The zone data's prefix covers several zones ("08" is Perth, Adelaide and Darwin); its geocoding data is often
    # finer ("08 9123" is Perth): the place it names finds the zone.
    place = geocoder.description_for_number(number, "en")
    if place and region:
        found = _place_zone(region, region="", city=place)
        if found and (not zones or found in zones):
            return found, region
    return "", region


def clock_guess(
    *, zone: str = "", phone: str = "", country: str = "", region: str = "", city: str = "", fallback: str
) -> Clock:
    """The clock a contact or prospect is called on, and which of its data gave it (see the module's docstring).
    `fallback` is the rep's zone."""
    given = _real_zone(zone)
    if given:
        return Clock(given, ClockSource.EXPLICIT)
    if phone.strip():
        found, phone_country = _phone_zone(phone, country=country)
        if found:
            return Clock(found, ClockSource.PHONE)
        country = country or phone_country
    zones = country_zones(country) if country else ()
    if zones and not _one_time(zones) and (region.strip() or city.strip()):
        found = _place_zone(country, region=region, city=city)
        if found:
            return Clock(found, ClockSource.REGION)
    if zones and _one_time(zones):
        return Clock(_main(list(zones)), ClockSource.COUNTRY)
    rep_zone = _real_zone(fallback) or "UTC"
    if zones and rep_zone not in zones and not any(_signature(rep_zone) == _signature(z) for z in zones):
        return Clock(_main(list(zones)), ClockSource.COUNTRY_GUESS)
    return Clock(rep_zone, ClockSource.REP)


def contact_clock(*, zone: str = "", phone: str = "", country: str = "", prospect_country: str = "") -> Clock | None:
    """A contact's own clock: a zone given for them, their phone number, or a country of their own that keeps one
    time. None puts them on their prospect's clock."""
    given = _real_zone(zone)
    if given:
        return Clock(given, ClockSource.EXPLICIT)
    if phone.strip():
        found, _ = _phone_zone(phone, country=country or prospect_country)
        if found:
            return Clock(found, ClockSource.PHONE)
    zones = country_zones(country) if country else ()
    if zones and _one_time(zones):
        return Clock(_main(list(zones)), ClockSource.COUNTRY)
    return None


def clock_shared(clocks: list[Clock], *, fallback: Clock) -> Clock:
    """A company's clock: the one most of its contacts' own clocks share (the first of them on a tie), else
    `fallback`, the clock of the company's own data. A guess never outvotes what a contact's data says."""
    known = [clock for clock in clocks if not clock.is_guess]
    if not known:
        return fallback
    counts = Counter(clock.zone for clock in known)
    top = max(counts.values())
    return next(clock for clock in known if counts[clock.zone] == top)
