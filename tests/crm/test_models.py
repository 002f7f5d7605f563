from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models.deletion import ProtectedError

from tests.factories import ContactFactory, ProspectFactory

pytestmark = pytest.mark.django_db


def test_a_contact_without_a_timezone_uses_the_prospects():
    contact = ContactFactory(prospect__timezone="Asia/Kolkata", timezone="")

    assert contact.effective_timezone == "Asia/Kolkata"


def test_a_contact_in_another_timezone_keeps_its_own():
    contact = ContactFactory(prospect__timezone="Asia/Kolkata", timezone="Europe/London")

    assert contact.effective_timezone == "Europe/London"


def test_an_unknown_timezone_is_rejected_with_a_clear_message(prospect):
    prospect.timezone = "Mars/Olympus"

    with pytest.raises(ValidationError, match="not an IANA time zone"):
        prospect.full_clean()


def test_a_country_must_be_a_two_letter_code(prospect):
    prospect.country = "USA"

    with pytest.raises(ValidationError, match="two-letter"):
        prospect.full_clean()


def test_a_negative_value_is_refused_by_the_database(prospect):
    prospect.estimated_value = -1

    with pytest.raises(IntegrityError):
        prospect.save()


def test_a_rep_who_owns_prospects_cannot_be_deleted(prospect, alice):
    with pytest.raises(ProtectedError):
        alice.delete()


def test_won_lost_and_do_not_contact_prospects_are_closed():
    statuses = {status: ProspectFactory.build(status=status).is_closed for status in ["won", "lost", "do_not_contact"]}

    assert statuses == {"won": True, "lost": True, "do_not_contact": True}
    assert not ProspectFactory.build(status="active").is_closed
