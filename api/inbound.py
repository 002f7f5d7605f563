"""Where inbound leads come in from outside: a website's form (`POST /in/<key>/`) and a form tool's signed webhook
(`POST /in/<key>/hook/`). Both are thin callers of `cadence.services.inbound_lead_create`.

The form endpoint takes what an HTML form or a script sends (urlencoded, multipart or JSON) and answers in kind:
JSON to a script, a redirect to a page of the team's own site when the form names one, else a short thank-you page.
What it refuses, it refuses with a reason and stores nothing:
- a form whose hidden `_honeypot` field was filled (people never see it; bots fill every field);
- an address at a disposable-mail domain, a name or company that holds a link, a message with many links;
- a browser page of a site the team has not listed (CORS, and the `Origin` of a plain form post);
- more than FORM_POSTS_PER_WINDOW posts from one address in a window (HTTP 429); a cache outage lets them through.
"""

from __future__ import annotations

import json
import logging
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from standardwebhooks import Webhook, WebhookVerificationError

from cadence.models import InboundLead
from cadence.services.inbound import InboundFields, InboundPerson, inbound_lead_create
from crm.import_values import country_parse, money_parse, phone_parse
from crm.inbound_keys import webhook_secrets
from crm.models import Team

logger = logging.getLogger(__name__)

FORM_POSTS_PER_WINDOW = 10
FORM_WINDOW_SECONDS = 600
MAX_BODY = 64 * 1024
HONEYPOT = "_honeypot"
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
MAX_LINKS_IN_MESSAGE = 3
# What a form may send, and how long each may be.
FIELDS = {
    "company": 200,
    "name": 200,
    "email": 254,
    "phone": 40,
    "title": 100,
    "country": 60,
    "region": 100,
    "city": 100,
    "language": 8,
    "value": 40,
    "website": 200,
    "message": 5000,
    "redirect": 500,
}


class Refused(Exception):
    def __init__(self, status: int, code: str, detail: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.fields = status, code, detail, fields or {}


def _team(key: str) -> Team | None:
    return Team.objects.filter(inbound_key=key).first() if key.startswith("in_") and len(key) <= 40 else None


def _origin_allowed(request: HttpRequest, team: Team) -> str | None:
    """The request's Origin when the team lists it, "" when there is none (a server posting), None when refused."""
    origin = request.headers.get("Origin", "")
    if not origin:
        return ""
    return origin if origin.rstrip("/").lower() in team.inbound_origins else None


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.content_type == "application/json" or ("application/json" in accept and "text/html" not in accept)


def _data(request: HttpRequest) -> dict[str, str]:
    if len(request.body) > MAX_BODY:
        raise Refused(413, "too_large", f"At most {MAX_BODY // 1024} KB.")
    if request.content_type == "application/json":
        try:
            raw: Any = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, "invalid_json", "The body is not JSON.") from None
        if not isinstance(raw, dict):
            raise Refused(400, "invalid_json", "Send one JSON object of fields.")
        return {str(k): "" if v is None else str(v) for k, v in raw.items()}
    if request.content_type == "application/x-www-form-urlencoded":
        return _urlencoded(request.body)
    return {key: request.POST.get(key, "") for key in request.POST}


def _urlencoded(body: bytes) -> dict[str, str]:
    """A form's fields. A browser encodes them in its page's charset: UTF-8 almost always, but a page that names
    none is read as windows-1252 and its "Süd" arrives as one byte. Such a body is not valid UTF-8; it is read as
    windows-1252 then (the HTML default), never turned into replacement characters."""
    text = body.decode("ascii", errors="replace")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="cp1252", errors="replace")
    return dict(pairs)


def _allowed(request: HttpRequest, team: Team) -> bool:
    address = request.META.get("REMOTE_ADDR", "")
    key = f"inbound-form:{team.pk}:{address}"
    try:
        cache.add(key, 0, timeout=FORM_WINDOW_SECONDS)
        return cache.incr(key) <= FORM_POSTS_PER_WINDOW
    except Exception:  # noqa: BLE001 - the cache is down: the lead comes in (refusing it would lose it)
        logger.warning("inbound form limit not checked: the cache is unavailable", exc_info=True)
        return True


def fields_read(data: dict[str, str], *, team: Team) -> tuple[InboundFields, InboundPerson]:
    """What a form sent, checked and read; Refused with every field's problem."""
    from disposable_email_domains import blocklist as disposable

    if data.get(HONEYPOT, "").strip():
        raise Refused(400, "spam", "Refused as spam: a field people never see was filled in.")
    problems: dict[str, str] = {}
    value = {key: str(data.get(key, "")).strip() for key in FIELDS}
    for key, limit in FIELDS.items():
        if len(value[key]) > limit:
            problems[key] = f"At most {limit} characters."
        elif key != "message" and ("\n" in value[key] or "\r" in value[key]):
            problems[key] = "One line only."
    for key in ("company", "name", "title", "city", "region"):
        if LINK.search(value[key]):
            problems[key] = "No links here."
    if len(LINK.findall(value["message"])) > MAX_LINKS_IN_MESSAGE:
        problems["message"] = f"At most {MAX_LINKS_IN_MESSAGE} links."
    email = value["email"].lower()
    if email and email.rpartition("@")[2] in disposable:
        problems["email"] = "Give an address you read: this one is at a disposable-mail service."
    country, why = country_parse(value["country"])
    if why:
        problems["country"] = why
    phone, why = phone_parse(value["phone"], country=country)
    if why:
        problems["phone"] = why
    amount = Decimal("0")
    if value["value"]:
        parsed, currency, why = money_parse(value["value"], team_currency=team.currency)
        rate = Decimal("1") if currency == team.currency else Decimal(str((team.exchange_rates or {}).get(currency, 0)))
        if why or parsed is None:
            problems["value"] = why or "Not an amount."
        elif not rate:
            problems["value"] = f"Give it in {team.currency}."
        else:
            amount = (parsed * rate).quantize(Decimal("0.01"))
    company = value["company"] or value["name"]
    if not company:
        problems["company"] = "Give your company's name (or yours)."
    if not (email or phone):
        problems["email"] = problems.get("email") or "Give an email address or a phone number, so we can answer."
    if problems:
        raise Refused(422, "invalid", "Some fields need another look.", problems)
    return (
        InboundFields(
            name=company,
            estimated_value=amount,
            country=country,
            region=value["region"],
            city=value["city"],
            language=value["language"].lower(),
            website=value["website"],
            message=value["message"],
        ),
        InboundPerson(name=value["name"], email=email, phone=phone, title=value["title"]),
    )


def _redirect_for(data: dict[str, str], team: Team) -> str:
    """The page of the team's own site the form asked to land on after posting, if it is one."""
    target = data.get("redirect", "").strip()
    parts = urlsplit(target)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    return target if parts.scheme in ("https", "http") and origin in team.inbound_origins else ""


@csrf_exempt  # posted by other sites' pages and scripts, with no session: the team's key and origins stand for it
@require_http_methods(["POST", "OPTIONS"])
def inbound_form(request: HttpRequest, key: str) -> HttpResponse:
    team = _team(key)
    if team is None:
        return JsonResponse({"error": "not_found", "detail": "No team takes leads with this key."}, status=404)
    origin = _origin_allowed(request, team)
    if origin is None:
        return JsonResponse(
            {"error": "origin_not_allowed", "detail": "This site may not post leads to this team."}, status=403
        )
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        response["Access-Control-Max-Age"] = "600"
        return _cors(response, origin)
    as_json = _wants_json(request)
    try:
        if not _allowed(request, team):
            raise Refused(429, "rate_limited", "Too many posts from here: try again in a few minutes.")
        data = _data(request)
        fields, person = fields_read(data, team=team)
        lead = inbound_lead_create(
            team=team, via=InboundLead.Via.FORM, fields=fields, person=person, now=timezone.now()
        )
    except Refused as refused:
        return _cors(_refusal(request, refused, as_json=as_json), origin)
    except ValidationError as exc:
        invalid = Refused(422, "invalid", "Some fields need another look.", _messages(exc))
        return _cors(_refusal(request, invalid, as_json=as_json), origin)
    if as_json:
        return _cors(JsonResponse({"ok": True, "lead": lead.pk}, status=201), origin)
    target = _redirect_for(data, team)
    if target:
        return _cors(HttpResponseRedirect(target, status=303), origin)
    return _cors(render(request, "inbound/thanks.html", {"team": team}, status=201), origin)


def _messages(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {key: " ".join(messages) for key, messages in exc.message_dict.items()}
    return {"__all__": " ".join(exc.messages)}


def _refusal(request: HttpRequest, refused: Refused, *, as_json: bool) -> HttpResponse:
    if as_json:
        body: dict[str, Any] = {"error": refused.code, "detail": refused.detail}
        if refused.fields:
            body["fields"] = refused.fields
        response: HttpResponse = JsonResponse(body, status=refused.status)
    else:
        response = render(request, "inbound/refused.html", {"refused": refused}, status=refused.status)
    if refused.status == 429:
        response["Retry-After"] = str(FORM_WINDOW_SECONDS)
    return response


@csrf_exempt  # a form tool's server posts it, signed (Standard Webhooks) with the team's secret
@require_http_methods(["POST"])
def inbound_webhook(request: HttpRequest, key: str) -> HttpResponse:
    team = _team(key)
    if team is None:
        return JsonResponse({"error": "not_found", "detail": "No team takes leads with this key."}, status=404)
    if len(request.body) > MAX_BODY:
        return JsonResponse({"error": "too_large", "detail": f"At most {MAX_BODY // 1024} KB."}, status=413)
    headers = {name: value for name, value in request.headers.items()}
    payload: Any = None
    for secret in webhook_secrets(team=team):
        try:
            payload = Webhook(secret).verify(request.body, headers)
            break
        except WebhookVerificationError:
            continue
        except ValueError:
            return JsonResponse({"error": "invalid_json", "detail": "The body is not JSON."}, status=400)
    if payload is None:
        return JsonResponse(
            {"error": "bad_signature", "detail": "Not signed with this team's secret, or too old (5 minutes)."},
            status=401,
        )
    if not isinstance(payload, dict):
        return JsonResponse({"error": "invalid_json", "detail": "Send one JSON object of fields."}, status=400)
    data = {str(k): "" if v is None else str(v) for k, v in payload.items()}
    try:
        fields, person = fields_read(data, team=team)
        lead = inbound_lead_create(
            team=team,
            via=InboundLead.Via.WEBHOOK,
            fields=fields,
            person=person,
            now=timezone.now(),
            external_id=headers.get("Webhook-Id", "")[:100],
        )
    except Refused as refused:
        body: dict[str, Any] = {"error": refused.code, "detail": refused.detail}
        if refused.fields:
            body["fields"] = refused.fields
        return JsonResponse(body, status=refused.status)
    except ValidationError as exc:
        return JsonResponse({"error": "invalid", "fields": _messages(exc)}, status=422)
    return JsonResponse({"ok": True, "lead": lead.pk}, status=200)
