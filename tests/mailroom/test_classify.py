"""Every message of the corpus (tests/mailroom/corpus, written for these tests in the styles of Outlook, Gmail,
Postfix and Exchange, some not in English) gets the verdict a rep would give it, with a reason they can read."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from pathlib import Path

import pytest

from mailroom.classify import Verdict, message_read, new_text, reference_ids, reply_text, return_date

CORPUS = Path(__file__).parent / "corpus"


def read(name: str):
    message = email.message_from_bytes((CORPUS / name).read_bytes(), policy=policy.default)
    return message, message_read(message)


@pytest.mark.parametrize(
    ("name", "back_on"),
    [
        ("outlook_out_of_office.eml", dt.date(2026, 12, 7)),
        ("gmail_vacation.eml", dt.date(2026, 12, 14)),
        ("german_out_of_office.eml", dt.date(2026, 12, 10)),
        ("spanish_out_of_office.eml", dt.date(2026, 12, 9)),
    ],
)
def test_an_out_of_office_is_never_a_reply_and_says_when_they_are_back(name, back_on):
    _, reading = read(name)

    assert reading.verdict == Verdict.OUT_OF_OFFICE
    assert reading.back_on == back_on
    assert f"back on {back_on:%a} {back_on.day} {back_on:%b %Y}" in reading.reason


def test_an_automatic_acknowledgement_in_french_is_an_automatic_reply_not_a_person():
    _, reading = read("french_auto_reply.eml")

    assert reading.verdict == Verdict.AUTO_REPLY
    assert reading.reason == 'An automatic reply (subject "Réponse automatique : Une question"), not a person.'


@pytest.mark.parametrize("name", ["postfix_dsn.eml", "exchange_dsn.eml"])
def test_a_permanent_delivery_failure_names_the_address_and_the_message_it_returns(name):
    _, reading = read(name)

    assert reading.verdict == Verdict.BOUNCE
    assert reading.failed == {"dana@acme.test"}
    assert "<sent-1@pursuit.test>" in reading.quoted_ids
    assert reading.reason.startswith("Delivery failed for dana@acme.test")
    assert reading.reason.endswith(": the address does not exist.")


def test_a_delay_notice_is_temporary_and_not_acted_on():
    _, reading = read("delayed_dsn.eml")

    assert reading.verdict == Verdict.DELAY
    assert reading.reason.endswith("not acted on.")


def test_a_reply_keeps_what_the_person_wrote_without_the_quoted_history():
    message, reading = read("reply_with_quoted_history.eml")

    assert reading.verdict == Verdict.REPLY
    assert reading.text == (
        "Hi Sam,\n\nThursday at 10 works. Can you send the rates for the Chicago lane before then?\n\nDana"
    )
    assert reference_ids(message) == ["<sent-1@pursuit.test>"]


def test_an_html_reply_is_read_as_text_up_to_the_original_message():
    message, reading = read("html_reply.eml")

    assert reading.verdict == Verdict.REPLY
    assert new_text(message) == "Sounds interesting, call me tomorrow after lunch."


def test_a_person_whose_subject_mentions_out_of_office_is_still_a_person():
    _, reading = read("reply_not_an_auto_reply.eml")

    assert reading.verdict == Verdict.REPLY


@pytest.mark.parametrize("name", ["stop_reply.eml", "list_unsubscribe_mailto.eml"])
def test_a_reply_that_only_asks_to_stop_and_the_unsubscribe_button_are_unsubscribes(name):
    _, reading = read(name)

    assert reading.verdict == Verdict.UNSUBSCRIBE
    assert reading.reason.startswith("Asked to stop: ")


def test_a_quoted_stop_in_the_history_below_a_real_reply_does_not_unsubscribe():
    # The quoted message says "Stop me if this is not for you"; the person wrote a real answer above it.
    _, reading = read("reply_with_quoted_history.eml")

    assert reading.verdict == Verdict.REPLY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I am away until 2026-12-21.", dt.date(2026, 12, 21)),
        ("Back on Jan 4th.", dt.date(2027, 1, 4)),  # no year: the next 4 January after the message
        ("I return on 3 January 2027", dt.date(2027, 1, 3)),
        ("Ich bin bis 05.01.2027 im Urlaub", dt.date(2027, 1, 5)),
        ("Je suis absent jusqu'au 8 janvier.", dt.date(2027, 1, 8)),
        ("I am out of the office with no date at all.", None),
        ("Until the 45th of Smarch", None),
    ],
)
def test_a_return_date_is_read_after_its_cue_in_several_languages(text, expected):
    assert return_date(text, sent_on=dt.date(2026, 12, 1)) == expected


OUTLOOK_HEADERS = {
    "de": "Von: Sam Rep <sam@pursuit.test>\nGesendet: Montag, 7. Dezember 2026 10:00\nAn: Jan\nBetreff: Frage",
    "sv": "Från: Sam Rep <sam@pursuit.test>\nSkickat: den 7 december 2026 10:00\nTill: Jan\nÄmne: Fråga",
    "fr": "De : Sam Rep <sam@pursuit.test>\nEnvoyé : lundi 7 décembre 2026 10:00\nÀ : Jan\nObjet : Question",
    "it": "Da: Sam Rep <sam@pursuit.test>\nInviato: lunedì 7 dicembre 2026 10:00\nA: Jan\nOggetto: Domanda",
    "nl": "Van: Sam Rep <sam@pursuit.test>\nVerzonden: maandag 7 december 2026 10:00\nAan: Jan\nOnderwerp: Vraag",
    "pl": "Od: Sam Rep <sam@pursuit.test>\nWysłano: poniedziałek, 7 grudnia 2026 10:00\nDo: Jan\nTemat: Pytanie",
}


@pytest.mark.parametrize("language", list(OUTLOOK_HEADERS))
def test_an_outlook_quote_header_in_any_language_keeps_the_thread_out_of_the_logged_reply(language):
    text = f"Tuesday at 3 works.\n\nJan\n\n{OUTLOOK_HEADERS[language]}\n\nHi Jan, would Tuesday work?\n"

    assert reply_text(text) == "Tuesday at 3 works.\n\nJan"


def test_a_reply_written_below_the_quote_keeps_the_words_below_it():
    text = (
        "On Mon, 7 Dec 2026 at 10:00, Sam Rep <sam@pursuit.test> wrote:\n"
        "> Would Tuesday work?\n>\n> Sam\n\nYes, Tuesday at 3 works for me.\n\nJan\n"
    )

    assert reply_text(text) == "Yes, Tuesday at 3 works for me.\n\nJan"


def test_a_phones_signature_line_is_not_part_of_the_reply():
    assert reply_text("Sounds good.\n\nSent from my iPhone\n\nOn Mon, Sam <s@p.test> wrote:\n> Hi") == "Sounds good."


def test_a_person_who_mentions_an_address_in_a_sentence_is_not_cut_there():
    text = "Write to Lee <lee@acme.test> about the invoice, not me.\nThanks"

    assert reply_text(text) == text


def test_an_exchange_inbox_rule_reply_without_an_automatic_subject_is_not_a_person():
    message = email.message_from_string(
        "From: Jan <jan@acme.test>\nTo: sam@pursuit.test\nSubject: RE: A quick one\n"
        "X-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: jan@acme.test\n\n"
        "I am away until 14 December 2026 with no access to email.\n",
        policy=policy.default,
    )

    reading = message_read(message)  # type: ignore[arg-type]

    assert reading.verdict == Verdict.OUT_OF_OFFICE and reading.back_on == dt.date(2026, 12, 14)
