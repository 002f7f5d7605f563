"""Writes for the CRM: prospects and contacts (created, edited under a version check), markers, closing a
prospect and the CSV import."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from crm.clocks import Clock, clock_guess, clock_shared, contact_clock
from crm.models import Absence, ClockSource, Contact, Marker, Prospect, Team, User
from crm.selectors import contact_list_visible, prospect_list_visible, team_list_managed
from crm.validators import check_date_in_range

MARKER_FIELDS = ("is_right_buyer", "buys_what_we_sell", "still_there")


class StaleVersion(Exception):
    """The caller's If-Match names a version that is no longer current: nothing was written."""


def etag_for(instance: models.Model) -> str:
    """A strong validator of the row's own fields: every write to a prospect or contact moves `updated_at`."""
    label = instance._meta.label_lower
    stamp = instance.updated_at.isoformat()  # type: ignore[attr-defined]
    return '"' + hashlib.sha256(f"{label}:{instance.pk}:{stamp}".encode()).hexdigest()[:32] + '"'


def if_match_allows(header: str | None, current: str) -> bool:
    """RFC 9110 If-Match with strong comparison: `*`, or one of the listed tags (a weak tag never matches)."""
    if header is None:
        return True
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or current in tags


def _update_locked(instance: models.Model, *, changes: dict[str, Any], if_match: str | None) -> models.Model:
    if not if_match_allows(if_match, etag_for(instance)):
        raise StaleVersion
    changed = [name for name, value in changes.items() if getattr(instance, name) != value]
    if not changed:
        return instance
    for name in changed:
        setattr(instance, name, changes[name])
    instance.full_clean(validate_unique=False)
    instance.save(update_fields=[*changed, "updated_at"])
    return instance


PROSPECT_CLOCK_FIELDS = frozenset({"country", "region", "city", "timezone"})
CONTACT_CLOCK_FIELDS = frozenset({"country", "phone", "timezone"})
# A clock a person gave or confirmed is kept; one derived from the data follows the data when it changes.
DERIVED = frozenset(ClockSource.values) - {ClockSource.EXPLICIT}


def prospect_update(*, user: User, prospect_id: int, changes: dict[str, Any], if_match: str | None) -> Prospect:
    """Edit a prospect the user can see, under a row lock, only if `If-Match` still names its version.

    A new time zone is the one a person gave; a new country, state or city moves a derived clock with it
    (`cadence.services.lead_update` re-plans the lead when its clock moved)."""
    with transaction.atomic():
        prospect = prospect_list_visible(user=user).select_for_update(of=("self",)).get(pk=prospect_id)
        changes = dict(changes)
        if changes.get("timezone") not in (None, prospect.timezone):
            changes["timezone_source"] = ClockSource.EXPLICIT
        elif any(changes.get(f, getattr(prospect, f)) != getattr(prospect, f) for f in PROSPECT_CLOCK_FIELDS):
            changes.pop("timezone", None)
            if prospect.timezone_source != ClockSource.EXPLICIT:
                after = {f: changes.get(f, getattr(prospect, f)) for f in ("country", "region", "city")}
                clock = _prospect_clock(prospect, **after)
                changes.update(timezone=clock.zone, timezone_source=clock.source)
        return _update_locked(prospect, changes=changes, if_match=if_match)  # type: ignore[return-value]


def _prospect_clock(prospect: Prospect, *, country: str, region: str, city: str) -> Clock:
    """A prospect's derived clock: the one most of its contacts' own clocks share, else its country, state or city,
    else its owner's."""
    own = [
        Clock(zone, source)
        for zone, source in Contact.objects.filter(prospect=prospect)
        .exclude(timezone="")
        .values_list("timezone", "timezone_source")
    ]
    fallback = clock_guess(country=country, region=region, city=city, fallback=prospect.owner.timezone)
    return clock_shared(own, fallback=fallback)


def prospect_clock_refresh(*, prospect: Prospect) -> bool:
    """Derive a prospect's clock again from its data and contacts (one added, edited); a clock a person gave stays.
    Returns whether it moved."""
    moved = prospects_clock_refresh(prospect_ids={prospect.pk})
    if moved:
        prospect.timezone, prospect.timezone_source = Prospect.objects.values_list("timezone", "timezone_source").get(
            pk=prospect.pk
        )
    return bool(moved)


def prospects_clock_refresh(*, prospect_ids: set[int]) -> list[int]:
    """`prospect_clock_refresh` for many prospects (an import's merged rows), in three queries whatever the count.
    Returns the prospects whose clock moved."""
    prospects = list(
        Prospect.objects.filter(pk__in=prospect_ids, timezone_source__in=DERIVED).select_related("owner").order_by("pk")
    )
    own: dict[int, list[Clock]] = {}
    for prospect_id, zone, source in (
        Contact.objects.filter(prospect__in=prospects)
        .exclude(timezone="")
        .values_list("prospect_id", "timezone", "timezone_source")
    ):
        own.setdefault(prospect_id, []).append(Clock(zone, source))
    moved = []
    for prospect in prospects:
        fallback = clock_guess(
            country=prospect.country, region=prospect.region, city=prospect.city, fallback=prospect.owner.timezone
        )
        clock = clock_shared(own.get(prospect.pk, []), fallback=fallback)
        if (clock.zone, clock.source) != (prospect.timezone, prospect.timezone_source):
            prospect.timezone, prospect.timezone_source = clock.zone, clock.source
            moved.append(prospect)
    Prospect.objects.bulk_update(moved, ["timezone", "timezone_source"], batch_size=1000)
    return [prospect.pk for prospect in moved]


def prospect_place_set(*, prospect: Prospect, country: str, region: str, city: str, timezone: str) -> Prospect:
    """Where a prospect is, as a person says on its page: a zone given is theirs (a guess confirmed or corrected);
    none derives it again from the place and the contacts (crm.clocks)."""
    with transaction.atomic():
        prospect = Prospect.objects.select_for_update(of=("self",)).select_related("owner").get(pk=prospect.pk)
        prospect.country, prospect.region, prospect.city = country, region.strip(), city.strip()
        if timezone:
            prospect.timezone, prospect.timezone_source = timezone, ClockSource.EXPLICIT
        else:
            clock = _prospect_clock(prospect, country=country, region=prospect.region, city=prospect.city)
            prospect.timezone, prospect.timezone_source = clock.zone, clock.source
        prospect.full_clean(exclude=["team", "owner"])
        prospect.save(update_fields=["country", "region", "city", "timezone", "timezone_source", "updated_at"])
    return prospect


def contact_update(*, user: User, contact_id: int, changes: dict[str, Any], if_match: str | None) -> Contact:
    """Edit a contact the user can see, under a row lock, only if `If-Match` still names its version.

    Marking someone do-not-contact is an edit; lifting it is not: that is a manager's action with a reason, in
    the lead's history (`prospect_do_not_contact_lift`), so no sync client can undo an opt-out by accident.
    """
    with transaction.atomic():
        contact = contact_list_visible(user=user).select_for_update(of=("self",)).get(pk=contact_id)
        if contact.do_not_contact and changes.get("do_not_contact") is False:
            raise ValidationError(
                {
                    "do_not_contact": "A do-not-contact is lifted by a manager on the prospect's page, with a reason; "
                    "it cannot be edited away."
                }
            )
        changes = _contact_clock_changes(contact, dict(changes))
        return _update_locked(contact, changes=changes, if_match=if_match)  # type: ignore[return-value]


def _contact_clock_changes(contact: Contact, changes: dict[str, Any]) -> dict[str, Any]:
    """A zone given for the contact is theirs; a zone cleared, or a new phone or country under a derived clock,
    derives it again from what is left (or puts them back on the prospect's)."""
    zone = changes.get("timezone")
    if zone and zone != contact.timezone:
        return changes | {"timezone_source": ClockSource.EXPLICIT}
    cleared = zone == "" and contact.timezone != ""
    moved = any(f in changes and changes[f] != getattr(contact, f) for f in ("phone", "country"))
    if cleared or (moved and contact.timezone_source != ClockSource.EXPLICIT):
        clock = contact_clock(
            phone=changes.get("phone", contact.phone),
            country=changes.get("country", contact.country),
            prospect_country=contact.prospect.country,
        )
        return changes | {"timezone": clock.zone if clock else "", "timezone_source": clock.source if clock else ""}
    return changes


def prospect_owner_for_new(*, user: User, owner_id: int | None) -> User:
    """Reps create prospects they own; a manager may hand a new one straight to a rep of a team they manage."""
    if owner_id is None or owner_id == user.pk:
        if user.team_id is None:
            raise ValidationError(
                {"owner": "You are not on a team, so the prospect would have none; ask a manager to add you to one."}
            )
        return user
    if not (user.is_manager or user.is_superuser):
        raise ValidationError({"owner": "A rep creates prospects they own: leave owner out or give your own id."})
    owner = User.objects.filter(
        pk=owner_id, role=User.Role.REP, is_active=True, team__in=team_list_managed(user=user)
    ).first()
    if owner is None:
        raise ValidationError({"owner": "Choose an active rep of a team you manage."})
    return owner


def prospect_create(
    *,
    user: User,
    name: str,
    now: dt.datetime,
    owner_id: int | None = None,
    estimated_value: Decimal = Decimal("0"),
    country: str = "",
    region: str = "",
    city: str = "",
    timezone: str = "",
    source: str = Prospect.Source.OUTBOUND,
    is_right_buyer: str = Marker.UNKNOWN,
    buys_what_we_sell: str = Marker.UNKNOWN,
    still_there: str = Marker.UNKNOWN,
    recycle_on: dt.date | None = None,
    language: str = "",
) -> Prospect:
    """Add a prospect in its owner's team (`cadence.services.lead_create` also enrolls it, as every new lead is).

    The owner is the user unless a manager names a rep of a team they manage. A blank time zone is derived from
    the country, state and city, and only then taken from the owner, saying so (crm.clocks); contacts added later
    move it to theirs.
    """
    owner = prospect_owner_for_new(user=user, owner_id=owner_id)
    assert owner.team_id is not None  # prospect_owner_for_new refuses an owner without a team
    clock = clock_guess(zone=timezone, country=country, region=region, city=city, fallback=owner.timezone)
    prospect = Prospect(
        name=name.strip(),
        team_id=owner.team_id,
        owner=owner,
        estimated_value=estimated_value,
        country=country,
        region=region.strip(),
        city=city.strip(),
        timezone=clock.zone,
        timezone_source=clock.source,
        source=source,
        is_right_buyer=is_right_buyer,
        buys_what_we_sell=buys_what_we_sell,
        still_there=still_there,
        recycle_on=recycle_on,
        language=language.strip().lower(),
    )
    prospect.full_clean(exclude=["team", "owner"])
    prospect.save()
    return prospect


def prospect_update_markers(
    *, prospect: Prospect, is_right_buyer: str, buys_what_we_sell: str, still_there: str, now: dt.datetime
) -> None:
    """Record the rep's read on the three questions a silent lead is judged by (docs/field-reports.md §0)."""
    values = dict(zip(MARKER_FIELDS, (is_right_buyer, buys_what_we_sell, still_there), strict=True))
    bad = {name: "Choose yes, no or unknown." for name, value in values.items() if value not in Marker.values}
    if bad:
        raise ValidationError(bad)
    Prospect.objects.filter(pk=prospect.pk).update(**values, updated_at=now)
    for name, value in values.items():
        setattr(prospect, name, value)


def contact_create(
    *,
    prospect: Prospect,
    name: str,
    role: str = Contact.Role.OTHER,
    title: str = "",
    phone: str = "",
    email: str = "",
    country: str = "",
    timezone: str = "",
) -> Contact:
    """Add a person at the prospect (`cadence.services.lead_contact_add` also re-plans a lead waiting for one, or
    whose clock their number moved). Their own clock comes from a zone given for them or their phone number;
    without either they are on the prospect's."""
    clock = contact_clock(zone=timezone, phone=phone, country=country, prospect_country=prospect.country)
    contact = Contact(
        prospect=prospect,
        name=name.strip(),
        role=role,
        title=title.strip(),
        phone=phone.strip(),
        email=email.strip().lower(),
        country=country,
        timezone=clock.zone if clock else "",
        timezone_source=clock.source if clock else "",
    )
    if not (contact.phone or contact.email):
        raise ValidationError({"phone": "Give a phone number or an email address, or there is no way to reach them."})
    contact.full_clean(exclude=["prospect"])
    contact.save()
    return contact


CLOSING = {Prospect.Status.WON, Prospect.Status.LOST}


def prospect_close(*, prospect: Prospect, status: str, now: dt.datetime) -> None:
    """Mark a prospect won or lost (`cadence.services.lead_close` also re-plans: the planner never chases a closed
    lead)."""
    if status not in CLOSING:
        raise ValidationError({"status": "A prospect is closed as won or lost."})
    if prospect.is_closed:
        raise ValidationError(f"{prospect} is already {prospect.get_status_display().lower()}.")
    Prospect.objects.filter(pk=prospect.pk).update(status=status, updated_at=now)
    prospect.status = status


# ---------------------------------------------------------------------------------------------------------
# A team's reps and their absences
# ---------------------------------------------------------------------------------------------------------


def _username_from(email: str) -> str:
    base = "".join(ch for ch in email.split("@", 1)[0].lower() if ch.isalnum() or ch in "._-")[:30] or "rep"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}{n}"
    return username


def rep_invite(*, team: Team, email: str, first_name: str, last_name: str = "", timezone: str = "UTC") -> User:
    """Add a rep to the team, without a password: they choose one from the invitation (`rep_invite_send`)."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Someone with this email is already in Pursuit."})
    user = User(
        username=_username_from(email),
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=User.Role.REP,
        team=team,
        timezone=timezone or "UTC",
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def rep_invite_send(*, user: User, set_password_url: Callable[[str, str], str], invited_by: User) -> None:
    """Email the rep a set-your-password link: Django's password-reset token, so it works once and expires with
    PASSWORD_RESET_TIMEOUT. The mail goes through EMAIL_BACKEND."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = set_password_url(uid, default_token_generator.make_token(user))
    context = {"user": user, "link": link, "invited_by": invited_by, "team": user.team}
    send_mail(
        subject=render_to_string("registration/invite_subject.txt", context).strip(),
        message=render_to_string("registration/invite_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def rep_update(
    *,
    rep: User,
    first_name: str,
    last_name: str,
    timezone: str,
    is_available: bool,
    routing_weight: int | None = None,
    languages: list[str] | None = None,
) -> None:
    rep.first_name, rep.last_name, rep.timezone, rep.is_available = first_name, last_name, timezone, is_available
    fields = ["first_name", "last_name", "timezone", "is_available"]
    if routing_weight is not None:
        rep.routing_weight = routing_weight
        fields.append("routing_weight")
    if languages is not None:
        rep.languages = sorted({code.strip().lower() for code in languages if code.strip()})
        fields.append("languages")
    rep.full_clean(exclude=["password"])
    rep.save(update_fields=fields)


def absence_add(*, user: User, starts_on: dt.date, ends_on: dt.date, note: str, actor: User, today: dt.date) -> Absence:
    """A rep away from .. to .. (both included): from today at the earliest, within the sane range, not
    overlapping another of theirs. The sweep applies it on its first day."""
    errors: dict[str, str] = {}
    if starts_on < today:
        errors["starts_on"] = "An absence starts today or later."
    if ends_on < starts_on:
        errors["ends_on"] = "It ends on or after the day it starts."
    for field, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        try:
            check_date_in_range(day, today=today)
        except ValidationError as exc:
            errors.setdefault(field, exc.messages[0])
    if not errors and Absence.objects.filter(user=user, starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        errors["starts_on"] = "They are already away on some of these days."
    if errors:
        raise ValidationError(errors)
    return Absence.objects.create(user=user, starts_on=starts_on, ends_on=ends_on, note=note.strip(), created_by=actor)


def team_coverage_set(*, team: Team, coverage: str) -> None:
    """How the team's leads are looked after while a rep is away; absences that start from now on follow it."""
    if coverage not in Team.Coverage.values:
        raise ValidationError({"absence_coverage": "Choose how absences are covered."})
    Team.objects.filter(pk=team.pk).update(absence_coverage=coverage)


def team_money_set(*, team: Team, currency: str, rates: dict[str, str]) -> None:
    """The team's currency and its manager's rates to it (crm.imports.Money reads them)."""
    rates = {code: rate for code, rate in rates.items() if code != currency}
    Team.objects.filter(pk=team.pk).update(currency=currency, exchange_rates=rates)


def team_inbound_key_new(*, team: Team) -> str:
    """A new key for the team's web forms and form-tool webhook; the old one stops working at once (and with it the
    webhook's signing secret, which derives from it: crm.inbound_keys)."""
    key = "in_" + secrets.token_urlsafe(24)
    Team.objects.filter(pk=team.pk).update(inbound_key=key)
    team.inbound_key = key
    return key


def team_inbound_set(
    *,
    team: Team,
    origins: list[str],
    sla_minutes: int,
    workday_start: dt.time,
    workday_end: dt.time,
    route_to_account_owner: bool,
    rep_capacity: int | None,
) -> None:
    """How the team takes inbound leads: the sites that may post them, the time a rep has to try one, the working
    hours that time counts in, and routing's account-owner rule and capacity."""
    problems: dict[str, str] = {}
    cleaned = []
    for origin in origins:
        origin = origin.strip().rstrip("/")
        if not origin:
            continue
        parts = urlsplit(origin)
        if parts.scheme not in ("https", "http") or not parts.netloc or parts.path or parts.query:
            problems["origins"] = f"{origin} is not a site's origin: write it as https://www.example.com"
            break
        cleaned.append(f"{parts.scheme}://{parts.netloc.lower()}")
    if len(cleaned) > 20:
        problems["origins"] = "At most 20 sites."
    if not 1 <= sla_minutes <= 480:
        problems["sla_minutes"] = "Between 1 and 480 minutes."
    if workday_start >= workday_end:
        problems["workday_end"] = "The working day must end after it starts."
    if rep_capacity is not None and not 1 <= rep_capacity <= 100_000:
        problems["rep_capacity"] = "Between 1 and 100,000 open leads, or empty for no limit."
    if problems:
        raise ValidationError(problems)
    Team.objects.filter(pk=team.pk).update(
        inbound_origins=sorted(set(cleaned)),
        inbound_sla_minutes=sla_minutes,
        workday_start=workday_start,
        workday_end=workday_end,
        route_to_account_owner=route_to_account_owner,
        rep_capacity=rep_capacity,
    )
    team.refresh_from_db()
