"""Values as people write them in spreadsheets, read into what Pursuit stores: countries, amounts, roles, phones.

Pure functions, each giving the value or a sentence that says what is wrong, so the import reports it on its row.
Countries come from pycountry (ISO 3166 and its translations), phones from phonenumbers (Google's libphonenumber).
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import cache

import phonenumbers
import pycountry

from crm.validators import phone_error

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
}


def _key(text: str) -> str:
    """Case, accents and punctuation spaces ignored: "Deutschland", "deutschland", "Côte d'Ivoire"."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(plain.replace("\u2019", "'").replace(",", " ").split())


@cache
def _countries() -> dict[str, str]:
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


def country_parse(text: str) -> tuple[str, str]:
    """(ISO alpha-2 code, "") or ("", why). Codes ("US", "DEU"), English and local names ("Deutschland")."""
    text = text.strip()
    if not text:
        return "", ""
    code = _countries().get(_key(text))
    if code is None:
        return "", f"“{text}” is not a country we know; use its name or its ISO code (e.g. Germany, DE)."
    return code, ""


_CURRENCY = re.compile(r"[^\d.,\-()']")  # symbols, codes, spaces (NBSP and thin ones too)


def amount_parse(text: str) -> tuple[Decimal | None, str]:
    """(amount, "") or (None, why) for "$12,000.00", "12.000,00 EUR", "12 000", "1,5 Mio" is refused.

    1. Currency symbols and codes and spaces go; a minus or brackets mean negative, which no deal value is.
    2. With both "." and ",", the last one is the decimal point. With only one kind: several of it, or exactly
       three digits after a single one, are thousands ("12,000", "1.250.000"); otherwise it is the decimal
       point ("12,5", "99.99").
    """
    raw = text.strip()
    if not raw:
        return None, ""
    if re.search(r"[a-zA-Z]", raw.replace("EUR", "").replace("USD", "").replace("GBP", "").replace("CHF", "")):
        letters = re.sub(r"(?i)\b(eur|usd|gbp|chf|cad|aud|sek|nok|dkk|jpy|inr)\b", "", raw)
        if re.search(r"[a-zA-Z]", letters):
            return None, f"“{raw}” is not an amount."
    cleaned = _CURRENCY.sub("", raw).replace("'", "")
    if "-" in cleaned or "(" in cleaned:
        return None, f"“{raw}” is negative; a value is 0 or more."
    if not re.search(r"\d", cleaned):
        return None, f"“{raw}” is not an amount."
    if "." in cleaned and "," in cleaned:
        decimal_mark = "." if cleaned.rfind(".") > cleaned.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        cleaned = cleaned.replace(thousands, "").replace(decimal_mark, ".")
    else:
        mark = "." if "." in cleaned else "," if "," in cleaned else ""
        if mark:
            parts = cleaned.split(mark)
            if len(parts) > 2 or (len(parts) == 2 and len(parts[1]) == 3 and parts[0] not in ("", "0")):
                cleaned = cleaned.replace(mark, "")
            else:
                cleaned = cleaned.replace(mark, ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None, f"“{raw}” is not an amount."
    if not value.is_finite() or value >= Decimal("1e10"):
        return None, "The value must be between 0 and 9,999,999,999."
    return value.quantize(Decimal("0.01")), ""


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
    raw = text.strip()
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
