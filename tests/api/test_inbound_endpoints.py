"""A website's form and a form tool's webhook post inbound leads: routed, due now, and what is spam, abuse or from
another site refused with a reason and nothing stored."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from standardwebhooks import Webhook

from cadence.models import Enrollment, FollowUp, InboundLead
from crm.inbound_keys import webhook_secret
from crm.models import Prospect, Team, User
from crm.services import team_inbound_key_new, team_inbound_set
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

SITE = "https://www.globex-freight.example"


@pytest.fixture
def team_with_key(team, alice, bob, cadence, eager_celery):
    for rep in (alice, bob):
        rep.email = f"{rep.username}@freight-east.example"
        rep.save()
    team_inbound_key_new(team=team)
    team_inbound_set(
        team=team,
        origins=[SITE],
        sla_minutes=15,
        workday_start=dt.time(0),
        workday_end=dt.time(23, 59),
        route_to_account_owner=True,
        rep_capacity=None,
    )
    cache.clear()
    return team


def _url(team: Team, hook: bool = False) -> str:
    return f"/in/{team.inbound_key}/" + ("hook/" if hook else "")


FORM = {
    "company": "Initech Logistics",
    "name": "Peter Gibbons",
    "email": "peter@initech.example",
    "phone": "+1 212 555 0199",
    "country": "United States",
    "region": "NY",
    "message": "We ship 40 containers a month out of Newark.",
}


def test_a_browser_form_from_the_teams_site_makes_a_lead_due_now_and_lands_on_the_sites_thank_you_page(
    team_with_key, django_capture_on_commit_callbacks
):
    client = Client(HTTP_ORIGIN=SITE, HTTP_ACCEPT="text/html")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(team_with_key), {**FORM, "redirect": f"{SITE}/thanks"})

    assert response.status_code == 303 and response["Location"] == f"{SITE}/thanks"
    assert response["Access-Control-Allow-Origin"] == SITE
    lead = InboundLead.objects.get()
    assert lead.via == "form" and lead.message == FORM["message"]
    prospect = lead.prospect
    assert prospect.source == Prospect.Source.INBOUND and prospect.country == "US"
    contact = prospect.contacts.get()
    assert (contact.name, contact.email, contact.phone) == ("Peter Gibbons", "peter@initech.example", "+1 212-555-0199")
    follow_up = FollowUp.objects.get(prospect=prospect, status="planned")
    assert follow_up.is_inbound and follow_up.due_start <= timezone.now() + dt.timedelta(hours=14)


def test_a_script_gets_json_and_cors_answers_the_preflight(team_with_key):
    client = Client(HTTP_ORIGIN=SITE)
    preflight = client.options(_url(team_with_key), HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    response = client.post(_url(team_with_key), json.dumps(FORM), content_type="application/json")

    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == SITE
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert response.status_code == 201 and response.json()["ok"] is True


def test_another_sites_page_is_refused(team_with_key):
    response = Client(HTTP_ORIGIN="https://evil.example").post(_url(team_with_key), FORM)

    assert response.status_code == 403
    assert InboundLead.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"_honeypot": "http://cheap-pills.example"}, None),
        ({"email": "someone@mailinator.com"}, "email"),
        ({"company": "Buy now at https://spam.example"}, "company"),
        ({"message": " ".join(f"https://x{n}.example" for n in range(5))}, "message"),
        ({"email": "", "phone": ""}, "email"),
        ({"company": "", "name": ""}, "company"),
        ({"phone": "not a phone"}, "phone"),
        ({"country": "Atlantis"}, "country"),
        ({"company": "x" * 300}, "company"),
    ],
)
def test_spam_and_bad_input_are_refused_with_a_reason_and_nothing_is_stored(team_with_key, changes, field):
    response = Client().post(_url(team_with_key), json.dumps({**FORM, **changes}), content_type="application/json")

    assert response.status_code in (400, 422)
    body = response.json()
    if field is None:
        assert body["error"] == "spam"
    else:
        assert field in body["fields"]
    assert Prospect.objects.count() == 0 and InboundLead.objects.count() == 0


def test_a_flood_from_one_address_is_slowed_down(team_with_key):
    client = Client()
    answers = [
        client.post(_url(team_with_key), json.dumps({**FORM, "company": f"Co {n}"}), content_type="application/json")
        for n in range(12)
    ]

    assert [a.status_code for a in answers].count(201) == 10
    assert answers[-1].status_code == 429 and answers[-1]["Retry-After"] == "600"


def test_an_unknown_or_replaced_key_is_not_found(team_with_key):
    old = team_with_key.inbound_key
    team_inbound_key_new(team=team_with_key)

    assert Client().post(f"/in/{old}/", FORM).status_code == 404
    assert Client().post("/in/in_nothing/", FORM).status_code == 404


def _signed(team: Team, body: dict, msg_id: str | None = None, secret: str | None = None) -> tuple[bytes, dict]:
    payload = json.dumps(body).encode()
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    now = dt.datetime.now(dt.UTC)
    signature = Webhook(secret or webhook_secret(team=team)).sign(msg_id, now, payload)
    headers = {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(now.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": signature,
    }
    return payload, headers


def test_a_signed_webhook_makes_one_lead_however_often_it_is_delivered(team_with_key):
    payload, headers = _signed(team_with_key, FORM, msg_id="msg_typeform_1")
    client = Client()

    first = client.post(_url(team_with_key, hook=True), payload, content_type="application/json", **headers)
    again = client.post(_url(team_with_key, hook=True), payload, content_type="application/json", **headers)

    assert first.status_code == 200 and again.status_code == 200
    assert first.json()["lead"] == again.json()["lead"]
    assert InboundLead.objects.get().via == "webhook"


def test_a_webhook_signed_with_another_secret_or_tampered_is_refused(team_with_key):
    other = "whsec_" + "A" * 43 + "="
    payload, headers = _signed(team_with_key, FORM, secret=other)
    wrong = Client().post(_url(team_with_key, hook=True), payload, content_type="application/json", **headers)
    payload, headers = _signed(team_with_key, FORM)
    tampered = Client().post(
        _url(team_with_key, hook=True),
        payload.replace(b"Initech", b"Evil Co"),
        content_type="application/json",
        **headers,
    )

    assert wrong.status_code == 401 and tampered.status_code == 401
    assert InboundLead.objects.count() == 0


def test_the_api_takes_an_inbound_lead_and_routes_it_when_no_owner_is_named(team_with_key, api, alice, bob):
    response = api.post(
        "/api/v1/prospects/",
        {"name": "Umbrella Freight", "source": "inbound", "country": "US", "region": "CA"},
        format="json",
    )

    assert response.status_code == 201, response.content
    lead = InboundLead.objects.get()
    assert lead.via == "api" and lead.placed_by.startswith("Round robin")
    assert response.json()["owner"] in (alice.pk, bob.pk)


def test_after_an_import_spent_the_days_budget_a_lead_from_the_form_and_one_from_the_api_are_due_now(
    working_day, team_with_key, api, alice, bob, django_capture_on_commit_callbacks
):
    from cadence.services.imports import leads_import_confirm
    from crm.imports import import_preview_build

    Team.objects.filter(pk=team_with_key.pk).update(daily_new_leads=5)
    for rep in (alice, bob):
        text = "Company,Contact,Email,Country\n" + "".join(
            f"{rep} Lead {n},Contact {n},c{n}@{rep}-lead{n}.example,US\n" for n in range(30)
        )
        leads_import_confirm(
            user=rep, text=text, now=timezone.now(), expected_digest=import_preview_build(user=rep, text=text).digest
        )
    # The import is spread over the coming days: the day's budget is spent.
    assert Enrollment.objects.filter(started_at__gt=timezone.now() + dt.timedelta(days=3)).exists()

    with django_capture_on_commit_callbacks(execute=True):
        by_form = Client(HTTP_ORIGIN=SITE).post(_url(team_with_key), json.dumps(FORM), content_type="application/json")
        by_api = api.post(
            "/api/v1/prospects/",
            {"name": "Umbrella Freight", "source": "inbound", "country": "US", "timezone": "America/New_York"},
            format="json",
        )
        assert by_api.status_code == 201, by_api.content
        owner_api = client_for(User.objects.get(pk=by_api.json()["owner"]))  # routed: theirs to add a contact to
        contact = owner_api.post(
            "/api/v1/contacts/",
            {"prospect": by_api.json()["id"], "name": "Ursula", "phone": "+1 212 555 0142"},
            format="json",
        )

    assert by_form.status_code == 201 and by_api.status_code == 201 and contact.status_code == 201
    assert InboundLead.objects.count() == 2
    for lead in InboundLead.objects.all():
        follow_up = FollowUp.objects.get(prospect=lead.prospect, status="planned")
        # A working morning in New York: due now, never paced behind the import.
        assert follow_up.is_inbound and follow_up.due_start <= timezone.now()
        assert "new inbound" in follow_up.reason
        assert "new leads are spread" not in follow_up.reason
