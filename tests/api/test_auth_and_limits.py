from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.services import api_token_rotate
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_without_credentials_the_api_answers_401_in_the_error_shape():
    response = APIClient().get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_token_identifies_the_user(api, alice):
    assert api.get("/api/v1/me/").json()["username"] == "alice"


def test_the_browser_session_works_too(alice):
    client = APIClient()
    client.force_login(alice)

    assert client.get("/api/v1/me/").json()["username"] == "alice"


def test_drf_create_token_works(alice, capsys):
    call_command("drf_create_token", "alice")

    assert Token.objects.get(user=alice).key in capsys.readouterr().out


def test_rotating_the_token_retires_the_old_one(api, alice):
    old = Token.objects.get(user=alice).key

    response = api.post("/api/v1/me/token/rotate/")

    new = response.json()["token"]
    assert response.status_code == 200
    assert new != old
    assert api.get("/api/v1/me/").status_code == 401
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert fresh.get("/api/v1/me/").status_code == 200


def test_the_rotate_service_creates_a_first_token(bob):
    assert api_token_rotate(user=bob).user == bob


def test_too_many_requests_are_429_with_retry_after(api, alice, carol_api, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "3/min"}}

    codes = [api.get("/api/v1/me/").status_code for _ in range(4)]
    other = carol_api.get("/api/v1/me/")

    assert codes == [200, 200, 200, 429]
    limited = api.get("/api/v1/me/")
    assert limited.json()["code"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    assert other.status_code == 200  # the budget is per token


def test_unknown_methods_are_405_in_the_error_shape(api):
    response = api.delete("/api/v1/prospects/")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_the_schema_and_the_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/touches/bulk/" in paths
    assert set(paths["/api/v1/touches/"]["post"]["responses"]) >= {"200", "201", "400", "409", "413", "422", "429"}
    assert "410" in paths["/api/v1/touches/changes/"]["get"]["responses"]
    assert "412" in paths["/api/v1/prospects/{id}/"]["patch"]["responses"]
    html = docs.content.decode()
    assert docs.status_code == 200
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_cadences_enrollments_and_follow_ups_are_scoped(
    api, alice, carol_api, prospect, cadence, django_capture_on_commit_callbacks
):
    from tests.factories import ContactFactory

    ContactFactory(prospect=prospect)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/enrollments/", {"prospect": prospect.pk}, format="json")

    assert created.status_code == 201, created.json()
    enrollment_id = created.json()["id"]
    assert api.get("/api/v1/cadences/").json()["count"] == 1
    assert api.get(f"/api/v1/cadences/{cadence.pk}/").status_code == 200
    assert carol_api.get(f"/api/v1/cadences/{cadence.pk}/").status_code == 404
    assert api.get(f"/api/v1/enrollments/{enrollment_id}/").status_code == 200
    assert carol_api.get(f"/api/v1/enrollments/{enrollment_id}/").status_code == 404
    queue = api.get("/api/v1/follow-ups/").json()
    assert queue["count"] == 1
    follow_up_id = queue["results"][0]["id"]
    assert carol_api.get(f"/api/v1/follow-ups/{follow_up_id}/").status_code == 404
    assert api.get("/api/v1/follow-ups/", {"due_before": "2000-01-01T00:00:00Z"}).json()["count"] == 0
    assert api.get("/api/v1/follow-ups/", {"due_before": "2000-01-01T00:00:00"}).status_code == 400
    again = api.post("/api/v1/enrollments/", {"prospect": prospect.pk}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "not_enrollable"
    assert carol_api.post("/api/v1/enrollments/", {"prospect": prospect.pk}, format="json").status_code == 400


def test_client_for_gives_each_user_their_own_token(alice, bob):
    client_for(alice)
    client_for(bob)

    assert Token.objects.count() == 2
