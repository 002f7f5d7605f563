"""Inbound leads in real Chromium: the manager makes the team's form address, lists the company's site, adds a
territory rule and previews it; a visitor fills the form on that site (another origin, served by its own HTTP server)
and lands on its thank-you page; the rep the rule names finds the lead at the top of My day, due now.

Screenshots land in artifacts/screenshots/ (inbound_*.png)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from cadence.models import FollowUp, InboundLead
from crm.models import Team, User
from demo.seed import demo_data_seed
from tests.browser.helpers import log_in


@pytest.fixture
def demo_manager(working_day, transactional_db, settings, eager_celery) -> User:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    demo_data_seed(now=timezone.now())
    return User.objects.get(username="maria")


@pytest.fixture
def company_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The company's own website: another origin than Pursuit's, served by a plain HTTP server."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()


def test_a_visitor_asks_for_a_demo_on_the_companys_site_and_the_territorys_rep_has_it_first_on_my_day(
    browser, shot, live_server, demo_manager, company_site, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    site, folder = company_site
    team = Team.objects.get(pk=demo_manager.team_id)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url, "maria")
    page.goto(f"{live_server.url}/dashboard/teams/{team.pk}/inbound/")
    page.get_by_role("button", name="Make the address").click()
    page.get_by_text("New address and secret made").wait_for()
    form_url = page.locator("#form-url").inner_text()
    assert form_url.endswith("/") and "/in/in_" in form_url

    page.get_by_label("Sites whose forms may post leads").fill(site)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Inbound settings saved.").wait_for()

    page.get_by_label("Name", exact=True).fill("DACH")
    page.get_by_label("Countries").fill("Germany, AT, Switzerland")
    page.get_by_label("Priya Raman").check()
    page.get_by_role("button", name="Add the rule").click()
    page.get_by_text("Rule “DACH” added at the end.").wait_for()
    assert "country AT or CH or DE → Priya Raman" in page.locator(".routing-rules").inner_text()

    page.get_by_label("Company", exact=True).fill("Brauerei Süd")
    page.locator("#preview-country").fill("Deutschland")
    page.get_by_role("button", name="Show").click()
    page.locator(".preview-result").wait_for()
    assert "It would go to Priya Raman: Rule 1, DACH" in page.locator("#preview").inner_text()
    shot(page, "inbound_setup", full_page=True)

    # The company's site: a plain HTML form, as the setup page's snippet shows.
    (folder / "demo.html").write_text(
        f"""<!doctype html><html><body><h1>Ask for a demo</h1>
        <form method="post" action="{form_url}">
          <label>Company <input name="company"></label>
          <label>Your name <input name="name"></label>
          <label>Work email <input name="email" type="email"></label>
          <label>Phone <input name="phone"></label>
          <label>Country <input name="country"></label>
          <label>What do you need? <textarea name="message"></textarea></label>
          <input name="_honeypot" tabindex="-1" autocomplete="off" hidden>
          <input type="hidden" name="redirect" value="{site}/thanks.html">
          <button>Ask for a demo</button>
        </form></body></html>""",
        encoding="utf-8",
    )
    (folder / "thanks.html").write_text("<!doctype html><h1>Thanks, we will call you</h1>", encoding="utf-8")
    visitor = browser.new_page(viewport={"width": 390, "height": 844})
    visitor.goto(f"{site}/demo.html")
    visitor.get_by_label("Company").fill("Brauerei Süd GmbH")
    visitor.get_by_label("Your name").fill("Anna Huber")
    visitor.get_by_label("Work email").fill("anna.huber@brauerei-sued.example")
    visitor.get_by_label("Phone").fill("+49 89 1234567")
    visitor.get_by_label("Country").fill("Germany")
    visitor.get_by_label("What do you need?").fill("Two reefer trucks a week to Vienna.")
    visitor.get_by_role("button", name="Ask for a demo").click()
    visitor.get_by_role("heading", name="Thanks, we will call you").wait_for()

    lead = InboundLead.objects.select_related("owner", "prospect").get()
    assert lead.owner.username == "priya" and lead.placed_by.startswith("Rule 1, DACH")
    assert lead.message == "Two reefer trucks a week to Vienna."
    assert [m.to for m in mail.outbox if m.subject.startswith("New inbound lead")] == [["priya@ridgeline.example"]]

    rep = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(rep, live_server.url, "priya")
    first_group = rep.locator(".day-group").first
    assert first_group.locator("h2").inner_text().startswith("New inbound: call within minutes")
    assert "Brauerei Süd GmbH" in first_group.inner_text()
    assert "new inbound: asked for us at" in first_group.inner_text()
    shot(rep, "inbound_my_day_phone")
    follow_up = FollowUp.objects.get(prospect=lead.prospect, status="planned")
    assert follow_up.is_inbound and follow_up.due_start <= timezone.now()


def test_a_browser_form_on_a_site_the_team_did_not_list_is_refused(browser, live_server, demo_manager, company_site):
    site, folder = company_site
    team = Team.objects.get(pk=demo_manager.team_id)
    from crm.services import team_inbound_key_new

    key = team_inbound_key_new(team=team)
    (folder / "form.html").write_text(
        f"""<!doctype html><form method="post" action="{live_server.url}/in/{key}/">
        <label>Company <input name="company"></label><label>Work email <input name="email"></label>
        <button>Send</button></form>""",
        encoding="utf-8",
    )
    page = browser.new_page()
    page.goto(f"{site}/form.html")
    page.get_by_label("Company").fill("Nobody Ltd")
    page.get_by_label("Work email").fill("a@nobody.example")
    with page.expect_response(lambda r: "/in/" in r.url) as answer:
        page.get_by_role("button", name="Send").click()

    assert answer.value.status == 403
    assert not InboundLead.objects.exists()


def test_a_rep_on_any_page_is_alerted_in_the_page_and_by_the_browser_until_the_lead_is_tried(
    browser, shot, live_server, demo_manager, settings
):
    from cadence.services.inbound import InboundFields, InboundPerson, inbound_lead_create
    from tests.factories import touch_logged
    from touches.models import Channel, Outcome

    settings.INBOUND_POLL_SECONDS = 1
    priya = User.objects.get(username="priya")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, permissions=["notifications"])
    page = context.new_page()
    log_in(page, live_server.url, "priya")
    page.goto(f"{live_server.url}/prospects/")
    alerts = page.locator("#inbound-alerts")
    assert not alerts.is_visible()

    team = Team.objects.get(pk=priya.team_id)
    lead = inbound_lead_create(
        team=team,
        via="form",
        fields=InboundFields(name="Live Alert GmbH", country="DE"),
        person=InboundPerson(name="Lena", email="lena@live-alert.example", phone="+49 30 1234567"),
        now=timezone.now(),
        owner=priya,
    )
    alerts.get_by_role("link", name="Live Alert GmbH").wait_for(timeout=10_000)
    assert "call by" in alerts.inner_text()
    assert page.evaluate("window.pursuitInboundNotified") == 1
    assert not alerts.get_by_role("button", name="Also alert me outside this tab").is_visible()  # already allowed
    shot(page, "inbound_alert_in_page")

    now = timezone.now()
    touch_logged(
        rep=priya, now=now, prospect=lead.prospect, channel=Channel.CALL, outcome=Outcome.NO_ANSWER, occurred_at=now
    )
    alerts.wait_for(state="hidden", timeout=10_000)
    assert page.evaluate("window.pursuitInboundNotified") == 1  # told once
    context.close()
