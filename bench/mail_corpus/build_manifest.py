"""Writes manifest.csv: each public message of the real-world mail corpus, where it is, and what its source says it is.

Run by hand after fetching the repositories below into the mirror directory (see corpus.py); nothing it reads is
committed. The label is taken from the source, never from our classifier:

- sisimai/set-of-emails holds bounces, feedback-loop reports and automatic replies from about 70 mail servers and
  providers; sisimai/go-sisimai's tests (fact/*_test.go, the `publiclist` of each) say, per message, the delivery
  status, the reason and whether it is a hard bounce. A message whose recipients the source labels both hard and not
  is left out, as are delivery notices ("delivered").
- crisp-oss/email-reply-parser, alfonsrv/mail-parser-reply and github/email_reply_parser hold the text of real
  replies (their test fixtures, in several languages); mailgun/talon holds whole reply messages from mail clients.
- rjbs/Mail-DeliveryStatus-BounceParser is the held-out set: bounces, automatic replies and challenge/response mail
  whose labels come from its tests (t/*.t: is_bounce and std_reason per message). Nothing in mailroom/classify.py
  was tuned on it; its figures are reported apart ("held out") so they say how the rules do on mail they were not
  written against.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
from pathlib import Path

from bench.mail_corpus.corpus import Mirror, mirror_root

HERE = Path(__file__).resolve().parent
SISIMAI = "sisimai/set-of-emails"
SISIMAI_TESTS = "sisimai/go-sisimai"
ENTRY = re.compile(r'\{"(\w+)",\s*(\d+),\s*"([^"]*)",\s*"([^"]*)",\s*"(\w+)",\s*(true|false),\s*"([^"]*)"\}')
BLOCK = re.compile(r"publiclist\s*:=\s*\[\]\[\]IsExpected\{(.*?)\};?\s*EngineTest\(t,\s*\"(\w+)\",\s*publiclist", re.S)
# sisimai's reasons for a message that is not a dead address: the mailbox or the network for a while, or a refusal
# of the sending (policy, reputation, authentication, content), which is not the contact's fault.
REFUSED = {
    "blocked", "spamdetected", "policyviolation", "requireptr", "authfailure", "norelaying", "badreputation",
    "securityerror", "virusdetected", "contenterror", "notcompliantrfc", "failedstarttls", "rejected", "filtered",
}  # fmt: skip
LANGUAGES = {
    "german": "de", "_de": "de", "french": "fr", "_fr": "fr", "italian": "it", "danish": "da", "swedish": "sv",
    "_sv_": "sv", "_ja_": "ja", "_nl_": "nl", "_pl_": "pl", "russian": "ru", "finnish": "fi", "portuguese": "pt",
    "norwegian": "no", "mail_ru": "ru", "yandex_ru": "ru",
}  # fmt: skip


def sisimai_rows(tests: Mirror, emails: Mirror) -> list[dict[str, str]]:
    rows = []
    present = set(emails.files("maildir/bsd/"))
    for test_path in tests.files("fact/"):
        if not test_path.endswith("_test.go"):
            continue
        source = tests.read(test_path).decode()
        function = re.search(r"func Test(\w+)\(", source)
        if function is None:
            continue
        prefix = (
            "lhost-"
            if function.group(1).startswith("Lhost")
            else "rhost-"
            if function.group(1).startswith("Rhost")
            else ""
        )
        for block in BLOCK.finditer(source):
            engine = block.group(2).lower()
            by_label: dict[str, list[tuple[str, ...]]] = {}
            for entry in ENTRY.finditer(block.group(1)):
                by_label.setdefault(entry.group(1), []).append(entry.groups())
            for label, entries in by_label.items():
                path = f"maildir/bsd/{prefix}{engine}-{label}.eml"
                if path not in present:
                    continue
                reasons = {e[4] for e in entries}
                hard = {e[5] == "true" for e in entries}
                if len(hard) > 1 or "delivered" in reasons:
                    continue
                reason = entries[0][4]
                if reason == "vacation":
                    kind = "out_of_office"
                elif reason == "feedback":
                    kind = "feedback_report"
                elif hard == {True}:
                    kind = "hard_bounce"
                elif reasons & REFUSED:
                    kind = "refused_sending"
                else:
                    kind = "soft_bounce"
                said = "; ".join(
                    sorted({f"{e[2] or '-'} {e[4]}{' (' + e[6] + ')' if e[6] else ''} hard={e[5]}" for e in entries})
                )
                rows.append(
                    {
                        "repository": SISIMAI,
                        "commit": emails.commit,
                        "path": path,
                        "label": kind,
                        "source_label": f"{SISIMAI_TESTS}@{tests.commit[:12]}:{test_path}: {said}",
                        "language": "",
                        "form": "message",
                    }
                )
    return rows


BOUNCEPARSER = "rjbs/Mail-DeliveryStatus-BounceParser"
# What each test of BounceParser says of its corpus files, as (test file, what it asserts, our class, files). Files
# whose test says only that they are a bounce (no reason) or only that they are not one are left out.
BOUNCEPARSER_LABELS: list[tuple[str, str, str, list[str]]] = [
    ("t/various-unknown.t", "is_bounce=1 std_reason=user_unknown", "hard_bounce", [
        "att-via-sendmail.unknown", "comcast-via-sendmail.unknown", "cox-via-sendmail.unknown",
        "generic-postfix-via-sendmail.unknown", "gmail-via-sendmail.unknown", "msn-via-sendmail.unknown",
        "yahoo-via-sendmail.unknown", "hotmail-via-sendmail.unknown", "domino.unknown", "aol.unknown",
        "qmail.unknown", "exchange.unknown", "novell-with-rhs", "yahoo-user-unknown", "me-user-unknown",
        "cam-unknown", "rcpt-dne", "mailbox-unknown", "deactivated-mailbox", "user-unknown-dne", "badrcptto",
        "doesnotexist", "doesnotexist2", "nomailbox", "user-unknown-bad", "user-unknown-not-active",
        "user-unknown-not", "user-unknown-polish",
    ]),
    ("t/user-disabled.t", "is_bounce=1 std_reason=user_disabled", "hard_bounce",
     ["user-unknown-disabled", "polish-unknown"]),
    ("t/various-domain.t", "is_bounce=1 std_reason=domain_error (host unknown, no such domain)", "hard_bounce",
     ["sendmail-host-unknown", "postfix-host-unknown", "no-such-domain"]),
    ("t/postfix-malformed.t", "is_bounce=1 std_reason=domain_error", "hard_bounce", ["postfix-malformed"]),
    ("t/malformed-dns.t", "is_bounce=1 std_reason=domain_error status=5.4.4", "hard_bounce", ["malformed-dns"]),
    ("t/warnings.t", "is_bounce=1 std_reason=user_unknown", "hard_bounce", ["warning-1", "warning-2", "warning-3"]),
    ("t/quota.t", "is_bounce=1 std_reason=over_quota", "soft_bounce",
     ["quota", "quota-2", "quota-4", "quota-5", "quota-6", "quota-7"]),
    ("t/warnings.t", "is_bounce=1 std_reason=over_quota", "soft_bounce", ["warning-4", "warning-7"]),
    ("t/warnings.t", "is_bounce=0: a transient nonfatal error", "soft_bounce", ["warning-8"]),
    ("t/message-too-large.t", "is_bounce=1 std_reason=message_too_large", "soft_bounce", [
        "message-too-large", "message-too-large-2", "message-too-large-3", "message-too-large-4",
        "message-too-large-5", "message-too-large-6",
    ]),
    ("t/spam-rejection.t", "is_bounce=1 std_reason=spam", "refused_sending",
     ["spam-rejection", *(f"spam-rejection{n}" for n in range(2, 44))]),
    ("t/spam-rejection-uribl.t", "is_bounce=1 std_reason=spam", "refused_sending", ["spam-rejection-uribl"]),
    ("t/junkemailfilter.t", "is_bounce=1 std_reason=spam", "refused_sending", ["junkemailfilter"]),
    ("t/spamassassin.t", "is_bounce=1 std_reason=spam", "refused_sending", ["spamassassin"]),
    ("t/spambouncer.t", "is_bounce=1 std_reason=spam", "refused_sending", ["spambouncer"]),
    ("t/aol-attachment.t", "is_bounce=1: not accepting mail with attachments", "refused_sending", ["aol.attachment"]),
    ("t/non-bounce.t", "is_bounce=0 (a vacation reply, by its name)", "out_of_office", ["aol-vacation"]),
    ("t/non-bounce.t", "is_bounce=0 (an automatic reply, by its name)", "out_of_office", ["polish-autoreply"]),
    ("t/autoreply.t", "is_bounce=0: to be recognised as an autoreply", "out_of_office", ["autoreply"]),
    ("t/non-bounce.t", "is_bounce=0: a challenge/response message", "automatic",
     ["bluebottle", "boxbe-cr", "boxbe-cr2"]),
]  # fmt: skip


def bounceparser_rows(mirror: Mirror) -> list[dict[str, str]]:
    present = set(mirror.files("t/corpus/"))
    rows = []
    for test, said, kind, names in BOUNCEPARSER_LABELS:
        for name in names:
            path = f"t/corpus/{name}.msg"
            if path not in present:
                continue
            rows.append(
                {
                    "repository": BOUNCEPARSER,
                    "commit": mirror.commit,
                    "path": path,
                    "label": kind,
                    "source_label": f"{BOUNCEPARSER}:{test}: {said}",
                    "language": "pl" if "polish" in name else "",
                    "form": "message",
                    "split": "held_out",
                }
            )
    return rows


def reply_rows(mirror: Mirror, under: str, form: str) -> list[dict[str, str]]:
    rows = []
    for path in mirror.files(under):
        name = path.rsplit("/", 1)[-1]
        if form == "body" and not name.endswith(".txt"):
            continue
        if form == "message" and not name.endswith(".eml"):
            continue
        if form == "html" and not name.endswith(".html"):
            continue
        language = next((code for hint, code in LANGUAGES.items() if hint in name.lower()), "en")
        rows.append(
            {
                "repository": mirror.repository,
                "commit": mirror.commit,
                "path": path,
                "label": "reply",
                "source_label": f"{mirror.repository}: a reply fixture of its reply parser's tests",
                "language": language,
                "form": form,
            }
        )
    return rows


def crisp_expected(mirror: Mirror) -> dict[str, str]:
    """The fixtures whose reply text crisp-oss/email-reply-parser's tests assert: the test file's COMMON_FIRST_FRAGMENT
    (the first fragment of each of those replies, trimmed)."""
    source = mirror.read("test/test.js").decode()
    found = re.search(r"const COMMON_FIRST_FRAGMENT = '(.*?)';", source, re.S)
    if found is None:
        return {}
    fragment = found.group(1).replace("\\n\\\n", "\n")
    expected = {}
    for block in source.split("export function")[1:]:
        names = re.findall(r'get_email\("([^"]+)"\)', block)
        if len(names) == 1 and "test.equal(COMMON_FIRST_FRAGMENT" in block:
            expected[f"test/fixtures/{names[0]}.txt"] = fragment
    return expected


def main() -> None:
    root = mirror_root()
    tests, emails = Mirror(root, SISIMAI_TESTS), Mirror(root, SISIMAI)
    rows = sisimai_rows(tests, emails)
    crisp = Mirror(root, "crisp-oss/email-reply-parser")
    expected = crisp_expected(crisp)
    for row in (crisp_rows := reply_rows(crisp, "test/fixtures/", "body")):
        if row["path"] in expected:
            row["expected_text"] = expected[row["path"]]
            row["source_label"] += "; test/test.js asserts its reply text (COMMON_FIRST_FRAGMENT)"
    rows += crisp_rows
    rows += reply_rows(Mirror(root, "alfonsrv/mail-parser-reply"), "test/emails/", "body")
    rows += reply_rows(Mirror(root, "github/email_reply_parser"), "test/emails/", "body")
    rows += reply_rows(Mirror(root, "mailgun/talon"), "tests/fixtures/standard_replies/", "message")
    rows += reply_rows(Mirror(root, "mailgun/talon"), "tests/fixtures/html_replies/", "html")
    rows += bounceparser_rows(Mirror(root, BOUNCEPARSER))
    # The same fixture is in more than one repository: keep its first copy.
    seen, unique = set(), []
    for row in rows:
        digest = hashlib.sha256(Mirror(root, row["repository"]).read(row["path"])).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        unique.append({"expected_text": "", "split": "", **row, "sha256": digest[:16]})
    with open(HERE / "manifest.csv", "w", newline="") as out:
        fields = ["repository", "commit", "path", "label", "source_label", "language", "form", "expected_text", "split"]
        writer = csv.DictWriter(out, fieldnames=[*fields, "sha256"])
        writer.writeheader()
        writer.writerows(unique)
    sys.stderr.write(f"{len(unique)} messages\n")


if __name__ == "__main__":
    main()
