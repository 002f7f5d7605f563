"""What an incoming message is: a person's reply, an automatic reply or out-of-office, a bounce (an address that
does not exist), a delay, a refusal of our sending, a spam complaint, an unsubscribe.

Measured on public mail labelled by its sources (bench/mail_corpus; tests/mailroom/test_real_world_corpus.py).

Pure: a parsed message in (the standard library's `email` with `policy.default`), a verdict with its reason out.
No ORM, no clock (the message's own date anchors a return date without a year).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from enum import StrEnum
from typing import Any

from flufl.bounce import all_failures


class Verdict(StrEnum):
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    OUT_OF_OFFICE = "out_of_office"
    BOUNCE = "bounce"
    DELAY = "delay"
    UNSUBSCRIBE = "unsubscribe"
    COMPLAINT = "complaint"  # a feedback-loop report: the recipient marked our email as spam
    REFUSED = "refused"  # the receiving server refused our sending (policy, reputation, authentication)


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
    r"fora do escrit[óo]rio|fr[åa]nvaro|auto:)",
    re.IGNORECASE,
)
AWAY_WORDS = re.compile(
    r"out of (the )?office|on (annual )?leave|vacation|holiday|away from|parental leave|abwesend|urlaub|"
    r"absent|cong[ée]|vacaciones|ausente|vakantie|ferie|in ferie|semester|\baway\b|no access to (e-?mail|my)",
    re.IGNORECASE,
)
STOP_ONLY = re.compile(
    r"^\W*(please\s+)?(stop|unsubscribe( me)?|remove me( from (your|this) (list|mailing list))?|"
    r"take me off( your list)?|opt(\s|-)?out|no more e-?mails?|do not (contact|email) me( again)?)\W*$",
    re.IGNORECASE,
)
# Where the quoted thread starts, in the forms mail clients write it in any language: a "wrote:" line, a line that
# names a sender's address and ends with a colon ("2017-11-24 16:32 GMT+01:00 Ann <ann@x.com>:", "Le 3 mars, Ann
# <ann@x.com> a écrit :"), an Outlook header block ("Von:", "Från:", "De :", "Da:", "Van:", "Od:" ... then "Sent:",
# "Gesendet:", "Envoyé :" ...), a separator line ("-----Original Message-----", "-----Ursprüngliche Nachricht-----",
# a line of underscores).
WROTE = re.compile(
    r"(wrote|writes|schrieb|a [ée]crit|escribi[óo]|ha scritto|schreef|skrev|kirjoitti|escreveu|napisa[łl](\(a\)|a)?|"
    r"написал[аи]?|napsal[a]?|írta|yazdı|έγραψε|כתב|写道|のメッセージ)\s*:?\s*$",
    re.IGNORECASE,
)
NAMES_AN_ADDRESS = re.compile(r"[<(\[]\s*(mailto:)?[^<>()\s@]+@[^<>()\s@]+\s*[>)\]]\s*:?\s*$")
SEPARATOR = re.compile(r"^\s*(-{2,}\s*[^-]{3,60}?\s*-{2,}|_{10,}|={10,}|={3,}\s*\S.{0,60})\s*$")
OUTLOOK_FROM = re.compile(
    r"^\s*\*?(from|von|de|da|van|od|fr[åa]n|fra|fr[áa]|l[äa]hett[äa]j[äa]|от|felad[óo]|kimden|差出人|发件人|보낸 사람)"
    r"\s*:\*?\s*\S",
    re.IGNORECASE,
)
OUTLOOK_FIELD = re.compile(
    r"^\s*\*?(sent|date|to|subject|cc|gesendet|datum|an|betreff|envoy[ée]( le)?|date|[àa]|objet|inviato|data|a|"
    r"oggetto|verzonden|aan|onderwerp|wys[łl]ano|do|temat|skickat|till|[äa]mne|sendt|til|emne|l[äa]hetetty|"
    r"vastaanottaja|aihe|enviado|para|asunto|assunto|отправлено|кому|тема|odesl[áa]no|komu|p[řr]edm[ěe]t)\s*:",
    re.IGNORECASE,
)
# What a phone or a mail app appends below the words: not the person's.
APP_SIGNATURE = re.compile(
    r"^\s*(sent from my|sent from (outlook|mail|yahoo)|get outlook for|envoy[ée] (de|depuis|à partir de) |"
    r"gesendet (von|mit) |von meinem .{0,30} gesendet|enviado (desde|de) mi|inviato da|verzonden (vanaf|met) |"
    r"skickat från|sendt fra|l[äa]hetetty )",
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
    """The verdict for one message, checked in this order: a report (a bounce, a delay, a refusal of our sending, a
    spam complaint), an unsubscribe, an automatic reply or out-of-office, a person."""
    bounce = _bounce(message)
    if bounce is not None:
        return bounce
    text = new_text(message)
    subject = _bare_subject(str(message.get("Subject", "")))
    if subject.lower() == unsubscribe_subject or (text and STOP_ONLY.match(text.strip())):
        said = subject if subject.lower() == unsubscribe_subject else text.strip()[:40]
        return Reading(Verdict.UNSUBSCRIBE, f'Asked to stop: "{said}".', text=text)
    automatic = _automatic(message, str(message.get("Subject", "")), text)
    if automatic:
        sent_on = _sent_on(message)
        body = f"{subject}\n{text}"
        back_on = return_date(body, sent_on=sent_on)
        if back_on is not None or AWAY_WORDS.search(body):
            when = f"back on {back_on:%a} {back_on.day} {back_on:%b %Y}" if back_on else "no return date given"
            return Reading(Verdict.OUT_OF_OFFICE, f"Out of office ({automatic}), {when}.", back_on=back_on, text=text)
        return Reading(Verdict.AUTO_REPLY, f"An automatic reply ({automatic}), not a person.", text=text)
    return Reading(Verdict.REPLY, "A reply from a person.", text=text)


# A challenge/response filter's answer: it asks the sender to prove they are a person before the mail is let in.
CHALLENGE = re.compile(
    r"(add(ed)?|put) (your (e-?mail )?address )?(to|on) .{0,40}(allowed|approved|safe|white) ?(senders? )?list|"
    r"verify (that )?you are (a (real )?(person|human)|not a (robot|spammer))|sender verification|"
    r"challenge[/-]response",
    re.IGNORECASE,
)


def _automatic(message: Message, subject: str, text: str = "") -> str:
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
    # Not X-Auto-Response-Suppress alone: Exchange puts it on what people send too (it asks others not to
    # auto-reply). With X-MS-Exchange-Inbox-Rules-Loop, an inbox rule wrote it: Exchange's out-of-office, whatever
    # its subject.
    if (
        message.get("X-MS-Exchange-Inbox-Rules-Loop") is not None
        and "all" in str(message.get("X-Auto-Response-Suppress", "")).lower()
    ):
        return "an Exchange inbox rule"
    if AUTO_SUBJECTS.search(subject):
        return f'subject "{subject.strip()[:60]}"'
    if CHALLENGE.search(" ".join(_plain(message)[:4000].split())):
        return "a challenge/response filter"
    return ""


# What marks a message as a delivery report at all. Bounce detection runs only on such a message: flufl.bounce's
# detectors, run on everything, took a quoted "To:" line in a person's reply for a failure notice.
REPORT_SENDERS = re.compile(
    r"^(mailer[-_.]?daemon|postmaster|post_master|mail[-_.]?delivery[-_.]?(system|subsystem)?|mdaemon|"
    r"mail[-_.]?router|double[-_.]?bounce|bounces?|returns?)(@|$)",
    re.IGNORECASE,
)
REPORT_NAMES = re.compile(r"mail delivery (system|subsystem)|mailer[-_ ]daemon|postmaster|mail administrator", re.I)
REPORT_SUBJECTS = re.compile(
    r"undeliver|undelivered|delivery status notification|delivery (status )?(failure|failed|notification|problem)|"
    r"failure notice|fail(ed|ure) delivery|returned mail|mail delivery failed|mail system error|delivery has failed|"
    r"message delivery has failed|could not be delivered|not (been )?delivered|returned to sender|nondeliverable|"
    r"delayed mail|delivery delay|message .{0,60} delayed|could not send message|error sending your mail|"
    r"mail failure|non remis|unzustellbar|nicht zustellbar|no entregado|non recapitabile|niet (bezorgd|afgeleverd)|"
    r"не доставлено|メールエラー|配信.{0,4}(失敗|エラー)",
    re.IGNORECASE,
)
ENHANCED_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
SMTP_REPLY = re.compile(r"(?<![\d.])([45])[0-5]\d(?:[ -]|$)", re.MULTILINE)
# Why a recipient failed, in the words mail servers use. Dead: the address or its domain does not exist. Soft: the
# mailbox or the network, for a while (full, over quota, timed out, deferred). Refused: the receiving side will not
# take mail from us (spam, reputation, policy, authentication, relaying, content, size): not the contact's fault.
DEAD_WORDS = re.compile(
    r"user(name)? unknown|unknown user|no such (user|mailbox|recipient|address|account|person)|"
    r"(address|account|mailbox|recipient|user|e-?mail account)( that you tried to reach)? (does ?n[o']t|did not) exist|"
    r"does ?n[o']t exist|not exists?|nonexist|non-existent|unknown (recipient|mailbox|address|local[- ]part|alias)|"
    r"invalid (recipient|mailbox|address|user)|(recipient|mailbox|user|address)( name)? (is )?(invalid|not found|"
    r"unknown|unavailable)|mailbox (is )?unavailable|no mailbox|not a valid (mailbox|user|recipient|address)|"
    r"recipient ?not ?found|addressee unknown|recipient address rejected: (user unknown|access denied|"
    r"undeliverable)|unrouteable address|no (valid )?recipients|host (or domain name )?not found|host unknown|"
    r"unknown host|domain (name )?not found|no mx|name or service not known|"
    r"couldn'?t find any host|bad destination|account (has been |is )?(closed|deleted|removed|terminated)|"
    r"has moved|no longer (valid|available|in use|active|with)|not our customer|is not a known user|"
    r"user doesn'?t have an? .{0,30}account|unknown address|address (unknown|not found)|"
    r"not recogni[sz]ed|domain is not reachable|no such domain|domain (does not|doesn'?t) exist|not listed in|"
    r"invalid final delivery|dns lookup fail|"
    r"host \S+ not found|no mx (record )?(found )?for|no smtp service|(host|domain) does not accept mail|"
    r"resolver\.adr\.recipientnotfound|recipientnotfound|"
    r"mail[- ]?box not found|no mail ?box|bad[_ -]recipient|not an active (address|user|mail ?box|account)|"
    r"invalid address|user not found|utilisateur inconnu|unbekannt|existiert nicht|"
    r"no existe|sconosciuto|inesistente|onbekend",
    re.IGNORECASE,
)
SOFT_WORDS = re.compile(
    r"mailbox (is )?full|quota|over ?quota|insufficient (system )?storage|storage (space )?exceeded|"
    r"exceeded (the )?storage|disk full|temporar(il)?y|try (again )?later|deferred|delayed|timed? ?out|"
    r"time(out| out)|expired|retry|still (trying|being retried)|could not be delivered for|too many "
    r"(connections|messages|recipients)|rate limit|connection (refused|reset|lost)|network|unreachable|"
    r"system (error|full)|service (is )?(currently )?unavailable|suspend|disabled|inactive|on hold|"
    r"not (yet )?been delivered|will (continue|be retried)|warning|unexpected name server reply|servfail",
    re.IGNORECASE,
)
REFUSED_WORDS = re.compile(
    r"spam|junk|block(ed|list)|black ?list|deny ?list|rbl|spamhaus|barracuda|reputation|policy|policies|"
    r"not (permitted|allowed|authori[sz]ed)|prohibited|relay(ing)? (access )?(denied|not permitted|prohibited)|"
    r"relay access|spf|dkim|dmarc|authenticat|unauthenticated|ptr|reverse (dns|lookup)|rdns|virus|malware|"
    r"content|too (big|large)|size (limit|exceed)|exceeds? (the )?(maximum )?(message )?size|message size|"
    r"tls|starttls|encrypt|rejected (by|for|due|because)|refused|not accept|does not accept|doesn'?t accept|"
    r"filtered|filter|denied|banned|greylist|suspicious|abuse|sender (address )?(rejected|verify|denied)|"
    r"rfc ?(5322|2822|822|5321)|syntax|malformed|header",
    re.IGNORECASE,
)
# Phrases that say the address does not exist whatever status code comes with them (Microsoft's "Recipient address
# rejected: Access denied" comes with 5.7.1 and means no such recipient in the domain).
PLAINLY_DEAD = re.compile(
    r"user(name)? unknown|unknown user|no such (user|mailbox|recipient)|(account|mailbox|address|user) .{0,40}"
    r"does ?n[o']t exist|recipient address rejected: (user unknown|access denied)|recipientnotfound|"
    r"recipient name is not recogni[sz]ed",
    re.IGNORECASE,
)
# A mailbox that is full, locked for a while, or a sender over a rate: the address is good whatever code comes with it.
FOR_A_WHILE = re.compile(
    r"mailbox (is )?full|over ?quota|quota (exceeded|full)|exceed(ed|s)? .{0,20}quota|insufficient (system )?storage|"
    r"temporar(il)?y (locked|disabled|unavailable|suspended)|try again later|too many (recipients|messages|"
    r"connections)|rate limit|sent too many|per (hour|day)|this hour",
    re.IGNORECASE,
)
DELIVERY_WORDS = re.compile(
    r"could ?n[o']t be delivered|undeliverable|delivery (has )?failed|not (been )?delivered|unable to deliver|"
    r"error delivering|permanent (fatal )?error",
    re.IGNORECASE,
)
# Refusals that name our sending whatever code comes with them.
OUR_SENDING = re.compile(
    r"spamhaus|spamcop|black ?list|block ?list|blocked (using|by|because|due)|\bdnsbl|\brbl\b|reputation|"
    r"recipient preferences|sender (ip|address) .{0,20}(block|reject|deni)|ip address .{0,20}"
    r"(block|blacklist|reject|deni)|spf|dkim|dmarc|reverse dns|\bptr\b|content rejected|spam",
    re.IGNORECASE,
)
AFTER_DATA = re.compile(
    r"after end of data|after data|(reply|response) to end of data|in reply to end of data|smtp command data|"
    r"end of data command|after message data",
    re.IGNORECASE,
)
NULL_MX = re.compile(r"(host|domain) does not accept mail|null mx", re.IGNORECASE)
FEEDBACK_OPT_OUT = {"abuse", "fraud", "opt-out", "optout", "other", "virus", "not-spam"}


@dataclass(frozen=True)
class _Failure:
    address: str
    action: str
    status: str
    diagnostic: str


def looks_like_report(message: Message) -> bool:
    """A delivery or feedback report by its form or its sender, else by its subject when it answers nothing."""
    if _report_by_form_or_sender(message):
        return True
    subject = str(message.get("Subject", ""))
    # A person's "Re: the undelivered parcel" answers one of ours: only a subject that is not a reply counts.
    replying = message.get("In-Reply-To") is not None and re.match(r"\s*(re|aw|sv|antw)\s*:", subject, re.I)
    return bool(REPORT_SUBJECTS.search(subject)) and not replying


def _report_by_form_or_sender(message: Message) -> bool:
    if message.get_content_type() == "multipart/report" or message.get("X-Failed-Recipients") is not None:
        return True
    if any(p.get_content_type() in ("message/delivery-status", "message/feedback-report") for p in message.walk()):
        return True
    if str(message.get("Return-Path", "")).strip() == "<>" or _ses_notification(message):
        return True
    sender = str(message.get("From", "")).strip()
    address = sender_address(message)
    if not address and (not sender or sender in ("<>", "MAILER-DAEMON", "mailer-daemon")):
        return True
    return bool(REPORT_SENDERS.match(address or sender) or REPORT_NAMES.search(sender.split("<")[0]))


def _bounce(message: EmailMessage) -> Reading | None:
    if not looks_like_report(message):
        return None
    feedback = _feedback(message)
    if feedback is not None:
        return feedback
    failures = _dsn_failures(message) or _dsn_text_failures(message) or _ses_failures(message)
    notice = _notice_text(message)
    if not failures:
        try:
            temporary, permanent = all_failures(message)
        except Exception:  # noqa: BLE001 - flufl.bounce's detectors re-raise on odd mail (no From:): found nothing
            temporary, permanent = frozenset(), frozenset()
        addresses = {a.decode(errors="replace").strip().lower() for a in (*permanent, *temporary)}
        addresses |= {a.strip().lower() for a in str(message.get("X-Failed-Recipients", "")).split(",") if "@" in a}
        failures = [_Failure(address, "", "", "") for address in sorted(addresses) if "@" in address]
    if not failures:
        said_why = (SMTP_REPLY.search(notice) or DELIVERY_WORDS.search(notice)) and (
            DEAD_WORDS.search(notice) or SOFT_WORDS.search(notice) or FOR_A_WHILE.search(notice)
        )
        bounce_form = message.get_content_type() == "multipart/report" or REPORT_SUBJECTS.search(
            str(message["Subject"])
        )
        if not (bounce_form or said_why):
            if _report_by_form_or_sender(message):
                return Reading(Verdict.AUTO_REPLY, "A notice from a mail system, not a person: not acted on.")
            return None
        named = re.findall(r"<([^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>", notice)[:3]
        failures = [_Failure(a.lower(), "", "", "") for a in named] or [_Failure("", "", "", "")]
    return _delivery_reading(message, failures=failures, notice=notice)


def _dsn_failures(message: Message) -> list[_Failure]:
    failures = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, Message):
                continue
            recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
            address = (recipient.partition(";")[2] or recipient).strip().strip("<>").lower()
            if not address:
                continue
            failures.append(
                _Failure(
                    address,
                    str(block.get("Action", "")).strip().lower(),
                    str(block.get("Status", "")).strip(),
                    " ".join(str(block.get("Diagnostic-Code", "")).split()),
                )
            )
    return failures


def _ses_failures(message: Message) -> list[_Failure]:
    """Amazon SES's bounce notifications by email (JSON in a text/plain body)."""
    data = _ses_notification(message)
    if not data or str(data.get("notificationType", "")).lower() != "bounce":
        return []
    bounce = data.get("bounce") or {}
    transient = str(bounce.get("bounceType", "")).lower() != "permanent"
    return [
        _Failure(
            str(r.get("emailAddress", "")).lower(),
            "delayed" if transient else str(r.get("action", "failed")).lower(),
            str(r.get("status", "")),
            str(r.get("diagnosticCode", "")),
        )
        for r in bounce.get("bouncedRecipients") or []
        if isinstance(r, dict)
    ]


def _ses_notification(message: Message) -> dict[str, Any] | None:
    if "amazonaws.com" not in sender_address(message) or message.get_content_type() != "text/plain":
        return None
    text = "".join(_plain(message).splitlines())  # the notification email wraps its one line of JSON
    try:
        data, _ = json.JSONDecoder(strict=False).raw_decode(text[text.find("{") :]) if "{" in text else (None, 0)
        if isinstance(data, dict) and isinstance(data.get("Message"), str):
            data = json.loads(data["Message"])  # delivered through an SNS topic: the notification is inside
    except ValueError:
        return None
    return data if isinstance(data, dict) and "notificationType" in data else None


def _feedback(message: Message) -> Reading | None:
    """A feedback-loop report (RFC 5965): the recipient marked our email as spam, or a provider reports that our
    mail failed authentication. The recipient is in the report or the copy of our message it returns."""
    kind, recipients = "", set()
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            fields = _fields(part)
            kind = fields.get("feedback-type", "abuse").strip().lower()
            recipients |= {_bare(v) for k, v in fields.items() if k in ("original-rcpt-to", "removal-recipient")}
        elif part.get_content_type() in ("message/rfc822", "text/rfc822-headers") and kind:
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) else inner
            to = str(inner.get("To", "")) if isinstance(inner, Message) else ""
            if not to and part.get_content_type() == "text/rfc822-headers":
                found = re.search(r"^To:\s*(.+)$", _content(part), re.IGNORECASE | re.MULTILINE)
                to = found.group(1) if found else ""
            recipients |= {address.lower() for _, address in getaddresses([to]) if "@" in address}
    ses = _ses_notification(message)
    if ses and str(ses.get("notificationType", "")).lower() == "complaint":
        kind = "abuse"
        complaint = ses.get("complaint") or {}
        recipients |= {str(r.get("emailAddress", "")).lower() for r in complaint.get("complainedRecipients") or [] if r}
    if not kind:
        return None
    recipients = {r for r in recipients if "@" in r and "redacted" not in r}
    ids = _quoted_ids(message)
    who = ", ".join(sorted(recipients)) or "the recipient"
    if kind not in FEEDBACK_OPT_OUT:
        return Reading(
            Verdict.REFUSED,
            f"A {kind} report about our sending (its authentication, not the contact): check the mailbox's domain.",
            failed=frozenset(recipients),
            quoted_ids=ids,
        )
    return Reading(
        Verdict.COMPLAINT,
        f"{who} marked our email as spam (a {kind} feedback report): opted out.",
        failed=frozenset(recipients),
        quoted_ids=ids,
    )


def _fields(part: Message) -> dict[str, str]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return {k.lower(): str(v) for block in payload if isinstance(block, Message) for k, v in block.items()}
    text = payload if isinstance(payload, str) else ""
    return {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in text.splitlines()) if v.strip()
    }


def _bare(value: str) -> str:
    value = value.partition(";")[2] or value
    return value.strip().strip("<>").lower()


# Where a notice stops and the copy of our message it returns begins.
COPY_STARTS = re.compile(
    r"(below this line is a copy|original message follows|message headers follow|this is a copy of the message|"
    r"-+ ?returned message|-+ ?original message|headers of the original|the original message (was|is)|"
    r"\bReceived: from |\bReturn-Path: |-+ ?(undelivered|returned) message)",
    re.IGNORECASE,
)
DSN_FIELD = re.compile(
    r"^(final-recipient|original-recipient|action|status|diagnostic-code)\s*:\s*(.*(?:\n[ \t].*)*)", re.I | re.M
)


def _raw_text(message: Message) -> str:
    """A message's text as it stands when its MIME structure could not be parsed (a boundary that does not match,
    as in mail that was anonymised or cut): the payload left as one string."""
    payload = message.get_payload(decode=False)
    return payload if isinstance(payload, str) else ""


def _notice_text(message: Message) -> str:
    """The notice's own words (not the copy of our message it returns), capped."""
    texts = []
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            break
        if part.get_content_type() == "text/plain":
            try:
                texts.append(_content(part))
            except (LookupError, ValueError):
                continue
        elif part.get_content_maintype() == "multipart" and _raw_text(part):
            texts.append(_raw_text(part))
    text = " ".join(" ".join(texts).split())
    cut = COPY_STARTS.search(text, 40)
    return text[: cut.start() if cut else 8000][:8000]


def _dsn_text_failures(message: Message) -> list[_Failure]:
    """Delivery-status fields read from the text of a report whose parts could not be parsed."""
    text = next((_raw_text(p) for p in message.walk() if p.get_content_maintype() == "multipart" and _raw_text(p)), "")
    failures: list[_Failure] = []
    current: dict[str, str] = {}
    for match in DSN_FIELD.finditer(text):
        name, value = match.group(1).lower(), " ".join(match.group(2).split())
        if name in ("final-recipient", "original-recipient") and "address" in current and name == "final-recipient":
            failures.append(_failure_of(current))
            current = {}
        key = "address" if name in ("final-recipient", "original-recipient") else name
        current.setdefault(key, value)
    if "address" in current:
        failures.append(_failure_of(current))
    return [f for f in failures if "@" in f.address]


def _failure_of(fields: dict[str, str]) -> _Failure:
    return _Failure(
        _bare(fields.get("address", "")),
        fields.get("action", "").lower(),
        fields.get("status", ""),
        fields.get("diagnostic-code", ""),
    )


def _kind_of(failure: _Failure, notice: str) -> str:
    """Dead, soft or refused: from the words that leave no doubt, then the status code when it is specific, then
    the server's other words. "unknown" when nothing says."""
    # The receiving server's own code (in the diagnostic) before the code the reporting server mapped it to.
    found = (
        ENHANCED_STATUS.search(failure.diagnostic)
        or ENHANCED_STATUS.search(failure.status)
        or ENHANCED_STATUS.search(notice)
    )
    status = ".".join(found.groups()) if found else ""
    klass, subject, detail = (status.split(".") + ["", "", ""])[:3]
    code_says_dead = klass == "5" and subject == "1" and detail in ("1", "2", "3", "6", "10")
    words = failure.diagnostic or notice
    reply = SMTP_REPLY.search(words)
    if FOR_A_WHILE.search(words):
        return "soft"
    if OUR_SENDING.search(words) and not DEAD_WORDS.search(words):
        return "refused"
    if AFTER_DATA.search(f"{failure.diagnostic} {notice}") and not code_says_dead:
        # The server took the recipient at RCPT TO and refused the message itself: the mailbox exists, a filter
        # or a policy said no (Japanese carriers answer "Unknown user" to senders a recipient has not allowed).
        return "refused"
    if failure.action == "failed" and klass == "4" and PLAINLY_DEAD.search(words):
        return "dead"  # given up on, and the server says the address does not exist (Postfix's soft_bounce)
    if failure.action == "delayed" or klass == "4" or (not klass and reply and reply.group(1) == "4"):
        return "soft"
    if code_says_dead or NULL_MX.search(words) or (klass == "5" and PLAINLY_DEAD.search(words)):
        return "dead"  # no such mailbox or domain; a domain that takes no mail at all (RFC 7505)
    if klass == "5" and subject == "3" and detail == "2":
        return "dead"  # "system not accepting network messages", for good: the host takes no mail
    if klass == "5" and subject == "1" and detail in ("7", "8"):
        return "refused"  # the sender's address is bad: ours
    if klass == "5" and subject == "2" and detail in ("2", "3"):
        return "soft"  # mailbox full, message too big for it
    if klass == "5" and subject == "7":
        return "dead" if DEAD_WORDS.search(words) and not REFUSED_WORDS.search(words) else "refused"
    if klass == "5" and subject == "4" and detail == "4" and not SOFT_WORDS.search(words):
        return "dead"  # unable to route: the domain does not exist
    for pattern, kind in ((DEAD_WORDS, "dead"), (REFUSED_WORDS, "refused"), (SOFT_WORDS, "soft")):
        if pattern.search(words):
            return kind
    if words is not notice and notice:
        return _kind_of(_Failure(failure.address, failure.action, status, ""), notice)
    return "unknown"


def refusal_kind(said: str) -> str:
    """What an SMTP server's permanent refusal at send time says, read as a DSN's diagnostic would be: "dead" (no
    such address or domain), "refused" (our sending), "soft" or "unknown"."""
    return _kind_of(_Failure("", "failed", "", said), "")


def _delivery_reading(message: EmailMessage, *, failures: list[_Failure], notice: str) -> Reading:
    """A bounce when an address is dead; a refusal of our sending when the receiving side would not take it; else a
    delay or a temporary failure, noted and not acted on."""
    kinds: dict[str, list[_Failure]] = {}
    for failure in failures:
        kinds.setdefault(_kind_of(failure, notice), []).append(failure)
    ids = _quoted_ids(message)

    def said(found: list[_Failure]) -> str:
        addresses = ", ".join(sorted({f.address for f in found if f.address})) or "a recipient"
        details = "; ".join(sorted({f.status or "" for f in found} - {""}))
        return addresses + (f" ({details})" if details else "")

    if "dead" in kinds:
        dead = kinds["dead"]
        return Reading(
            Verdict.BOUNCE,
            f"Delivery failed for {said(dead)}: the address does not exist.",
            failed=frozenset(f.address for f in dead if f.address),
            quoted_ids=ids,
        )
    if "refused" in kinds:
        refused = kinds["refused"]
        return Reading(
            Verdict.REFUSED,
            f"The receiving server refused our email to {said(refused)}: a problem with our sending (the "
            "mailbox, its domain or its reputation), not the contact's address.",
            failed=frozenset(f.address for f in refused if f.address),
            quoted_ids=ids,
        )
    found = kinds.get("soft") or kinds.get("unknown") or failures
    why = "delayed or failed for a while" if "soft" in kinds else "failed, for no reason it gives"
    return Reading(
        Verdict.DELAY,
        f"Delivery {why} for {said(found)}: not acted on.",
        failed=frozenset(f.address for f in found if f.address),
        quoted_ids=ids,
    )


def _quoted_ids(message: Message) -> tuple[str, ...]:
    """The Message-IDs of the original message a bounce returns (attached whole or as headers only)."""
    ids = []
    for part in message.walk():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) else inner
            if isinstance(inner, Message) and inner.get("Message-ID"):
                ids.append(str(inner["Message-ID"]).strip())
        elif part.get_content_type() == "text/rfc822-headers":
            found = re.search(r"^Message-ID:\s*(<[^>]+>)", _content(part), re.IGNORECASE | re.MULTILINE)
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
    """What the sender wrote in this message, without the quoted history below it (or above it)."""
    return reply_text(_plain(message))


def reply_text(text: str) -> str:
    """The person's words of a reply's plain text: above the first quote, or, when the reply opens with the quote
    (written below it), the unquoted lines after it."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if start < len(lines) and (_quote_starts(lines, start) or lines[start].lstrip().startswith(">")):
        below = [
            line
            for i, line in enumerate(lines)
            if i > start and not line.lstrip().startswith(">") and not _quote_starts(lines, i)
        ]
        return _words_of(below)
    kept = []
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">") or _quote_starts(lines, i) or APP_SIGNATURE.match(line):
            break
        kept.append(line)
    return _words_of(kept)


def _quote_starts(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    if not line:
        return False
    if SEPARATOR.match(line) or WROTE.search(line) or NAMES_AN_ADDRESS.search(line) and _looks_dated(line):
        return True
    if OUTLOOK_FROM.match(line) and any(OUTLOOK_FIELD.match(nxt) for nxt in lines[i + 1 : i + 4]):
        return True
    # A header split over two lines by the client's wrapping ("... Ann <" / "ann@x.com> wrote:", "... John Coe" /
    # "<john@x.com> kirjoitti:").
    if i + 1 < len(lines) and lines[i + 1].strip():
        following = lines[i + 1].strip()
        joined = f"{line} {following}"
        second_alone = WROTE.search(following) or NAMES_AN_ADDRESS.search(following)
        if second_alone:
            return _looks_dated(line) and (line.endswith(("<", "(")) or following.startswith(("<", "(")))
        return bool(WROTE.search(joined) or NAMES_AN_ADDRESS.search(joined) and _looks_dated(joined))
    return False


def _looks_dated(line: str) -> bool:
    """A quote header says when: a year, a time of day or a weekday."""
    return bool(re.search(r"\b(19|20)\d\d\b|\d{1,2}[:.]\d\d", line))


def _words_of(lines: list[str]) -> str:
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


def _content(part: Message) -> str:
    """A part's decoded text: messages are parsed with `policy.default`, so every part is an EmailMessage."""
    return str(part.get_content()) if isinstance(part, EmailMessage) else str(part.get_payload(decode=False))


def _date_of(match: re.Match[str], form: str, *, sent_on: dt.date | None) -> dt.date | None:
    groups = match.groups()
    try:
        if form == "ymd":
            return dt.date(int(groups[0]), int(groups[1]), int(groups[2]))
        if form == "dmy":
            year = int(groups[2])
            return dt.date(year + 2000 if year < 100 else year, int(groups[1]), int(groups[0]))
        if form == "d_month":
            day, month, year_written = int(groups[0]), MONTHS[groups[1].lower()], groups[2]
        else:
            month, day, year_written = MONTHS[groups[0].lower()], int(groups[1]), groups[2]
        if year_written:
            return dt.date(int(year_written), month, day)
        anchor = sent_on or dt.date(2000, 1, 1)
        candidate = dt.date(anchor.year, month, day)
        return candidate if candidate >= anchor else dt.date(anchor.year + 1, month, day)
    except (ValueError, KeyError):
        return None
