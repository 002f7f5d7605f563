"""Webhooks in real Chromium, as the demo manager: add the team's receiver, see an event arrive signed, then replay
a delivery the receiver refused while it was down. The receiver is a real HTTP server verifying signatures.

Screenshots land in artifacts/screenshots/ (webhooks_*.png)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crm.models import Team, User
from demo.seed import demo_data_seed
from tests.browser.helpers import log_in
from tests.factories import ProspectFactory
from tests.webhooks import receiver as receivers
from webhooks.models import Delivery, Endpoint
from webhooks.services import deliveries_send


@pytest.fixture
def demo_manager(working_day, transactional_db, eager_celery) -> User:
    demo_data_seed(now=timezone.now())
    return User.objects.get(username="maria")


@pytest.fixture
def receiver():
    made = receivers.start(secrets=[])
    yield made
    receivers.stop(made)


def test_a_manager_adds_a_receiver_and_replays_what_it_refused_while_down(
    browser, shot, live_server, demo_manager, receiver
):
    team = Team.objects.get(pk=demo_manager.team_id)
    alex = User.objects.get(username="alex")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server.url, "maria")
    page.goto(f"{live_server.url}/dashboard/teams/{team.pk}/webhooks/")

    page.get_by_role("textbox", name="URL").fill(receiver.url)
    page.get_by_label("What it is").fill("Our CRM of record, through n8n")
    page.get_by_label("A lead was created").check()
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_text("added: it hears events from now on").wait_for()
    secret = page.locator("code.secret").inner_text()
    assert secret.startswith("whsec_")
    receiver.secrets.append(secret)

    receiver.down = True
    ProspectFactory(owner=alex, team=team, name="Webhook Freight")
    deliveries_send(now=timezone.now())
    page.reload()
    row = page.locator(".delivery-log tbody tr").first
    assert "lead.created" in row.inner_text() and "HTTP 503" in row.inner_text()
    assert "Failing since" in page.locator(".endpoint").inner_text()
    shot(page, "webhooks_failing")

    receiver.down = False
    row.get_by_role("button", name="Replay").click()
    page.get_by_text("queued again").wait_for()
    deliveries_send(now=timezone.now())
    page.reload()
    assert "Delivered" in page.locator(".delivery-log tbody tr").first.inner_text()
    delivery = Delivery.objects.get()
    assert receiver.ids() == [delivery.msg_id, delivery.msg_id] and all(r.verified for r in receiver.received)
    assert receiver.received[-1].data["prospect"]["name"] == "Webhook Freight"
    shot(page, "webhooks_delivered")


def test_another_teams_webhook_is_not_found(client, demo_manager, carol):
    endpoint = Endpoint.objects.create(team=carol.team, url="https://example.com/x", secret_salt="s")
    client.force_login(demo_manager)

    response = client.post(f"/dashboard/teams/{carol.team_id}/webhooks/{endpoint.pk}/remove/")

    assert response.status_code == 404
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()
