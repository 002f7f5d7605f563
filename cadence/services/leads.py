"""What reps and managers do to a lead besides logging touches: give up, hand over, pause, snooze, agree a next
step, extend, reopen and lift a do-not-contact. Each is recorded in the lead's history with its actor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet

from cadence.models import Enrollment, FollowUp, LeadEvent
from cadence.planner import count_attempts, give_up_is_early
from cadence.planner.reasons import plural
from cadence.selectors import enrollment_open_for_prospect
from cadence.services.enrolling import enrollment_create, enrollment_request_plan, rounds_before
from cadence.services.events import lead_event_add
from cadence.services.pacing import NewWork
from cadence.situation import situations_build
from crm.models import Contact, Prospect, Team, User
from crm.selectors import reps_taking_leads, team_list_managed
from crm.text import sentence
from crm.validators import check_moment_in_range
from crm.zones import day_and_clock, zone

# Nobody to hand a lead to (everyone away): look again later rather than dropping it.
HANDOVER_RETRY_AFTER = dt.timedelta(hours=1)
OPEN = Enrollment.OPEN_STATUSES


class GiveUpTooEarly(ValidationError):
    """Raised when a rep gives up before the cadence's minimum; they may confirm and it is recorded as early."""


def end_as_given_up(
    enrollment: Enrollment,
    *,
    now: dt.datetime,
    reason: str,
    early: bool,
    recycle_on: dt.date | None,
    actor: User | None = None,
) -> None:
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=Enrollment.Status.GAVE_UP,
        ended_at=now,
        end_reason=reason[:300],
        gave_up_early=early,
        next_due_at=None,
        replan_requested_at=None,
    )
    FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).update(
        status=FollowUp.Status.CANCELLED
    )
    Prospect.objects.filter(pk=enrollment.prospect_id).exclude(status__in=Prospect.CLOSED_STATUSES).update(
        status=Prospect.Status.DORMANT, recycle_on=recycle_on, updated_at=now
    )
    enrollment.status = Enrollment.Status.GAVE_UP
    lead_event_add(
        prospect_id=enrollment.prospect_id,
        enrollment_id=enrollment.pk,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.GAVE_UP,
        detail=f"{reason} (before the minimum number of attempts)" if early else reason,
    )


def enrollment_give_up(
    *,
    enrollment: Enrollment,
    now: dt.datetime,
    reason: str = "",
    confirm_early: bool = False,
    actor: User | None = None,
) -> bool:
    """A rep gives up on a lead. Before the cadence's minimum this raises GiveUpTooEarly unless confirmed, and
    the give-up is recorded as early. Returns whether it was early."""
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().select_related("cadence", "prospect").get(pk=enrollment.pk)
        if not enrollment.is_open:
            raise ValidationError("This lead's cadence has already ended.")
        situation = situations_build(enrollments=[enrollment], now=now)[enrollment.pk]
        early = give_up_is_early(situation)
        if early and not confirm_early:
            raise GiveUpTooEarly(
                f"Only {count_attempts(situation)} of at least {plural(situation.rules.min_touches, 'attempt')} "
                "so far: many buyers answer between the 5th and the 10th. Give up anyway?"
            )
        end_as_given_up(enrollment, now=now, reason=reason or "Gave up", early=early, recycle_on=None, actor=actor)
        return early


def prospect_reassign(
    *,
    prospect: Prospect,
    now: dt.datetime,
    reason: str,
    to: User | None = None,
    enrollment: Enrollment | None = None,
    actor: User | None = None,
    work: NewWork | None = None,
) -> User | None:
    """Hand a lead to another rep of its team, never to an unavailable one nor back to the rep giving it up.

    The old enrollment ends as reassigned and the cadence restarts for the new owner; the touches stay.
    Returns the new owner, or None when nobody can take it (the enrollment stays open and is retried later).

    1. Lock the team's reps in id order, then the prospect. Every hand-over takes its locks in that one order, so
       two sweeps (or a sweep and a manager) handing leads to the same reps wait for each other instead of
       deadlocking on the reps' rows.
    2. A closed prospect (won, lost, do not contact) is never handed over: a new owner would mean a new cadence,
       and "opted out" or "not interested" must stay final. Reopening one is its own action, with a reason.
    3. Without `to`, the rep comes from `work` (or one made for this lead): spread by load, at most the team's
       daily budget of new work a rep a day, a lead beyond it starting on the first day someone has room.
    """
    with transaction.atomic():
        _team_reps_lock(team_id=prospect.team_id)
        prospect = Prospect.objects.select_for_update(of=("self",)).select_related("team").get(pk=prospect.pk)
        if prospect.is_closed:
            raise ValidationError(
                f"{prospect} is {prospect.get_status_display().lower()}: it is not handed over, so nobody contacts "
                "it again."
            )
        return _reassign_locked(
            prospect=prospect, now=now, reason=reason, to=to, enrollment=enrollment, actor=actor, work=work
        )


MAX_BULK_REASSIGN = 500


@dataclass(frozen=True)
class Reassigned:
    """What happened to one lead of a bulk hand-over, as the page lists it."""

    prospect_id: int
    name: str
    outcome: str  # handed, already, refused
    detail: str


def prospects_reassign(
    *, actor: User, prospect_ids: Sequence[int], to: User, reason: str, now: dt.datetime
) -> list[Reassigned]:
    """Hand any selection of a manager's leads to one rep, each on its own (`prospect_reassign`), with a result per
    lead: one that is already theirs, or closed, or refused, never stops the others.

    Only prospects of teams the actor manages are touched; an id of anyone else's is reported as not found, naming
    nothing. At most MAX_BULK_REASSIGN at once."""
    if len(prospect_ids) > MAX_BULK_REASSIGN:
        raise ValidationError(f"Hand over at most {MAX_BULK_REASSIGN} leads at once; narrow the list.")
    teams = team_list_managed(user=actor)
    if to.team_id is None or not teams.filter(pk=to.team_id).exists():
        raise PermissionDenied("You do not manage this rep's team.")
    found = {
        p.pk: p
        for p in Prospect.objects.filter(pk__in=prospect_ids, team__in=teams).select_related("owner").order_by("pk")
    }
    results = []
    for pk in dict.fromkeys(prospect_ids):
        prospect = found.get(pk)
        if prospect is None:
            results.append(Reassigned(pk, "", "refused", "Not found among the leads you manage."))
            continue
        if prospect.owner_id == to.pk:
            results.append(Reassigned(pk, prospect.name, "already", f"Already {to}'s."))
            continue
        if prospect.team_id != to.team_id:
            results.append(Reassigned(pk, prospect.name, "refused", f"On another team than {to}."))
            continue
        try:
            prospect_reassign(prospect=prospect, now=now, reason=reason, to=to, actor=actor)
        except ValidationError as exc:
            results.append(Reassigned(pk, prospect.name, "refused", " ".join(exc.messages)))
        else:
            results.append(Reassigned(pk, prospect.name, "handed", f"From {prospect.owner} to {to}."))
    return results


def handover_work(*, team: Team, now: dt.datetime, exclude_ids: set[int]) -> NewWork:
    """Who can take handed-over leads now: the team's reps taking leads (joined, available, not away), but these."""
    today = now.date()
    return NewWork(team=team, reps=list(reps_taking_leads(team=team, on=today).exclude(pk__in=exclude_ids)), now=now)


def _team_reps_lock(*, team_id: int) -> None:
    list(User.objects.select_for_update().filter(team_id=team_id).order_by("pk").values_list("pk", flat=True))


def _reassign_locked(
    *,
    prospect: Prospect,
    now: dt.datetime,
    reason: str,
    to: User | None,
    enrollment: Enrollment | None,
    actor: User | None,
    work: NewWork | None,
) -> User | None:
    enrollment = enrollment or enrollment_open_for_prospect(prospect_id=prospect.pk)
    previous_owner_id = prospect.owner_id
    new_owner, starts = to, now
    if to is None:
        work = work or handover_work(team=prospect.team, now=now, exclude_ids={previous_owner_id})
        taken = work.take()
        if taken is not None:
            new_owner, starts = taken[0], work.starts_at(*taken)
    if new_owner is None:
        if enrollment is not None:
            if enrollment.last_action != "reassign_blocked":  # once, not at every hourly retry
                lead_event_add(
                    prospect_id=prospect.pk,
                    enrollment_id=enrollment.pk,
                    actor=actor,
                    now=now,
                    kind=LeadEvent.Kind.REASSIGN_BLOCKED,
                    detail="No other rep on the team is available",
                )
            Enrollment.objects.filter(pk=enrollment.pk).update(
                last_action="reassign_blocked",
                last_reason="Could not hand over: no other rep on the team is available",
                next_due_at=now + HANDOVER_RETRY_AFTER,
            )
        return None
    if new_owner.pk == previous_owner_id or new_owner.team_id != prospect.team_id or not new_owner.is_available:
        raise ValidationError(sentence(f"{new_owner} cannot take this lead: pick an available rep of {prospect.team}"))
    if not new_owner.has_joined:
        raise ValidationError(
            f"{new_owner} has not logged in yet: send the invitation again from the reps page, or pick someone else."
        )
    if enrollment is not None:
        Enrollment.objects.filter(pk=enrollment.pk, status__in=OPEN).update(
            status=Enrollment.Status.REASSIGNED,
            ended_at=now,
            end_reason=f"Handed to {new_owner}: {reason}"[:300],
            next_due_at=None,
            replan_requested_at=None,
        )
        FollowUp.objects.filter(enrollment=enrollment, status=FollowUp.Status.PLANNED).update(
            status=FollowUp.Status.CANCELLED
        )
    Prospect.objects.filter(pk=prospect.pk).update(owner=new_owner, status=Prospect.Status.ACTIVE, updated_at=now)
    User.objects.filter(pk=new_owner.pk).update(last_assigned_at=now)
    previous_owner = User.objects.filter(pk=previous_owner_id).first()
    # Told to the new owner on My day and in every reason of their round: how much was tried before, by whom.
    earlier = rounds_before(prospect=prospect, owner=new_owner)
    tried = earlier.attempts if earlier is not None else 0
    lead_event_add(
        prospect_id=prospect.pk,
        enrollment_id=enrollment.pk if enrollment else None,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.REASSIGNED,
        detail=f"From {previous_owner} to {new_owner}: {reason}"[:260] + f" ({plural(tried, 'attempt')} before)",
    )
    prospect.refresh_from_db()
    enrollment_create(
        prospect=prospect,
        now=now,
        cadence=enrollment.cadence if enrollment is not None else None,
        actor=actor,
        earlier=earlier,
        started_at=starts,
    )
    return new_owner


def enrollment_pause(
    *,
    enrollment: Enrollment,
    now: dt.datetime,
    until: dt.datetime | None = None,
    actor: User | None = None,
    note: str = "",
) -> None:
    if not enrollment.is_open:
        raise ValidationError("This lead's cadence has already ended.")
    if until is not None and until <= now:
        raise ValidationError("A pause must end in the future.")
    if until is not None:
        check_moment_in_range(until, now=now)
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.PAUSED, paused_until=until)
    lead_event_add(
        prospect_id=enrollment.prospect_id,
        enrollment_id=enrollment.pk,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.PAUSED,
        detail=_with_note(f"Until {until:%a %d %b %Y}" if until else "Until resumed", note),
    )
    enrollment_request_plan(enrollment_id=enrollment.pk, now=now)


def enrollment_resume(*, enrollment: Enrollment, now: dt.datetime, actor: User | None = None) -> None:
    resumed = Enrollment.objects.filter(pk=enrollment.pk, status=Enrollment.Status.PAUSED).update(
        status=Enrollment.Status.ACTIVE, paused_until=None
    )
    if resumed:
        lead_event_add(
            prospect_id=enrollment.prospect_id,
            enrollment_id=enrollment.pk,
            actor=actor,
            now=now,
            kind=LeadEvent.Kind.RESUMED,
        )
    enrollment_request_plan(enrollment_id=enrollment.pk, now=now)


def follow_up_snooze(
    *, follow_up: FollowUp, now: dt.datetime, until: dt.datetime, reason: str = "", actor: User | None = None
) -> None:
    """Push one follow-up later. Snoozes are counted: a lead snoozed again and again is stalled, not alive."""
    if follow_up.status != FollowUp.Status.PLANNED:
        raise ValidationError("Only a planned follow-up can be snoozed.")
    if until <= now:
        raise ValidationError("Snooze until a time in the future.")
    check_moment_in_range(until, now=now)
    FollowUp.objects.filter(pk=follow_up.pk).update(
        snooze_count=F("snooze_count") + 1, snooze_reason=reason.strip()[:200]
    )
    Enrollment.objects.filter(pk=follow_up.enrollment_id).update(
        snoozed_until=until, snooze_count=F("snooze_count") + 1
    )
    lead_event_add(
        prospect_id=follow_up.prospect_id,
        enrollment_id=follow_up.enrollment_id,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.SNOOZED,
        detail=f"Until {_their_clock(until, follow_up)}" + (f": {reason.strip()}" if reason.strip() else ""),
    )
    enrollment_request_plan(enrollment_id=follow_up.enrollment_id, now=now)


def _their_clock(moment: dt.datetime, owner: FollowUp | Enrollment) -> str:
    """ "Tue 1 Dec 14:00 their time": events are read by anyone on the team, so say whose clock."""
    return f"{day_and_clock(moment, zone(owner.prospect.timezone, fallback='UTC'))} their time"


def enrollment_set_next_step(
    *, enrollment: Enrollment, what: str, due_at: dt.datetime, now: dt.datetime, actor: User | None = None
) -> None:
    """After a conversation the rep records what happens next and when; that becomes the next follow-up."""
    what = what.strip()
    if not what:
        raise ValidationError("Say what the next step is.")
    if due_at <= now:
        raise ValidationError("A next step needs a date in the future.")
    check_moment_in_range(due_at, now=now)
    if not enrollment.is_open:
        raise ValidationError("This lead's cadence has already ended.")
    Enrollment.objects.filter(pk=enrollment.pk).update(
        next_step=what[:200], next_step_due_at=due_at, status=Enrollment.Status.ENGAGED
    )
    lead_event_add(
        prospect_id=enrollment.prospect_id,
        enrollment_id=enrollment.pk,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.NEXT_STEP,
        detail=f"{what[:200]} on {_their_clock(due_at, enrollment)}",
    )
    enrollment_request_plan(enrollment_id=enrollment.pk, now=now)


# A manager extends a promising lead's cadence; more than this at once is a typo.
MAX_EXTENSION = 30


def _with_note(detail: str, note: str) -> str:
    """A manager's note goes into the lead's history next to what was done."""
    return f"{detail}: {note.strip()}"[:300] if note.strip() else detail


def enrollment_extend(
    *, enrollment: Enrollment, extra_touches: int, now: dt.datetime, actor: User | None = None, note: str = ""
) -> None:
    """Allow more attempts than the cadence does, e.g. for a high-value lead close to answering."""
    if not 1 <= extra_touches <= MAX_EXTENSION:
        raise ValidationError(f"Extend by 1 to {MAX_EXTENSION} attempts.")
    if not enrollment.is_open:
        raise ValidationError("This lead's cadence has already ended.")
    Enrollment.objects.filter(pk=enrollment.pk).update(extra_touches=F("extra_touches") + extra_touches)
    lead_event_add(
        prospect_id=enrollment.prospect_id,
        enrollment_id=enrollment.pk,
        actor=actor,
        now=now,
        kind=LeadEvent.Kind.EXTENDED,
        detail=_with_note(f"{extra_touches} more attempt{'s' if extra_touches != 1 else ''}", note),
    )
    enrollment_request_plan(enrollment_id=enrollment.pk, now=now)


def _reason_required(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": f"Say why you {what}: it goes into the lead's history."})
    return reason[:250]


def prospect_reopen(*, prospect: Prospect, actor: User, reason: str, now: dt.datetime) -> None:
    """Reopen a lost prospect, with a reason, so it can be enrolled again. A contact who said "not interested"
    stays do-not-contact: the cadence will look for someone else there."""
    reason = _reason_required(reason, "reopen it")
    with transaction.atomic():
        prospect = Prospect.objects.select_for_update(of=("self",)).get(pk=prospect.pk)
        if prospect.status != Prospect.Status.LOST:
            raise ValidationError(f"{prospect} is not lost; there is nothing to reopen.")
        Prospect.objects.filter(pk=prospect.pk).update(status=Prospect.Status.ACTIVE, updated_at=now)
        lead_event_add(prospect_id=prospect.pk, actor=actor, now=now, kind=LeadEvent.Kind.REOPENED, detail=reason)


def prospect_do_not_contact_lift(*, prospect: Prospect, actor: User, reason: str, now: dt.datetime) -> None:
    """Lift a do-not-contact, the one way back from an opt-out: a manager of the prospect's team, with a reason,
    recorded in the lead's history. Nothing is planned until someone enrolls the prospect again."""
    if not (actor.is_superuser or actor.managed_teams.filter(pk=prospect.team_id).exists()):
        raise PermissionDenied("Only a manager of the prospect's team can lift a do-not-contact.")
    reason = _reason_required(reason, "lift it")
    with transaction.atomic():
        prospect = Prospect.objects.select_for_update(of=("self",)).get(pk=prospect.pk)
        marked = Contact.objects.filter(prospect=prospect, do_not_contact=True)
        if prospect.status != Prospect.Status.DO_NOT_CONTACT and not marked.exists():
            raise ValidationError(f"{prospect} is not marked do not contact.")
        names = ", ".join(marked.values_list("name", flat=True))
        marked.update(do_not_contact=False, updated_at=now)
        if prospect.status == Prospect.Status.DO_NOT_CONTACT:
            Prospect.objects.filter(pk=prospect.pk).update(status=Prospect.Status.ACTIVE, updated_at=now)
        detail = f"{reason} (contacts: {names})" if names else reason
        lead_event_add(
            prospect_id=prospect.pk, actor=actor, now=now, kind=LeadEvent.Kind.DO_NOT_CONTACT_LIFTED, detail=detail
        )


class LeadAction(StrEnum):
    """What a manager does to many leads at once from the stalled list."""

    REASSIGN = "reassign"
    EXTEND = "extend"
    PAUSE = "pause"
    GIVE_UP = "give_up"


def leads_act(
    *,
    leads: Sequence[Prospect],
    action: LeadAction,
    actor: User,
    now: dt.datetime,
    note: str = "",
    to: User | None = None,
    extra_touches: int = 0,
    pause_until: dt.datetime | None = None,
) -> str:
    """One action on every lead, all or none: the first refusal rolls every lead back and says which lead it was.
    Returns what was done, one clause per lead."""
    open_enrollments = {
        e.prospect_id: e for e in Enrollment.objects.filter(prospect__in=leads, status__in=Enrollment.OPEN_STATUSES)
    }
    done: list[str] = []
    with transaction.atomic():
        for lead in leads:
            try:
                done.append(
                    _lead_act(
                        lead,
                        open_enrollments.get(lead.pk),
                        action=action,
                        actor=actor,
                        now=now,
                        note=note,
                        to=to,
                        extra_touches=extra_touches,
                        pause_until=pause_until,
                    )  # fmt: skip
                )
            except ValidationError as exc:
                raise ValidationError(f"{lead}: {' '.join(exc.messages)}") from exc
    return f"{plural(len(leads), 'lead')}: " + "; ".join(done) + "."


def _lead_act(
    lead: Prospect,
    enrollment: Enrollment | None,
    *,
    action: LeadAction,
    actor: User,
    now: dt.datetime,
    note: str,
    to: User | None,
    extra_touches: int,
    pause_until: dt.datetime | None,
) -> str:
    if action == LeadAction.REASSIGN:
        reason = note or "Reassigned from the manager dashboard"
        new_owner = prospect_reassign(prospect=lead, now=now, reason=reason, to=to, actor=actor)
        if new_owner is None:
            raise ValidationError(f"nobody else on {lead.team} is available to take it.")
        return f"{lead} to {new_owner}"
    if enrollment is None:
        raise ValidationError("its cadence has ended; reassign it to start a new one.")
    if action == LeadAction.EXTEND:
        enrollment_extend(enrollment=enrollment, extra_touches=extra_touches, now=now, actor=actor, note=note)
        return f"{lead} extended by {extra_touches}"
    if action == LeadAction.PAUSE:
        enrollment_pause(enrollment=enrollment, now=now, until=pause_until, actor=actor, note=note)
        return f"{lead} paused"
    reason = note or "Given up from the manager dashboard"
    early = enrollment_give_up(enrollment=enrollment, now=now, reason=reason, confirm_early=True, actor=actor)
    return f"{lead} given up" + (" (early)" if early else "")


class EnrollmentEnded(ValidationError):
    """The lead's cadence ended before the action could run on it."""


def enrollment_open_act(
    *, enrollments: QuerySet[Enrollment], enrollment_id: int, act: Callable[[Enrollment], object]
) -> Enrollment:
    """Lock the open enrollment `enrollment_id` among `enrollments` (the caller's scope: another team's is
    Enrollment.DoesNotExist) and run `act` on it in the same transaction, so two clients acting on one lead go one
    after the other and the second sees what the first did. An ended one raises EnrollmentEnded; whatever `act`
    raises rolls it back. Returns the enrollment as committed."""
    with transaction.atomic():
        enrollment = enrollments.select_for_update(of=("self",)).get(pk=enrollment_id)
        if not enrollment.is_open:
            raise EnrollmentEnded("This lead's cadence has already ended; enroll it again to start a new one.")
        act(enrollment)
    enrollment.refresh_from_db()
    return enrollment
