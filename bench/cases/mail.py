"""Reading the reps' inboxes: 1,000 new messages in one mailbox read and classified, and a beat tick
over 50 mailboxes with nothing new, on real Dovecot (devserver.mailservers, started for the run). Every run is
rolled back, so the bench database is unchanged for the cases after these."""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench.registry import BenchContext, CaseResult, case, p95_under, rate_at_least
from bench.timing import measure

MESSAGES = 1000
MAILBOXES = 50
# Of 1,000 new messages in a rep's inbox, most are not about a lead (never stored); the rest are the kinds the
# listener acts on.
MIX = {"reply": 100, "out_of_office": 40, "bounce": 20, "unrelated": 840}


class _Servers:
    """The mail servers, started once for the bench run and stopped at exit."""

    stack: ExitStack | None = None
    servers: Any = None

    @classmethod
    def get(cls) -> Any:
        if cls.stack is None:
            import atexit

            from devserver.mailservers import mail_servers

            cls.stack = ExitStack()
            cls.servers = cls.stack.enter_context(mail_servers())
            atexit.register(cls.stack.close)
        if isinstance(cls.servers, str):
            raise RuntimeError(cls.servers)
        return cls.servers


def _mailbox(servers: Any, rep: Any, address: str) -> Any:
    from mailroom.models import Mailbox
    from mailroom.secrets import secret_encrypt

    secret = secret_encrypt(servers_password())
    return Mailbox.objects.create(
        user=rep,
        from_address=address,
        smtp_host="127.0.0.1",
        smtp_port=servers.smtp_port or 25,
        smtp_security=Mailbox.Security.NONE,
        imap_host="127.0.0.1",
        imap_port=servers.imap_port,
        imap_security=Mailbox.Security.NONE,
        imap_username=address,
        imap_password_encrypted=secret,
        smtp_password_encrypted=secret,
    )


def servers_password() -> str:
    from devserver.mailservers import PASSWORD

    return PASSWORD


def _team_addresses(rep: Any, count: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.email FROM crm_contact c JOIN crm_prospect p ON p.id = c.prospect_id "
            "WHERE p.team_id = %s AND p.status IN ('active', 'engaged') AND c.email <> '' AND NOT c.email_bounced "
            "ORDER BY c.id LIMIT %s",
            [rep.team_id, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _messages(addresses: list[str], to: str) -> list[bytes]:
    out: list[bytes] = []
    known = iter(addresses * 3)
    date = timezone.now().strftime("%a, %d %b %Y %H:%M:%S +0000")
    for kind, count in MIX.items():
        for n in range(count):
            head = f"To: {to}\r\nDate: {date}\r\nMessage-ID: <{uuid.uuid4().hex}@outside.example>\r\n"
            if kind == "reply":
                body = (
                    f"From: {next(known)}\r\nSubject: Re: A quick one\r\n\r\nThanks, call me Thursday at 1{n % 10}.\r\n"
                )
            elif kind == "out_of_office":
                body = (
                    f"From: {next(known)}\r\nSubject: Automatic reply: A quick one\r\nAuto-Submitted: auto-replied\r\n"
                    "\r\nI am out of the office until 2027-01-04.\r\n"
                )
            elif kind == "bounce":
                body = (
                    "From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
                    'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
                    "\r\n--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n"
                    "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
                    f"Final-Recipient: rfc822; {next(known)}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B--\r\n"
                )
            else:
                body = (
                    f"From: news{n}@newsletter.example\r\nSubject: This week's freight news #{n}\r\n\r\n"
                    + "Rates are up. " * 40
                    + "\r\n"
                )
            out.append((head + body).encode())
    return out


@contextmanager
def _rolled_back() -> Iterator[None]:
    """The whole case in one transaction, rolled back whatever happens (a failed run included)."""
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


def _deliver(servers: Any, messages: list[bytes], to: str) -> None:
    with smtplib.LMTP("127.0.0.1", servers.lmtp_port) as lmtp:
        for message in messages:
            lmtp.sendmail("someone@outside.example", [to], message)


@case("mail_read", "Email: read and classify 1,000 new messages in one mailbox", order=80)
def mail_read_case(ctx: BenchContext) -> CaseResult:
    from mailroom.services.listening import mailbox_sync

    result = ctx.result()
    result.target = rate_at_least(200, "messages")
    servers = _Servers.get()
    rep = ctx.rep()
    addresses = _team_addresses(rep, 160)
    result.facts["messages per run"] = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in MIX.items())
    verdicts: list[dict[str, int]] = []

    def prepare(_: int) -> Any:
        from crm.models import User

        address = servers.add_user(f"bench-{uuid.uuid4().hex[:10]}@pursuit.example")
        # A rep of the team (one mailbox each), so the team's contacts are theirs to match.
        reader = User.objects.create(username=address, team_id=rep.team_id)
        mailbox = _mailbox(servers, reader, address)
        # The mailbox has been read before (its UIDVALIDITY known): what follows is one ordinary tick.
        mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())
        _deliver(servers, _messages(addresses, address), address)
        return mailbox.pk

    def run(mailbox_id: Any) -> Any:
        return mailbox_sync(mailbox_id=mailbox_id, now=timezone.now())

    errors: list[str] = []

    def after(_: Any, report: Any) -> None:
        verdicts.append(report.verdicts)
        if report.error:
            errors.append(report.error)

    with _rolled_back():
        result.main = measure(
            "mailbox_sync(), 1,000 new messages",
            run,
            prepare=prepare,
            after=after,
            warmup=1,
            runs=ctx.runs(3, quick=1),
            min_runs=1,
            units=MESSAGES,
            profile=ctx.profile,
        )
    if verdicts:
        result.facts["verdicts of the last run"] = ", ".join(f"{k} {v}" for k, v in sorted(verdicts[-1].items()))
    if errors or not any(verdicts):
        # A sync that failed (a refused address, a wrong password) is fast: never timed as a pass.
        result.status, result.error = "error", f"the mailbox was not read: {errors[-1] if errors else 'no verdicts'}"
    return result


@case("mail_tick", "Email: a beat tick over 50 mailboxes with nothing new", order=81)
def mail_tick_case(ctx: BenchContext) -> CaseResult:
    from mailroom.services.listening import mailbox_sync

    result = ctx.result()
    result.target = p95_under(2000)
    servers = _Servers.get()
    rep = ctx.rep()
    result.facts["mailboxes"] = f"{MAILBOXES}, read one after the other by one worker (the beat fans them out)"

    def prepare(_: int) -> Any:
        from crm.models import User

        ids = []

        for n in range(MAILBOXES):
            user = User.objects.create(username=f"bench-mail-{uuid.uuid4().hex[:10]}", team_id=rep.team_id)
            mailbox = _mailbox(servers, user, servers.add_user(f"tick-{n}-{uuid.uuid4().hex[:6]}@pursuit.example"))
            mailbox_sync(mailbox_id=mailbox.pk, now=timezone.now())
            ids.append(mailbox.pk)
        return ids

    errors: list[str] = []

    def run(ids: Any) -> Any:
        for pk in ids:
            report = mailbox_sync(mailbox_id=pk, now=timezone.now())
            if report.error:
                errors.append(report.error)

    with _rolled_back():
        result.main = measure(
            f"{MAILBOXES} × mailbox_sync(), nothing new",
            run,
            prepare=prepare,
            warmup=1,
            runs=ctx.runs(5, quick=1),
            min_runs=1,
            profile=ctx.profile,
        )
    if errors:
        result.status, result.error = "error", f"a mailbox was not read: {errors[-1]}"
    return result


@case("mail_corpus", "Email: read the real-world corpus (public messages labelled by their sources)", order=82)
def mail_corpus_case(ctx: BenchContext) -> CaseResult:
    """Every message of bench/mail_corpus through message_read: per class, how often it is read as its source
    says (the targets are those held by tests/mailroom/test_real_world_corpus.py), and how fast."""
    import email
    from email import policy

    from bench.mail_corpus.corpus import (
        CLASSES,
        TARGETS,
        corpus_messages,
        corpus_missing,
        corpus_scores,
        held_out_entries,
        reply_text_score,
        tuned_entries,
    )
    from mailroom.classify import message_read

    result = ctx.result()
    missing = corpus_missing()
    if missing:
        result.status = "error"
        result.error = f"the corpus is not here: {', '.join(missing)} (bench/mail_corpus/README.md)"
        return result
    result.target = rate_at_least(200, "messages")  # the pace asked of reading a mailbox (mail_read)
    raws = [raw for _, raw in corpus_messages()]

    def run(_: Any) -> Any:
        for raw in raws:
            message_read(email.message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]

    result.main = measure(
        f"message_read(), {len(raws)} messages", run, warmup=1, runs=ctx.runs(5, quick=2), min_runs=2,
        units=len(raws), count_queries=False, profile=ctx.profile,
    )  # fmt: skip
    scores = corpus_scores(tuned_entries())
    for label, score in scores.items():
        if not score.total:
            continue
        held = "meets" if score.accuracy >= TARGETS[label] else "MISSES"
        verdicts = ", ".join(f"{k} {v}" for k, v in score.verdicts.most_common())
        result.facts[label] = (
            f"{score.right}/{score.total} = {score.accuracy:.1%} {CLASSES[label]} ({held} ≥ {TARGETS[label]:.0%}); "
            f"read as: {verdicts}; as a reply: {score.read_as_reply}; raised: {score.raised}"
        )
        if score.accuracy < TARGETS[label]:
            result.notes.append(f"{label} below its target: {score.wrong[:5]}")
    for label, score in corpus_scores(held_out_entries()).items():
        if score.total:
            result.facts[f"held out: {label}"] = (
                f"{score.right}/{score.total} = {score.accuracy:.1%} {CLASSES[label]} (a source the rules were not "
                f"written against; as a reply: {score.read_as_reply}; raised: {score.raised})"
            )
    text = reply_text_score()
    result.facts["reply text"] = (
        f"{text.right}/{text.total} = {text.accuracy:.1%} of the replies whose text the source asserts logged as "
        "exactly that (the thread, its header in any language and app signatures left out)"
    )
    return result
