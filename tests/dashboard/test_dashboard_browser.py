"""The dashboard in real Chromium: the demo manager sees stalled leads and the charts, and reassigns a lead.

Screenshots land in artifacts/screenshots/dashboard_*.png. Without Debian's chromium the test skips, except
with CI=true, where it fails.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cadence.models import Enrollment, FollowUp, LeadEvent
from crm.models import Prospect, User
from demo.seed import DEMO_PASSWORD, demo_data_seed


@pytest.fixture
def demo_team(working_day, transactional_db, eager_celery) -> dict[str, Prospect]:
    """The demo team, with Alex fallen behind on his three biggest open leads (overdue by 2 to 4 days) and one
    of them snoozed again and again."""
    now = timezone.now()
    demo_data_seed(now=now)
    alex = User.objects.get(username="alex")
    behind = list(
        Enrollment.objects.filter(owner=alex, status__in=Enrollment.OPEN_STATUSES, follow_ups__status="planned")
        .select_related("prospect")
        .order_by("-prospect__estimated_value", "pk")[:3]
    )
    assert len(behind) == 3
    for days, enrollment in enumerate(behind, start=2):
        due = now - dt.timedelta(days=days)
        FollowUp.objects.filter(enrollment=enrollment, status="planned").update(
            due_start=due, due_end=due + dt.timedelta(hours=1), overdue_since=due + dt.timedelta(hours=1)
        )
    Enrollment.objects.filter(pk=behind[0].pk).update(snooze_count=4)
    return {"overdue": [e.prospect for e in behind]}


def test_the_demo_manager_sees_stalled_leads_and_charts_and_reassigns_a_lead(browser, shot, live_server, demo_team):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", name="Stalled leads").wait_for()
    overdue = demo_team["overdue"]
    for prospect in overdue:
        row = page.locator(f"#lead-{prospect.pk}")
        row.wait_for()
        assert "Follow-up overdue" in row.inner_text()
    assert "Snoozed 4 times" in page.locator(f"#lead-{overdue[0].pk}").inner_text()
    shot(page, "dashboard_stalled")

    for chart in ("attempts", "persistence"):
        drawn = page.evaluate(f"() => !!Chart.getChart(document.querySelector('canvas[data-chart={chart}]'))")
        assert drawn, f"the {chart} chart was not drawn"
    assert page.locator("table.heatmap td").count() > 10
    page.get_by_role("heading", name="Persistence pays").scroll_into_view_if_needed()
    shot(page, "dashboard_charts")
    shot(page, "dashboard_full", full_page=True)

    target = overdue[1]
    page.locator(f"#pick-{target.pk}").check()
    page.get_by_label("Action").select_option("reassign")
    sam = User.objects.get(username="sam")
    page.get_by_label("Reassign to").select_option(str(sam.pk))
    page.get_by_label("Note for the history").fill("Alex is behind; Sam has room")
    page.get_by_role("button", name="Apply to selected").click()
    notice = page.locator("#stalled .notice")
    notice.wait_for()
    assert f"{target.name} to Sam Whitfield" in notice.inner_text()
    assert page.url.startswith(f"{live_server.url}/dashboard/")  # swapped in place
    shot(page, "dashboard_after_reassign")

    target.refresh_from_db()
    assert target.owner == sam
    event = LeadEvent.objects.get(prospect=target, kind=LeadEvent.Kind.REASSIGNED)
    assert event.actor.username == "maria" and "Sam has room" in event.detail
    assert Enrollment.objects.filter(prospect=target, owner=sam, status__in=Enrollment.OPEN_STATUSES).exists()

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{live_server.url}/dashboard/")
    phone.get_by_role("heading", name="Stalled leads").wait_for()
    shot(phone, "dashboard_phone")
    phone.locator(f"#lead-{overdue[0].pk}").scroll_into_view_if_needed()
    shot(phone, "dashboard_phone_stalled")
    phone.locator(".rep-table").scroll_into_view_if_needed()
    shot(phone, "dashboard_phone_results")
    assert errors == []
