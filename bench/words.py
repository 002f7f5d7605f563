"""The bench dataset's vocabulary: where prospects are, what they are called, what reps write down."""

from __future__ import annotations


def _split(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split("|"))


# (country, time zone, weight): mostly North America and Europe, some Asia-Pacific and others.
ZONES: tuple[tuple[str, str, int], ...] = tuple(
    (country, tz, int(weight))
    for country, tz, weight in (
        entry.split()
        for entry in _split(
            "US America/New_York 22 | US America/Chicago 14 | US America/Denver 5 | US America/Los_Angeles 12"
            " | CA America/Toronto 5 | CA America/Vancouver 2 | MX America/Mexico_City 3 | BR America/Sao_Paulo 3"
            " | GB Europe/London 8 | DE Europe/Berlin 6 | FR Europe/Paris 4 | NL Europe/Amsterdam 3"
            " | ES Europe/Madrid 2 | IT Europe/Rome 2 | ZA Africa/Johannesburg 1 | AE Asia/Dubai 1"
            " | IN Asia/Kolkata 3 | SG Asia/Singapore 1 | JP Asia/Tokyo 1 | AU Australia/Sydney 3"
            " | NZ Pacific/Auckland 1"
        )
    )
)
WINDOWS_MIN = ((480, 540), (660, 720), (810, 870), (960, 1020))  # local call windows, minutes after midnight
WINDOW_LABELS = ("08:00", "11:00", "13:30", "16:00")
THEMES = ("information", "invitation", "introduction")
PREFIXES = _split(
    "North | Blue | Summit | Harbor | Prairie | Granite | Iron | Silver | Pacific | Atlas | Keystone | Lakeshore"
    " | Red Oak | Pioneer | Cedar | Eagle | Frontier | Union | Coastal | Delta"
)
NOUNS = _split(
    "Freight | Logistics | Packaging | Foods | Steel | Plastics | Lumber | Chemicals | Paper | Beverages"
    " | Components | Textiles | Glass | Machinery | Supply | Distribution | Farms | Metals"
)
SUFFIXES = _split("Co. | Inc. | LLC | Ltd | Group | GmbH | Corp. | & Sons | Partners | Holdings")
FIRST = _split(
    "Joe | Maria | Sam | Priya | Chen | Ana | Tom | Fatima | Luca | Emma | Noah | Aiko | Olga | Diego | Grace"
    " | Omar | Liam | Sofia | Raj | Hannah | Ivan | Zoe | Kwame | Mei"
)
LAST = _split(
    "Smith | Garcia | Müller | Patel | Wang | Silva | Brown | Khan | Rossi | Martin | Kim | Sato | Novak | Lopez"
    " | Walker | Haddad | Murphy | Fischer | Singh | Cohen | Petrov | Dubois"
)
TITLES = _split(
    "Logistics Manager | VP Operations | Procurement Lead | Shipping Coordinator | Plant Manager"
    " | Supply Chain Director | Office Manager | Owner"
)
NOTES = _split(
    "Gatekeeper says try after lunch. | Asked for the lane pricing sheet. | Busy season until the 15th."
    " | Voicemail full. | Mentioned a competitor contract ending in spring. | Left details with reception."
    " | Said to email rather than call. | Interested in the Chicago-Memphis lane."
)
