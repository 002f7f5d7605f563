"""The browser tests' cast: the demo team (Alex's leads enrolled and planned), and one lead whose contact is at
midday now, so a call is due and its voicemail can follow at once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cadence.models import Enrollment
from cadence.services import enrollment_create
from crm.models import Prospect, User
from demo.seed import demo_data_seed


@pytest.fixture
def demo_rep(working_day, transactional_db, eager_celery) -> User:
    """The demo team, with Alex's active prospects enrolled and their first attempts planned inline."""
    now = timezone.now()
    demo_data_seed(now=now)
    alex = User.objects.get(username="alex")
    for prospect in Prospect.objects.filter(owner=alex, status=Prospect.Status.ACTIVE):
        if not Enrollment.objects.filter(prospect=prospect, status__in=Enrollment.OPEN_STATUSES).exists():
            enrollment_create(prospect=prospect, now=now)
    return alex


@pytest.fixture
def lead_at_midday(demo_rep) -> Prospect:
    """A lead of Alex's whose contact is at midday now, so a call is due and a voicemail can follow at once."""
    from cadence.services import enrollments_plan
    from tests.factories import ContactFactory, ProspectFactory, zone_in_working_hours

    now = timezone.now()
    prospect = ProspectFactory(
        team=demo_rep.team, owner=demo_rep, name="Daylight Freight", timezone=zone_in_working_hours()
    )
    ContactFactory(prospect=prospect, name="Dee Light", phone="+1 212 555 0199", timezone="")
    enrollment = enrollment_create(prospect=prospect, now=now)
    enrollments_plan(enrollment_ids=[enrollment.pk], now=now)
    return prospect
