"""The rep's pages at their edges: dates a typo makes, links a crafted URL makes, the policy no inline script
gets past, validation the form and the import share, and "their time" read on the contact's clock everywhere."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadence.models import Cadence, Enrollment, FollowUp
from cadence.scheduler import scheduler_sweep
from cadence.services import enrollment_create, enrollments_plan
from crm.imports import import_preview_build
from crm.models import Contact, Prospect
from tests.factories import CadenceFactory, ContactFactory, ProspectFactory

# Every test here runs on the clock stopped at NOW (tests/conftest.py: frozen_clock).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
NOW = dt.datetime(2026, 3, 3, 14, 30, tzinfo=dt.UTC)


@pytest.fixture
def enrolled(prospect, cadence) -> Enrollment:
    ContactFactory(prospect=prospect, name="Joe Buyer", phone="+1 212 555 0101")
    enrollment = enrollment_create(prospect=prospect, now=NOW)
    enrollments_plan(enrollment_ids=[enrollment.pk], now=NOW)
    return enrollment


def test_a_pause_until_the_year_9999_is_a_field_error_and_every_page_keeps_working(client, alice, enrolled):
    client.force_login(alice)

    response = client.post(reverse("enrollment_pause", args=[enrolled.pk]), {"until": "9999-12-31T23:59"}, follow=True)

    assert "Pick a date between 1 Jan 2000 and" in response.content.decode()
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.ACTIVE and enrolled.paused_until is None
    assert scheduler_sweep(now=NOW + dt.timedelta(minutes=5)).plan.failed == 0
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("prospect_detail", args=[enrolled.prospect_id])).status_code == 200


@pytest.mark.parametrize("field", ["until"])
def test_a_snooze_too_far_ahead_is_refused_next_to_its_field(client, alice, enrolled, field):
    follow_up = FollowUp.objects.get(enrollment=enrolled, status="planned")
    client.force_login(alice)

    response = client.post(reverse("follow_up_snooze", args=[follow_up.pk]), {field: "2031-01-01T09:00"})

    assert response.status_code == 200
    assert re.search(r'id="id_until_error"[^>]*>.*Pick a date between', response.content.decode(), re.S) or (
        "Pick a date between" in response.content.decode()
    )
    assert FollowUp.objects.get(pk=follow_up.pk).snooze_count == 0


def test_the_snooze_pages_cancel_link_never_carries_a_script(client, alice, enrolled):
    follow_up = FollowUp.objects.get(enrollment=enrolled, status="planned")
    client.force_login(alice)

    page = client.get(reverse("follow_up_snooze", args=[follow_up.pk]), {"next": "javascript:alert(1)"})

    body = page.content.decode()
    assert "javascript:" not in body
    assert 'href="/">Cancel</a>' in body


def test_pages_carry_a_content_security_policy_and_no_inline_script(client, alice, enrolled, maria):
    client.force_login(alice)
    pages = [reverse("home"), reverse("prospect_detail", args=[enrolled.prospect_id]), reverse("prospect_list")]
    for url in pages:
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        body = response.content.decode()
        inline = [tag for tag in re.findall(r"<script\b[^>]*>", body) if "src=" not in tag and "json" not in tag]
        assert inline == [], url
        assert not re.search(r'\sstyle="|\son[a-z]+="', body), url
    client.force_login(maria)
    assert not re.search(r'\sstyle="', client.get(reverse("dashboard")).content.decode())


def test_only_iana_zones_real_countries_and_one_line_names_are_accepted(prospect):
    for field, value in (("timezone", "localtime"), ("timezone", "Factory"), ("country", "XX")):
        setattr(prospect, field, value)
        with pytest.raises(ValidationError) as raised:
            prospect.full_clean()
        assert field in raised.value.message_dict
        prospect.refresh_from_db()
    prospect.name = "Acme\nFreight"
    with pytest.raises(ValidationError):
        prospect.full_clean()


@pytest.mark.parametrize("phone", ["abc", "12", "555-CALL-NOW", "+1 555"])
def test_the_contact_form_and_the_import_refuse_the_same_phones(client, alice, prospect, phone):
    client.force_login(alice)

    response = client.post(reverse("contact_add", args=[prospect.pk]), {"name": "Ann", "role": "other", "phone": phone})
    preview = import_preview_build(user=alice, text=f"Company,Contact,Phone\nNew Co,Ann,{phone}\n")

    assert "is not a phone number" in response.content.decode()
    assert not Contact.objects.filter(name="Ann").exists()
    assert any("is not a phone number" in e for e in preview.rows[0].errors)


def test_the_import_preview_does_not_name_a_teammates_prospect(alice, bob):
    secret = ProspectFactory(owner=bob, name="Bobs Secret Account")
    ContactFactory(prospect=secret, email="ceo@secret.example")

    preview = import_preview_build(
        user=alice, text="Company,Contact,Email\nNew Co,Ceo,ceo@secret.example\nBobs Secret Account,X,x@y.example\n"
    )

    by_email, by_name = (row.duplicate for row in preview.rows)
    assert by_email == "“ceo@secret.example” is already a contact of a teammate's prospect."
    # The company row names only what the file itself says.
    assert by_name == "“Bobs Secret Account” is already in Pursuit as a teammate's prospect (same company name)."


def test_a_cadence_below_five_minimum_attempts_is_refused_with_the_reason(team):
    cadence = Cadence(team=team, name="Quick", min_touches=3, max_touches=8)

    with pytest.raises(ValidationError) as raised:
        cadence.full_clean()

    assert "between the 5th and the 10th" in raised.value.message_dict["min_touches"][0]


def test_a_next_step_in_their_time_is_the_same_instant_from_my_day_and_the_prospect_page(client, alice, team):
    CadenceFactory(team=team, name="Default", is_default=True) if not Cadence.objects.filter(
        team=team
    ).exists() else None
    prospect = ProspectFactory(owner=alice, timezone="America/New_York")
    contact = ContactFactory(prospect=prospect, timezone="Asia/Kolkata", phone="+91 22 5550 0101")
    enrollment = enrollment_create(prospect=prospect, now=NOW)
    enrollments_plan(enrollment_ids=[enrollment.pk], now=NOW)
    follow_up = FollowUp.objects.get(enrollment=enrollment, status="planned")
    client.force_login(alice)
    typed = "2026-03-05T10:00"
    expected = dt.datetime(2026, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))

    client.post(
        reverse("touch_new", args=[prospect.pk]),
        {
            "contact": contact.pk,
            "channel": "call",
            "outcome": "connected",
            "kind": "regular",
            "theme": "none",
            "occurred_at": "2026-03-03T09:00",
            "next_step_what": "Pricing call",
            "next_step_when": typed,
        },
    )
    from_prospect_page = Enrollment.objects.get(pk=enrollment.pk).next_step_due_at
    Prospect.objects.filter(pk=prospect.pk).update(status="active")
    # A new round, so the conversation just logged is not what the planner answers next.
    Enrollment.objects.filter(pk=enrollment.pk).update(
        next_step_due_at=None, next_step="", status="active", counts_from=NOW
    )
    enrollments_plan(enrollment_ids=[enrollment.pk], now=NOW)
    follow_up = FollowUp.objects.filter(enrollment=enrollment, status="planned").first() or follow_up
    client.post(
        reverse("follow_up_log", args=[follow_up.pk]),
        {"outcome": "connected", "next_step_what": "Pricing call", "next_step_when": typed},
    )
    from_my_day = Enrollment.objects.get(pk=enrollment.pk).next_step_due_at

    assert from_prospect_page == expected
    assert from_my_day == expected
