"""What an incoming message is: a person's reply, an automatic reply or out-of-office, a bounce, an unsubscribe.

Pure: a parsed message in (the standard library's `email` with `policy.default`), a verdict with its reason out.
No ORM, no clock (the message's own date anchors a return date without a year).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from enum import StrEnum

from flufl.bounce import all_failures


class Verdict(StrEnum):
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    OUT_OF_OFFICE = "out_of_office"
    BOUNCE = "bounce"
    DELAY = "delay"
    UNSUBSCRIBE = "unsubscribe"


@dataclass(frozen=True)
class Reading:
    verdict: Verdict
    reason: str
    back_on: dt.date | None = None  # an out-of-office's return date, when it says one
    # For a bounce: the recipients that failed, and the Message-IDs of the original message it quotes.
    failed: frozenset[str] = frozenset()
    quoted_ids: tuple[str, ...] = ()
    text: str = field(default="", repr=False)  # what the person wrote, without the quoted history


AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk"}
# At the start of the subject as the mail system wrote it ("Automatic reply: ...", "Abwesenheitsnotiz: ..."): a
# person's "Re: Out of office hours support?" is not one.
AUTO_SUBJECTS = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto[- ]?reply|autosvar|abwesenheit|automatische antwort|"
    r"r[ée]ponse automatique|absen(t|ce) du bureau|respuesta autom[áa]tica|fuera de la oficina|"
    r"automatisch antwoord|afwezig|risposta automatica|fuori (dall')?ufficio|resposta autom[áa]tica|"
    r"fora do escrit[óo]rio|fr[åa]nvaro)",
    re.IGNORECASE,
)
AWAY_WORDS = re.compile(
    r"out of (the )?office|on (annual )?leave|vacation|holiday|away from|parental leave|abwesend|urlaub|"
    r"absent|cong[ée]|vacaciones|ausente|vakantie|ferie|in ferie|semester",
    re.IGNORECASE,
)
STOP_ONLY = re.compile(
    r"^\W*(please\s+)?(stop|unsubscribe( me)?|remove me( from (your|this) (list|mailing list))?|"
    r"take me off( your list)?|opt(\s|-)?out|no more e-?mails?|do not (contact|email) me( again)?)\W*$",
    re.IGNORECASE,
)
QUOTE_STARTS = re.compile(
    r"^(on .{1,200} wrote:|am .{1,200} schrieb .{1,200}:|le .{1,200} a [ée]crit ?:|el .{1,200} escribi[óo]:|"
    r"-{2,}\s*original message\s*-{2,}|from: .+|_{5,})\s*$",
    re.IGNORECASE,
)

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan", "januar", "janvier", "enero", "januari", "gennaio"),
            ("february", "feb", "februar", "février", "fevrier", "febrero", "februari", "febbraio"),
            ("march", "mar", "märz", "maerz", "mars", "marzo", "maart"),
            ("april", "apr", "avril", "abril", "aprile"),
            ("may", "mai", "mayo", "mei", "maggio"),
            ("june", "jun", "juni", "juin", "junio", "giugno"),
            ("july", "jul", "juli", "juillet", "julio", "luglio"),
            ("august", "aug", "août", "aout", "agosto", "augustus"),
            ("september", "sep", "sept", "septembre", "septiembre", "settembre"),
            ("october", "oct", "oktober", "octobre", "octubre", "ottobre"),
            ("november", "nov", "novembre", "noviembre"),
            ("december", "dec", "dezember", "décembre", "decembre", "diciembre", "dicembre"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
RETURN_CUE = (
    r"(?:until|till|through|back (?:on|in the office on)?|return(?:ing)?(?: on)?|bis(?: zum| einschließlich)?|"
    r"zurück am|jusqu'au|jusqu’au|de retour le|hasta el|regreso el|tot en met|terug op|fino al|rientro il)"
)
DATE_FORMS = [
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), "ymd"),
    (re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{2,4})"), "dmy"),
    (
        re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th|\.)?\s+(?:de\s+)?({_MONTH})\.?(?:\s+(?:de\s+)?(\d{{4}}))?", re.I),
        "d_month",
    ),
    (re.compile(rf"({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?", re.I), "month_d"),
]


def message_read(message: EmailMessage, *, unsubscribe_subject: str = "unsubscribe") -> Reading:
    """The verdict for one message, checked in this order: bounce, unsubscribe, automatic, person."""
    bounce = _bounce(message)
    if bounce is not None:
        return bounce
    text = new_text(message)
    subject = _bare_subject(str(message.get("Subject", "")))
    if subject.lower() == unsubscribe_subject or (text and STOP_ONLY.match(text.strip())):
        said = subject if subject.lower() == unsubscribe_subject else text.strip()[:40]
        return Reading(Verdict.UNSUBSCRIBE, f'Asked to stop: "{said}".', text=text)
    automatic = _automatic(message, str(message.get("Subject", "")))
    if automatic:
        sent_on = _sent_on(message)
        body = f"{subject}\n{text}"
        back_on = return_date(body, sent_on=sent_on)
        if back_on is not None or AWAY_WORDS.search(body):
            when = f"back on {back_on:%a} {back_on.day} {back_on:%b %Y}" if back_on else "no return date given"
            return Reading(Verdict.OUT_OF_OFFICE, f"Out of office ({automatic}), {when}.", back_on=back_on, text=text)
        return Reading(Verdict.AUTO_REPLY, f"An automatic reply ({automatic}), not a person.", text=text)
    return Reading(Verdict.REPLY, "A reply from a person.", text=text)


def _automatic(message: Message, subject: str) -> str:
    """Why this message was sent by a machine (RFC 3834 and the headers and subjects mail systems use), or ""."""
    auto_submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if message.get(header) is not None:
            return header
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    # Not X-Auto-Response-Suppress: Exchange puts it on what people send too; it asks others not to auto-reply.
    if AUTO_SUBJECTS.search(subject):
        return f'subject "{subject.strip()[:60]}"'
    return ""


def _bounce(message: EmailMessage) -> Reading | None:
    if message.get_content_type() == "multipart/report" and message.get_param("report-type") == "delivery-status":
        failed, delayed = set(), set()
        for part in message.walk():
            if part.get_content_type() != "message/delivery-status":
                continue
            for block in part.get_payload():
                recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
                address = recipient.partition(";")[2].strip().lower() or recipient.strip().lower()
                action = str(block.get("Action", "")).strip().lower()
                status = str(block.get("Status", "")).strip()
                if not address:
                    continue
                if action == "failed" or status.startswith("5"):
                    failed.add(address)
                elif action == "delayed" or status.startswith("4"):
                    delayed.add(address)
        if failed or delayed:
            return _delivery_reading(message, failed=failed, delayed=delayed, source=" (DSN)")
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # noqa: BLE001 - flufl.bounce's detectors re-raise on odd mail (no From:): they found nothing
        temporary, permanent = set(), set()
    if permanent or temporary:
        failed = {a.decode(errors="replace").lower() for a in permanent}
        delayed = {a.decode(errors="replace").lower() for a in temporary}
        return _delivery_reading(message, failed=failed, delayed=delayed, source="")
    return None


def _delivery_reading(message: EmailMessage, *, failed: set[str], delayed: set[str], source: str) -> Reading:
    """A bounce when any address failed for good, else a delay, which is noted and not acted on."""
    verdict, addresses, says = (Verdict.BOUNCE, failed, "failed") if failed else (Verdict.DELAY, delayed, "delayed")
    after = ": not acted on" if verdict == Verdict.DELAY else ""
    return Reading(
        verdict,
        f"Delivery {says} for {', '.join(sorted(addresses))}{source}{after}.",
        failed=frozenset(addresses),
        quoted_ids=_quoted_ids(message),
    )


def _quoted_ids(message: Message) -> tuple[str, ...]:
    """The Message-IDs of the original message a bounce returns (attached whole or as headers only)."""
    ids = []
    for part in message.walk():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) else inner
            if inner.get("Message-ID"):
                ids.append(str(inner["Message-ID"]).strip())
        elif part.get_content_type() == "text/rfc822-headers":
            found = re.search(r"^Message-ID:\s*(<[^>]+>)", part.get_content(), re.IGNORECASE | re.MULTILINE)
            if found:
                ids.append(found.group(1))
    if not ids:
        # A bounce that quotes the original in its text (Exchange's and older Postfix's plain-text notices).
        body = _plain(message)
        ids = re.findall(r"Message-ID:\s*(<[^>\s]+>)", body, re.IGNORECASE)
    return tuple(ids)


def reference_ids(message: Message) -> list[str]:
    """The Message-IDs this message answers: In-Reply-To first, then References, newest first."""
    ids = re.findall(r"<[^<>\s]+>", str(message.get("In-Reply-To", "")))
    ids += reversed(re.findall(r"<[^<>\s]+>", str(message.get("References", ""))))
    return list(dict.fromkeys(ids))


def sender_address(message: Message) -> str:
    """Who sent it, by its From. Never Reply-To: anyone may set it to a contact's address, and a stop or a bounce
    matched by it would act on a lead its sender has nothing to do with."""
    for _, address in getaddresses([str(message.get("From", ""))]):
        if "@" in address:
            return address.strip().lower()
    return ""


def _plain(message: Message) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
    except AttributeError:
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        return ""
    if part.get_content_subtype() == "html":
        content = re.sub(r"(?is)<(script|style).*?</\1>", " ", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = re.sub(r"<[^>]+>", " ", content)
    return content


def new_text(message: Message) -> str:
    """What the sender wrote in this message, without the quoted history below it."""
    lines = []
    for line in _plain(message).splitlines():
        if line.lstrip().startswith(">") or QUOTE_STARTS.match(line.strip()):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def _bare_subject(subject: str) -> str:
    return re.sub(r"^\s*((re|aw|sv|antw|fwd?|wg|tr)\s*:\s*)+", "", subject, flags=re.IGNORECASE).strip()


def _sent_on(message: Message) -> dt.date | None:
    try:
        return parsedate_to_datetime(str(message["Date"])).date() if message.get("Date") else None
    except (TypeError, ValueError):
        return None


def return_date(text: str, *, sent_on: dt.date | None) -> dt.date | None:
    """The date an out-of-office says its sender is back, read after a cue ("until", "back on", "bis", ...).

    A date without a year is the next one on or after the day the message was sent.
    """
    for cue in re.finditer(RETURN_CUE, text, re.IGNORECASE):
        window = text[cue.end() : cue.end() + 60]
        found = _first_date(window, sent_on=sent_on)
        if found is not None:
            return found
    return None


def _first_date(text: str, *, sent_on: dt.date | None) -> dt.date | None:
    best: tuple[int, dt.date] | None = None
    for pattern, form in DATE_FORMS:
        match = pattern.search(text)
        if match is None:
            continue
        candidate = _date_of(match, form, sent_on=sent_on)
        if candidate is not None and (best is None or match.start() < best[0]):
            best = (match.start(), candidate)
    return best[1] if best else None


def _date_of(match: re.Match[str], form: str, *, sent_on: dt.date | None) -> dt.date | None:
    groups = match.groups()
    try:
        if form == "ymd":
            return dt.date(int(groups[0]), int(groups[1]), int(groups[2]))
        if form == "dmy":
            year = int(groups[2])
            return dt.date(year + 2000 if year < 100 else year, int(groups[1]), int(groups[0]))
        if form == "d_month":
            day, month, year = int(groups[0]), MONTHS[groups[1].lower()], groups[2]
        else:
            month, day, year = MONTHS[groups[0].lower()], int(groups[1]), groups[2]
        if year:
            return dt.date(int(year), month, day)
        anchor = sent_on or dt.date(2000, 1, 1)
        candidate = dt.date(anchor.year, month, day)
        return candidate if candidate >= anchor else dt.date(anchor.year + 1, month, day)
    except (ValueError, KeyError):
        return None
