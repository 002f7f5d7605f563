"""New leads are paced: a rep starts the team's daily budget of them a working day, however they arrive (an import,
the API, a form), so a big list plans its first attempts over the coming weeks and crowds nobody's day."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import icalendar
import pytest

from cadence.models import Enrollment, FollowUp
from cadence.scheduler import scheduler_sweep
from cadence.services import lead_create
from cadence.services.imports import leads_import_confirm
from cadence.services.pacing import first_attempt_days
from crm.imports import import_preview_build
from crm.models import Team
from dashboard import stalled
from dashboard.stalled import StalledFilters
from tests.cadence.helpers import MONDAY_MORNING
from tests.factories import ManagerFactory
from workspace.calendar_feed import calendar_build
from workspace.day import my_day_build

pytestmark = pytest.mark.django_db


def _csv(count: int) -> str:
    rows = "".join(f"Lead {n} Freight,Contact {n},c{n}@lead{n}.example,US\n" for n in range(count))
    return "Company,Contact,Email,Country\n" + rows


def test_first_attempt_days_fill_each_working_day_up_to_the_budget(alice, team):
    Team.objects.filter(pk=team.pk).update(daily_new_leads=3)
    team.refresh_from_db()

    days = first_attempt_days(owner=alice, team=team, count=8, start=dt.date(2026, 3, 6))  # a Friday

    assert days == [dt.date(2026, 3, 6)] * 3 + [dt.date(2026, 3, 9)] * 3 + [dt.date(2026, 3, 10)] * 2


def test_an_import_of_100_leads_plans_30_first_calls_a_working_day_and_nothing_is_overdue_or_stalled(
    alice, team, cadence
):
    alice.timezone = "America/New_York"
    alice.save()
    maria = ManagerFactory(username="maria", team=team)
    text = _csv(100)
    preview = import_preview_build(user=alice, text=text)

    leads_import_confirm(user=alice, text=text, now=MONDAY_MORNING, expected_digest=preview.digest)
    scheduler_sweep(now=MONDAY_MORNING + dt.timedelta(minutes=1))

    firsts = FollowUp.objects.filter(prospect__owner=alice, status="planned", attempt=1, step=0)
    days = Counter(f.due_start.astimezone(ZoneInfo("America/New_York")).date() for f in firsts)
    assert firsts.count() == 100
    assert sorted(days.values(), reverse=True) == [30, 30, 30, 10]  # Mon, Tue, Wed, Thu
    assert max(days) == dt.date(2026, 3, 5)
    paced = next(f for f in firsts if f.due_start.astimezone(ZoneInfo("America/New_York")).date() > dt.date(2026, 3, 2))
    assert "new leads are spread over the coming days" in paced.reason
    later = MONDAY_MORNING + dt.timedelta(hours=12)
    scheduler_sweep(now=later)
    assert FollowUp.objects.filter(prospect__owner=alice, overdue_since__isnull=False).count() <= 30
    found = stalled.stalled_page(user=maria, now=later, filters=StalledFilters(), limit=None)
    assert found.total <= 30  # only today's, if the rep let them slip; not the 70 still waiting their turn
    groups = my_day_build(user=alice, now=MONDAY_MORNING + dt.timedelta(hours=2)).groups
    assert next(g for g in groups if g.key == "due-now").total <= 30
    feed = icalendar.Calendar.from_ical(calendar_build(user=alice, now=MONDAY_MORNING, base_url="https://x.example"))
    starts = Counter(event.decoded("dtstart") for event in feed.walk("VEVENT"))
    days_in_feed = Counter(start.astimezone(ZoneInfo("America/New_York")).date() for start in starts.elements())
    assert max(days_in_feed.values()) <= 30, "the calendar feed shows each first call on its own day"
    # A day's first calls share the cadence's first window (08:00-09:00 their time): at most the budget at once.
    assert max(starts.values()) <= 30


def test_leads_created_one_by_one_through_the_api_or_a_form_are_paced_too(alice, team, cadence):
    Team.objects.filter(pk=team.pk).update(daily_new_leads=2)
    alice.refresh_from_db()
    for n in range(3):
        lead_create(user=alice, now=MONDAY_MORNING, name=f"Walk-in {n}")

    starts = sorted(Enrollment.objects.filter(owner=alice).values_list("started_at", flat=True))
    assert starts[0] == starts[1] == MONDAY_MORNING
    assert starts[2].astimezone(ZoneInfo(alice.timezone)).date() == dt.date(2026, 3, 3)
