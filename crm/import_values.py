"""Values as people write them in spreadsheets, read into what Pursuit stores: countries, amounts with their
currency, time zones, roles, phones.

Pure functions, each giving the value or a sentence that says what is wrong, so the import reports it on its row.
Every value is NFKC-normalised first (`plain`), so full-width digits and letters ("０３－１２３４", "ＵＳＡ") read as
their ASCII selves. Countries come from pycountry (ISO 3166) and Babel's CLDR data (each territory's name in every
language CLDR has: "Россия", "ドイツ", "Türkiye" and "Turkey"); currencies from Babel's symbols and ISO codes; phones
from phonenumbers (Google's libphonenumber); zones from the IANA database the system ships.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

import phonenumbers
import pycountry
from babel import Locale, UnknownLocaleError, localedata
from babel.numbers import list_currencies

from crm.validators import iana_timezones, phone_error

# The languages whose country names a sales team's exports come in (pycountry ships the translations).
NAME_LANGUAGES = ("de", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi", "pl")
# What people write that neither ISO nor its translations spell.
COUNTRY_ALIASES = {
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "south korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "vietnam": "VN",
    "czech republic": "CZ",
    "holland": "NL",
    "uae": "AE",
    "turkey": "TR",
    "the netherlands": "NL",
    "ksa": "SA",
}


def plain(text: str) -> str:
    """NFKC: full-width and compatibility forms as their plain selves ("０３" is "03", "ＵＳＡ" is "USA")."""
    return unicodedata.normalize("NFKC", text).strip()


def _key(text: str) -> str:
    """Case, accents and punctuation spaces ignored: "Deutschland", "deutschland", "Côte d'Ivoire"."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(plain.replace("\u2019", "'").replace(",", " ").split())


@cache
def _countries() -> dict[str, str]:
    """ISO's names and codes, pycountry's translations of them and what people write (COUNTRY_ALIASES)."""
    names: dict[str, str] = {}
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in NAME_LANGUAGES
    ]
    for country in pycountry.countries:
        code = country.alpha_2
        spellings = {country.alpha_2, country.alpha_3, country.name}
        for attribute in ("official_name", "common_name"):
            if hasattr(country, attribute):
                spellings.add(getattr(country, attribute))
        for translation in translations:
            spellings.add(translation.gettext(country.name))
        for spelling in spellings:
            names.setdefault(_key(spelling), code)
    for alias, code in COUNTRY_ALIASES.items():
        names[_key(alias)] = code
    return names


@cache
def _cldr_countries() -> dict[str, str]:
    """Every territory's name in every language CLDR has (one locale per language), read only when a value is not
    one of `_countries`: loading some 330 locales takes most of a second, once per process."""
    names: dict[str, str] = {}
    for language in localedata.locale_identifiers():
        if "_" in language:
            continue
        try:
            territories = Locale.parse(language).territories
        except (UnknownLocaleError, ValueError):
            continue
        for code, name in territories.items():
            if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code):
                names.setdefault(_key(name), code)
    return names


@lru_cache(maxsize=4096)
def _country_code(key: str) -> str | None:
    for candidate in (key, key[4:] if key.startswith("the ") else ""):
        if candidate:
            code = _countries().get(candidate) or _cldr_countries().get(candidate)
            if code:
                return code
    return None


def country_parse(text: str) -> tuple[str, str]:
    """(ISO alpha-2 code, "") or ("", why). Codes ("US", "DEU"), names in any language ("Deutschland", "Россия"),
    with or without a leading "the"."""
    text = plain(text)
    if not text:
        return "", ""
    code = _country_code(_key(text))
    if code is None:
        return "", f"“{text}” is not a country we know; use its name or its ISO code (e.g. Germany, DE)."
    return code, ""


# Symbols people write that Babel's English data does not give for the currency (its own country's use them).
LOCAL_SYMBOLS = {
    "US$": "USD",
    "C$": "CAD",
    "AU$": "AUD",
    "S$": "SGD",
    "SFr.": "CHF",
    "Fr.": "CHF",
    "円": "JPY",
    "元": "CNY",
    "RMB": "CNY",
    "₽": "RUB",
    "руб.": "RUB",
    "руб": "RUB",
    "₸": "KZT",
    "тг": "KZT",
    "zł": "PLN",
    "₺": "TRY",
    "Kč": "CZK",
    "Ft": "HUF",
    "₴": "UAH",
    "₦": "NGN",
    "د.إ": "AED",
    "﷼": "SAR",
}
# Currencies written with a bare "$": a Canadian team's "$" is its own dollar, anyone else's is the US one.
DOLLARS = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD"})
_MULTIPLIERS = (
    (re.compile(r"(?i)(?:k|tsd\.?|tausend|thousand)$"), Decimal(1000)),
    (re.compile(r"(?i)(?:m|mm|mn|mio\.?|mill?\.?|millions?|millionen|millones|millions)$"), Decimal(1_000_000)),
    (re.compile(r"(?i)(?:bn|b|mrd\.?|mia\.?|billions?|milliarden?)$"), Decimal(1_000_000_000)),
)
_NUMBER = re.compile(r"^[\d.,'\u2019 ]+$")
MAX_AMOUNT = Decimal("1e10")


@cache
def _currency_marks() -> list[tuple[str, str]]:
    """(what is written, ISO code), longest first so "R$" wins over "$" and "CA$" over "A$"."""
    marks: dict[str, str] = {}
    english = Locale.parse("en")
    for code in list_currencies():
        symbol = english.currency_symbols.get(code)
        if symbol and symbol != code and not symbol.isalpha():
            marks.setdefault(plain(symbol), code)
    for symbol, code in LOCAL_SYMBOLS.items():
        marks.setdefault(plain(symbol), code)
    return sorted(marks.items(), key=lambda item: -len(item[0]))


@cache
def _currency_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def _currency_take(text: str, *, team_currency: str) -> tuple[str, str]:
    """(the text without its currency, the ISO code written or "")."""
    for code in re.findall(r"\b[A-Z]{3}\b", text):
        if code in _currency_codes():
            return text.replace(code, " ", 1), code
    for mark, code in _currency_marks():
        if mark in text:
            if mark == "$" and team_currency in DOLLARS:
                code = team_currency
            return text.replace(mark, " ", 1), code
    return text, ""


@lru_cache(maxsize=8192)
def money_parse(text: str, *, team_currency: str = "USD") -> tuple[Decimal | None, str, str]:
    """(amount, ISO currency, "") or (None, "", why), for what people write in a value column.

    "$12,000.00", "12.000,00 EUR", "R$ 12.000", "Fr. 1'200", "AED 40,000", "¥1,275,000", "12k", "1.2M",
    "1,5 Mio". The currency is the one written (a code or a symbol), else the team's.
    1. The currency and a multiplier word (k, M, Mio, Mrd, bn...) are taken off; a minus or brackets mean negative,
       which no deal value is.
    2. With both "." and ",", the last one is the decimal point. With only one kind: several of it, or exactly
       three digits after a single one, are thousands ("12,000", "1.250.000"); otherwise it is the decimal
       point ("12,5", "99.99"). Spaces and apostrophes group thousands ("12 000", "1'200").
    """
    raw = plain(text)
    if not raw:
        return None, "", ""
    rest, currency = _currency_take(raw, team_currency=team_currency)
    rest = rest.strip().strip(":=").strip()
    if "-" in rest or "(" in rest or "\u2212" in rest:
        return None, "", f"“{raw}” is negative; a value is 0 or more."
    factor = Decimal(1)
    for pattern, multiplier in _MULTIPLIERS:
        match = pattern.search(rest)
        if match and (match.start() == 0 or not rest[match.start() - 1].isalpha()):
            rest, factor = rest[: match.start()].strip(), multiplier
            break
    if not rest or not _NUMBER.match(rest) or not re.search(r"\d", rest):
        return None, "", f"“{raw}” is not an amount."
    cleaned = re.sub(r"[ '\u2019]", "", rest)
    if "." in cleaned and "," in cleaned:
        decimal_mark = "." if cleaned.rfind(".") > cleaned.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        cleaned = cleaned.replace(thousands, "").replace(decimal_mark, ".")
    else:
        mark = "." if "." in cleaned else "," if "," in cleaned else ""
        if mark:
            parts = cleaned.split(mark)
            thousands_only = len(parts) > 2 or (len(parts) == 2 and len(parts[1]) == 3 and parts[0] not in ("", "0"))
            cleaned = cleaned.replace(mark, "") if thousands_only and factor == 1 else cleaned.replace(mark, ".")
            if cleaned.count(".") > 1:
                return None, "", f"“{raw}” is not an amount."
    try:
        value = Decimal(cleaned) * factor
    except InvalidOperation:
        return None, "", f"“{raw}” is not an amount."
    if not value.is_finite() or value >= MAX_AMOUNT:
        return None, "", "The value must be between 0 and 9,999,999,999."
    return value.quantize(Decimal("0.01")), currency or team_currency, ""


# Zone names exports use that are not IANA's: Rails' and Windows' display names (HubSpot and Excel write them
# after an offset, "(GMT-05:00) Eastern Time (US & Canada)") and the abbreviations people type.
ZONE_NAMES = {
    "eastern time": "America/New_York",
    "eastern standard time": "America/New_York",
    "central time": "America/Chicago",
    "central standard time": "America/Chicago",
    "mountain time": "America/Denver",
    "mountain standard time": "America/Denver",
    "pacific time": "America/Los_Angeles",
    "pacific standard time": "America/Los_Angeles",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "arizona": "America/Phoenix",
    "atlantic time": "America/Halifax",
    "newfoundland": "America/St_Johns",
    "est": "America/New_York",
    "edt": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "cet": "Europe/Paris",
    "cest": "Europe/Paris",
    "bst": "Europe/London",
    "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo",
    "aest": "Australia/Sydney",
    "gmt": "Etc/GMT",
    "utc": "Etc/UTC",
    "w. europe standard time": "Europe/Berlin",
    "central europe standard time": "Europe/Budapest",
    "romance standard time": "Europe/Paris",
    "gmt standard time": "Europe/London",
    "tokyo standard time": "Asia/Tokyo",
    "india standard time": "Asia/Kolkata",
    "china standard time": "Asia/Shanghai",
    "russian standard time": "Europe/Moscow",
    "e. australia standard time": "Australia/Brisbane",
    "aus eastern standard time": "Australia/Sydney",
    "kolkata": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "washington": "America/New_York",
    "osaka": "Asia/Tokyo",
    "sapporo": "Asia/Tokyo",
    "astana": "Asia/Almaty",
    "abu dhabi": "Asia/Dubai",
    "chennai": "Asia/Kolkata",
    "brasilia": "America/Sao_Paulo",
    "canberra": "Australia/Sydney",
    "wellington": "Pacific/Auckland",
    "ekaterinburg": "Asia/Yekaterinburg",
}
# Offsets with minutes that only one place keeps as its standard time.
HALF_HOURS = {
    (5, 30): "Asia/Kolkata",
    (5, 45): "Asia/Kathmandu",
    (3, 30): "Asia/Tehran",
    (4, 30): "Asia/Kabul",
    (6, 30): "Asia/Yangon",
    (9, 30): "Australia/Darwin",
    (-3, -30): "America/St_Johns",
    (-9, -30): "Pacific/Marquesas",
}
_OFFSET = re.compile(r"(?i)\b(?:gmt|utc)\s*([+-\u2212])\s*(\d{1,2})(?::?(\d{2}))?")


@cache
def _zones_by_place() -> dict[str, str]:
    """ "berlin" -> "Europe/Berlin", "new york" -> "America/New_York", "buenos aires" -> its zone."""
    places: dict[str, str] = {}
    for name in sorted(iana_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
            places.setdefault(name.rsplit("/", 1)[1].replace("_", " ").casefold(), name)
    return places


@cache
def _zones_by_key() -> dict[str, str]:
    return {name.casefold(): name for name in iana_timezones()}


@lru_cache(maxsize=4096)
def timezone_parse(text: str) -> tuple[str, str]:
    """(IANA zone, "") or ("", why) for "Europe/Berlin", "(GMT+01:00) Berlin", "(UTC-05:00) Eastern Time (US &
    Canada)", "Amsterdam, Berlin, Bern, Rome", "EST", "UTC+5:30", "GMT+1".

    A place named wins over the offset beside it (the offset is the standard one; the place keeps summer time
    right). An offset alone is a fixed zone ("Etc/GMT-1" is UTC+1: POSIX signs are the other way round).
    """
    raw = plain(text)
    if not raw:
        return "", ""
    exact = _zones_by_key().get(raw.casefold())
    if exact:
        return exact, ""
    offset = _OFFSET.search(raw)
    words = _OFFSET.sub(" ", raw).replace("(US & Canada)", "").replace("(Canada)", "")
    words = re.sub(r"[()\[\]]", " ", words)
    for part in re.split(r"[,;/]| - ", words):
        key = " ".join(part.split()).casefold()
        if not key:
            continue
        zone = ZONE_NAMES.get(key) or _zones_by_place().get(key) or _zones_by_key().get(key.replace(" ", "_"))
        if zone:
            return zone, ""
    if offset:
        sign = -1 if offset.group(1) in "-\u2212" else 1
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if hours <= 14 and minutes in (0, 30, 45):
            if minutes:
                zone = HALF_HOURS.get((sign * hours, sign * minutes))
                if zone:
                    return zone, ""
            else:
                return ("Etc/GMT" if hours == 0 else f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"), ""
    return "", f"“{raw}” is not a time zone we know; write it like Europe/Berlin or (GMT+01:00) Berlin."


_DECISION = re.compile(
    r"\b(ceo|cfo|coo|cto|cio|cmo|cpo|cro|chief|president|vp|svp|evp|vice president|head of|director|owner|founder|"
    r"co-founder|partner|principal|managing|general manager|gm|md|buyer|purchasing|procurement)\b"
)
_INFLUENCE = re.compile(r"\b(manager|lead|supervisor|coordinator|specialist|planner|analyst|engineer)\b")
_ASSISTANT = re.compile(r"\b(assistant|secretary|ea|pa)\b")
_RECEPTION = re.compile(r"\b(receptionist|reception|front desk|switchboard|operator)\b")


def role_from_title(title: str) -> str:
    """The contact's role as a cadence ranks them, guessed from their title (the mapping step can change it)."""
    text = title.casefold()
    if not text.strip():
        return "other"
    if _RECEPTION.search(text):
        return "receptionist"
    if _ASSISTANT.search(text):
        return "assistant"
    if _DECISION.search(text):
        return "decision_maker"
    if _INFLUENCE.search(text):
        return "influencer"
    return "other"


def phone_parse(text: str, *, country: str) -> tuple[str, str]:
    """(the number in international format, "") or ("", why), read for the prospect's country when it has no +."""
    raw = plain(text)
    if not raw:
        return "", ""
    if not country and not raw.startswith("+"):
        # No country to read it by: keep it as written if it looks like a phone number at all.
        problem = phone_error(raw)
        return ("", problem) if problem else (raw, "")
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException:
        hint = "" if country else " (with its + and country code, the prospect has no country)"
        return "", f"“{raw}” is not a phone number{hint}."
    if not phonenumbers.is_possible_number(number):
        return "", f"“{raw}” is not a phone number in {country or 'any country'}."
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL), ""
