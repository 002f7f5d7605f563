""" "Opted out" and "not interested" are final: no reassign, bulk action, re-enrolment, recycle or API edit brings
the lead back. Lifting a do-not-contact is a manager's own action, with a reason, in the lead's history."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cadence.models import Enrollment, FollowUp, LeadEvent
from cadence.scheduler import prospects_recycle
from cadence.services import enrollment_create, prospect_do_not_contact_lift, prospect_reopen
from crm.models import Contact, Prospect
from tests.dashboard.conftest import lead
from tests.factories import ContactFactory, touch_logged

pytestmark = pytest.mark.django_db


def said_on_a_call(contact, outcome, *, rep, now):
    """The contact said it on a call the rep logged now."""
    return touch_logged(
        rep=rep, prospect=contact.prospect, contact=contact, channel="call", outcome=outcome, occurred_at=now, now=now
    )


ACTION = reverse("dashboard_action")


@pytest.fixture
def opted_out(alice, now, eager_celery, django_capture_on_commit_callbacks):
    """A lead every contact of which opted out (one person's opt-out is theirs: the company stops with the last)."""
    enrollment = lead(alice, now=now)
    ContactFactory(prospect=enrollment.prospect, phone="+1 212 555 0101")
    with django_capture_on_commit_callbacks(execute=True):
        for contact in Contact.objects.filter(prospect=enrollment.prospect):
            said_on_a_call(contact, "opted_out", rep=alice, now=now)
    enrollment.prospect.refresh_from_db()
    assert enrollment.prospect.status == Prospect.Status.DO_NOT_CONTACT
    return enrollment.prospect


def test_a_managers_dashboard_reassign_of_an_opted_out_lead_changes_nothing(client, maria, bob, opted_out):
    client.force_login(maria)
    enrollments_before = Enrollment.objects.filter(prospect=opted_out).count()

    response = client.post(
        ACTION,
        {"action": "reassign", "leads": [opted_out.pk], "to": bob.pk, "submission": str(uuid.uuid4())},
        follow=True,
    )

    opted_out.refresh_from_db()
    assert opted_out.status == Prospect.Status.DO_NOT_CONTACT
    assert opted_out.owner.username == "alice"
    assert Enrollment.objects.filter(prospect=opted_out).count() == enrollments_before
    assert not Enrollment.objects.filter(prospect=opted_out, status__in=Enrollment.OPEN_STATUSES).exists()
    assert not FollowUp.objects.filter(prospect=opted_out, status=FollowUp.Status.PLANNED).exists()
    assert "Nothing was changed" in response.content.decode()


def test_an_opted_out_lead_cannot_be_enrolled_again_in_the_web_or_the_api(client, alice, opted_out):
    with pytest.raises(ValidationError):
        enrollment_create(prospect=opted_out, now=dt.datetime.now(dt.UTC))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")

    response = api.post("/api/v1/enrollments/", {"prospect": opted_out.pk}, format="json")

    assert response.status_code == 409
    assert not Enrollment.objects.filter(prospect=opted_out, status__in=Enrollment.OPEN_STATUSES).exists()


def test_a_sync_client_cannot_edit_a_do_not_contact_away(alice, opted_out):
    contact = Contact.objects.filter(prospect=opted_out, do_not_contact=True).first()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")

    response = api.patch(f"/api/v1/contacts/{contact.pk}/", {"do_not_contact": False}, format="json")

    assert response.status_code == 400
    assert "do_not_contact" in response.json()["fields"]
    contact.refresh_from_db()
    assert contact.do_not_contact


def test_a_not_interested_lead_is_not_recycled(alice, now, eager_celery, django_capture_on_commit_callbacks):
    enrollment = lead(alice, now=now)
    contact = ContactFactory(prospect=enrollment.prospect, phone="+1 212 555 0101")
    with django_capture_on_commit_callbacks(execute=True):
        said_on_a_call(contact, "not_interested", rep=alice, now=now)
    Prospect.objects.filter(pk=enrollment.prospect_id).update(recycle_on=now.date())

    assert prospects_recycle(now=now + dt.timedelta(days=1)) == 0
    assert not Enrollment.objects.filter(prospect_id=enrollment.prospect_id, status="active").exists()


def test_only_a_manager_of_the_team_lifts_a_do_not_contact_and_it_is_recorded(alice, maria, otto, opted_out, now):
    with pytest.raises(PermissionDenied):
        prospect_do_not_contact_lift(prospect=opted_out, actor=alice, reason="She called back", now=now)
    with pytest.raises(PermissionDenied):
        prospect_do_not_contact_lift(prospect=opted_out, actor=otto, reason="She called back", now=now)
    with pytest.raises(ValidationError):
        prospect_do_not_contact_lift(prospect=opted_out, actor=maria, reason=" ", now=now)

    prospect_do_not_contact_lift(
        prospect=opted_out, actor=maria, reason="She called back and asked for a quote", now=now
    )

    opted_out.refresh_from_db()
    assert opted_out.status == Prospect.Status.ACTIVE
    assert not Contact.objects.filter(prospect=opted_out, do_not_contact=True).exists()
    event = LeadEvent.objects.get(prospect=opted_out, kind=LeadEvent.Kind.DO_NOT_CONTACT_LIFTED)
    assert event.actor == maria and "asked for a quote" in event.detail
    assert not Enrollment.objects.filter(prospect=opted_out, status__in=Enrollment.OPEN_STATUSES).exists()


def test_a_lost_prospect_is_reopened_with_a_reason(alice, now):
    enrollment = lead(alice, now=now)
    Prospect.objects.filter(pk=enrollment.prospect_id).update(status=Prospect.Status.LOST)
    prospect = Prospect.objects.get(pk=enrollment.prospect_id)

    prospect_reopen(prospect=prospect, actor=alice, reason="New budget in Q3", now=now)

    prospect.refresh_from_db()
    assert prospect.status == Prospect.Status.ACTIVE
    assert LeadEvent.objects.get(prospect=prospect, kind=LeadEvent.Kind.REOPENED).detail == "New budget in Q3"
