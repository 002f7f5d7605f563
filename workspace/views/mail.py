"""Email from Pursuit: the rep's mailbox settings, sending a follow-up's email, the message states a rep settles,
reclassifying what was read, and the one-click unsubscribe link in every email."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mailroom.models import OutboundEmail
from mailroom.oauth import OAuthProblem, oauth_connect_finish, oauth_connect_start, oauth_providers
from mailroom.selectors import (
    inbound_for_teammates_leads,
    inbound_get_visible,
    mailbox_for_user,
    outbox_get_for_rep,
    unreadable_for_mailbox,
)
from mailroom.services.listening import inbound_confirm, inbound_reclassify
from mailroom.services.mailboxes import (
    mailbox_disconnect,
    mailbox_save,
    mailbox_test_request,
    mailbox_test_state,
)
from mailroom.services.outbox import UNSUBSCRIBE_SALT, email_mark_sent, email_queue, email_resend, email_unsubscribe
from web.access import follow_up_get_for_user, prospect_list_visible
from web.http import HtmxHttpRequest, errors_text
from web.once import action_once, form_errors_add, write_once
from workspace.day import day_row
from workspace.mail_compose import email_compose
from workspace.mail_forms import EmailSendForm, MailboxForm, ReclassifyForm

COMPOSE_TEMPLATE = "workspace/my_day.html#email-compose"
OAUTH_SESSION_KEY = "mailbox_oauth"


@require_http_methods(["GET", "POST"])
@login_required
def mailbox_settings(request: HtmxHttpRequest) -> HttpResponse:
    """Connect the rep's own mailbox; "Save and test" logs in to both servers and says what failed."""
    mailbox = mailbox_for_user(user=request.user)
    form = MailboxForm(request.POST or None, instance=mailbox)
    if request.method == "POST" and request.POST.get("action") == "disconnect":
        mailbox_disconnect(user=request.user)
        messages.success(request, "Mailbox disconnected: Pursuit no longer sends or reads mail for you.")
        return redirect("mailbox_settings")
    if request.method == "POST" and form.is_valid():
        try:
            mailbox = mailbox_save(
                user=request.user,
                settings=form.settings(),
                smtp_password=form.cleaned_data["smtp_password"],
                imap_password=form.cleaned_data["imap_password"],
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            if request.POST.get("action") != "test":
                messages.success(request, "Mailbox saved.")
                return redirect("mailbox_settings")
            mailbox_test_request(mailbox=mailbox, now=timezone.now())
            return redirect("mailbox_settings")
    state, results = mailbox_test_state(mailbox=mailbox, now=timezone.now())
    providers = oauth_providers()
    connected_with = providers.get(mailbox.oauth_provider) if mailbox is not None else None
    context: dict[str, object] = {
        "form": form,
        "mailbox": mailbox,
        "check_state": state,
        "results": results,
        "providers": list(providers.values()),
        "provider_label": connected_with.label if connected_with is not None else "",
    }
    if request.htmx and request.GET.get("check"):
        return render(request, "workspace/mailbox.html#check", context)
    context["unreadable"] = unreadable_for_mailbox(mailbox=mailbox)
    context["for_teammates"] = inbound_for_teammates_leads(mailbox=mailbox)
    response = render(request, "workspace/mailbox.html", context)
    # "Connect Google" posts here and is sent on to the provider's consent page: the page's form-action must let
    # that redirect through (browsers hold a form's redirects to the CSP of the page it was on).
    origins = sorted({_origin(provider.authorize_url) for provider in providers.values()})
    if origins:
        response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@require_POST
@login_required
def mailbox_oauth_start(request: HtmxHttpRequest, provider: str) -> HttpResponse:
    """ "Connect Google" / "Connect Microsoft": to the provider's consent page, with a state and a PKCE verifier
    kept in this session only."""
    try:
        url, kept = oauth_connect_start(
            provider_name=provider,
            redirect_uri=request.build_absolute_uri(reverse("mailbox_oauth_callback")),
            login_hint=request.user.email,
        )
    except OAuthProblem as exc:
        messages.error(request, str(exc))
        return redirect("mailbox_settings")
    request.session[OAUTH_SESSION_KEY] = kept
    return redirect(url)


@require_GET
@login_required
def mailbox_oauth_callback(request: HtmxHttpRequest) -> HttpResponse:
    """Back from the provider: connected and tested, or a clear reason and nothing changed."""
    kept = request.session.pop(OAUTH_SESSION_KEY, None)
    try:
        mailbox = oauth_connect_finish(user=request.user, kept=kept, returned=request.GET.dict(), now=timezone.now())
    except OAuthProblem as exc:
        messages.error(request, str(exc))
        return redirect("mailbox_settings")
    mailbox_test_request(mailbox=mailbox, now=timezone.now())
    messages.success(request, f"Connected: Pursuit sends and reads as {mailbox.from_address}. Testing it now…")
    return redirect("mailbox_settings")


@require_POST
@login_required
def follow_up_email_send(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Queue the follow-up's email as the rep wrote it; the row then shows the message's state."""
    follow_up = follow_up_get_for_user(request, pk)
    form = EmailSendForm(request.POST, prefix_id=f"fu{follow_up.pk}")
    if form.is_valid():
        try:
            email_queue(
                rep=request.user,
                follow_up=follow_up,
                outbound_id=form.cleaned_data["outbound"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            form = None
            if not request.htmx:
                messages.success(request, f"Email to {follow_up.contact.name} queued.")
                return redirect("home")
    compose = email_compose(follow_up, user=request.user, subject=None, body=None, form=form)
    status = 200 if form is None else 422
    if not request.htmx:
        context = {"row": day_row(follow_up, now=timezone.now()), "compose": compose}
        return render(request, "workspace/email_send.html", context, status=status)
    return render(
        request,
        COMPOSE_TEMPLATE,
        {"row": day_row(follow_up, now=timezone.now(), messages=False), "compose": compose},
        status=status,
    )


@require_POST
@login_required
def outbox_settle(request: HtmxHttpRequest, outbound_id: str) -> HttpResponse:
    """The rep settles a message Pursuit cannot: "It was sent" (logged now) or "Send it again"."""
    row = outbox_get_for_rep(rep=request.user, outbound_id=outbound_id)
    if row is None:
        raise Http404("No such email.")
    now = timezone.now()
    action = request.POST.get("action")
    settle: Callable[[], object] | None = None
    if action == "sent" and row.state == OutboundEmail.State.UNSURE:
        settle = lambda: email_mark_sent(outbound_id=row.pk, now=now, by=request.user)  # noqa: E731
    elif action == "resend":
        settle = lambda: email_resend(rep=request.user, outbound_id=row.pk, now=now)  # noqa: E731
    refused = write_once(request, settle).error if settle is not None else None
    if refused is not None:
        messages.error(request, errors_text(refused))
    if row.follow_up_id is not None and request.htmx:
        follow_up = follow_up_get_for_user(request, row.follow_up_id)
        compose = email_compose(follow_up, user=request.user, subject=row.subject, body=row.body)
        return render(
            request, COMPOSE_TEMPLATE, {"row": day_row(follow_up, now=now, messages=False), "compose": compose}
        )
    return redirect("home")


@require_POST
@login_required
def inbound_reclassify_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    inbound = inbound_get_visible(prospects=prospect_list_visible(user=request.user), inbound_id=pk)
    if inbound is None:
        raise Http404("No such email.")
    form = ReclassifyForm(request.POST)
    if form.is_valid():
        action_once(
            request,
            lambda: inbound_reclassify(inbound=inbound, verdict=form.cleaned_data["verdict"], now=timezone.now()),
            done="Reclassified; what the first reading did was undone.",
        )
    return redirect(reverse("prospect_detail", args=[inbound.prospect_id]) + "#mail-read")


@require_POST
@login_required
def inbound_confirm_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The rep confirms a stop or a bounce Pursuit kept aside (its sender was not verified): it is acted on."""
    inbound = inbound_get_visible(prospects=prospect_list_visible(user=request.user), inbound_id=pk)
    if inbound is None:
        raise Http404("No such email.")
    action_once(
        request, lambda: inbound_confirm(inbound=inbound, now=timezone.now()), done="Confirmed: Pursuit acted on it."
    )
    return redirect(reverse("prospect_detail", args=[inbound.prospect_id]) + "#mail-read")


@csrf_exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no session and no token
@require_http_methods(["GET", "POST"])
def unsubscribe_one_click(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every email's List-Unsubscribe header. GET asks (link scanners open links); POST opts out."""
    try:
        outbound_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise Http404("No such link.") from exc
    if request.method == "POST":
        found = email_unsubscribe(outbound_id=outbound_id, now=timezone.now())
        if found is None:
            raise Http404("No such link.")
        return render(request, "workspace/unsubscribe.html", {"done": True, "address": found})
    return render(request, "workspace/unsubscribe.html", {"done": False, "token": token})
