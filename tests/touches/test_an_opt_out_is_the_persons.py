"""An opt-out is the person's, whichever way it is logged (a form, the API, a sync client's batch, the email sensor):
the company stops only when nobody else at it can be reached."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from cadence.services import touches_bulk_sync
from crm.models import Prospect
from tests.factories import ContactFactory, ProspectFactory, touch_logged
from touches.data import TouchData
from touches.models import Channel, Outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(alice):
    prospect = ProspectFactory(owner=alice, status=Prospect.Status.ACTIVE)
    return prospect, ContactFactory(prospect=prospect), ContactFactory(prospect=prospect)


def test_one_of_two_contacts_opting_out_from_a_form_leaves_the_company_open(alice, company):
    prospect, dana, lee = company

    touch_logged(rep=alice, now=timezone.now(), prospect=prospect, contact=dana, channel=Channel.CALL,
                 outcome=Outcome.OPTED_OUT, occurred_at=timezone.now())  # fmt: skip

    prospect.refresh_from_db()
    dana.refresh_from_db()
    assert dana.do_not_contact and prospect.status == Prospect.Status.ACTIVE


def test_both_contacts_opting_out_in_one_batch_closes_the_company(alice, company):
    prospect, dana, lee = company
    now = timezone.now()
    items = [
        TouchData(
            id=uuid.uuid4(),
            prospect=prospect,
            contact=person,
            channel=Channel.EMAIL,
            outcome=Outcome.OPTED_OUT,
            occurred_at=now,
        )  # fmt: skip
        for person in (dana, lee)
    ]

    report = touches_bulk_sync(rep=alice, items=items, now=now)

    prospect.refresh_from_db()
    assert report.committed and prospect.status == Prospect.Status.DO_NOT_CONTACT


def test_the_last_reachable_contact_opting_out_closes_the_company(alice, company):
    prospect, dana, lee = company
    lee.left_company = True
    lee.save()

    touch_logged(rep=alice, now=timezone.now(), prospect=prospect, contact=dana, channel=Channel.CALL,
                 outcome=Outcome.OPTED_OUT, occurred_at=timezone.now())  # fmt: skip

    prospect.refresh_from_db()
    assert prospect.status == Prospect.Status.DO_NOT_CONTACT
