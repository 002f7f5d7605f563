"""Every HTML form that writes does so once: a double click, a resubmitted form or a browser retry carries the id
made when the form was rendered, and the second request finds the first one's write instead of making another."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cadence.models import Enrollment, FollowUp, LeadEvent
from cadence.services import enrollment_create, enrollments_plan
from crm.models import Contact
from tests.factories import ContactFactory
from tests.threads import together
from touches.models import Touch


@pytest.fixture
def planned(prospect, cadence) -> FollowUp:
    ContactFactory(prospect=prospect, name="Joe Buyer", phone="+1 212 555 0101")
    enrollment = enrollment_create(prospect=prospect, now=timezone.now())
    enrollments_plan(enrollment_ids=[enrollment.pk], now=timezone.now())
    return FollowUp.objects.get(enrollment=enrollment, status=FollowUp.Status.PLANNED)


def _at_once(user, url: str, data: dict, *, times: int = 2) -> list[int]:
    """POST the same form from `times` browsers at the same moment; their status codes."""
    barrier = threading.Barrier(times)
    codes: list[int] = []

    def post() -> None:
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            codes.append(client.post(url, data).status_code)
        finally:
            connection.close()

    together(post, times=times, timeout=30)
    return codes


def _form_id(html: str) -> str:
    found = re.search(r'name="submission" value="([0-9a-f-]{36})"', html)
    assert found, "the form carries its id"
    return found.group(1)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_a_my_day_outcome_leave_one_touch(alice, planned):
    client = Client()
    client.force_login(alice)
    form_id = _form_id(client.get(reverse("home")).content.decode())

    codes = _at_once(
        alice, reverse("follow_up_log", args=[planned.pk]), {"outcome": "no_answer", "submission": form_id}
    )

    assert codes == [302, 302]
    assert Touch.objects.count() == 1
    assert str(Touch.objects.get().pk) == form_id  # the form's id is the touch's, as the API's client ids are


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_the_touch_form_with_a_next_step_leave_one_touch_and_one_next_step(
    alice, prospect, planned
):
    contact = Contact.objects.get(prospect=prospect)
    url = reverse("touch_new", args=[prospect.pk])
    client = Client()
    client.force_login(alice)
    form_id = _form_id(client.get(url).content.decode())
    local = timezone.now().astimezone(dt.UTC)
    data = {
        "submission": form_id,
        "contact": contact.pk,
        "channel": "call",
        "outcome": "connected",
        "kind": "regular",
        "theme": "none",
        "occurred_at": local.strftime("%Y-%m-%dT%H:%M"),
        "next_step_what": "Send lane pricing",
        "next_step_when": (local + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
    }

    codes = _at_once(alice, url, data)

    assert sorted(codes) == [302, 302]
    assert Touch.objects.count() == 1
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.NEXT_STEP).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("times", [2, 3])
def test_a_snooze_sent_again_and_again_is_one_snooze(alice, planned, times):
    until = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("follow_up_snooze", args=[planned.pk])

    codes = _at_once(
        alice, url, {"until": until, "reason": "Out until tomorrow", "submission": str(uuid.uuid4())}, times=times
    )

    assert codes == [302] * times
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.SNOOZED).count() == 1
    assert Enrollment.objects.get(pk=planned.enrollment_id).snooze_count == 1


@pytest.mark.django_db(transaction=True)
def test_a_pause_and_a_give_up_resubmitted_write_once(alice, planned):
    client = Client()
    client.force_login(alice)
    enrollment = planned.enrollment
    pause = {
        "until": (timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "submission": str(uuid.uuid4()),
    }

    for _ in range(2):
        client.post(reverse("enrollment_pause", args=[enrollment.pk]), pause)

    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.PAUSED).count() == 1


@pytest.mark.django_db
def test_a_form_whose_write_failed_can_be_sent_again_with_its_id(client, alice, planned):
    client.force_login(alice)
    form_id = str(uuid.uuid4())
    url = reverse("follow_up_snooze", args=[planned.pk])

    refused = client.post(url, {"until": "1999-01-01T10:00", "reason": "typo", "submission": form_id})
    fixed = client.post(
        url,
        {"until": (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "submission": form_id},
    )

    assert refused.status_code == 200 and "Pick a date between" in refused.content.decode()
    assert fixed.status_code == 302
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.SNOOZED).count() == 1
