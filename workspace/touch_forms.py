"""Forms for logging touches: the one-click outcome on My day and the full form on the prospect page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.utils import timezone

from crm.models import Contact
from crm.validators import check_moment_in_range
from touches.message_library import note_similar_earlier
from touches.models import Channel, Kind, Outcome, Theme


@dataclass(frozen=True)
class QuickOutcome:
    value: str
    label: str
    outcome: str
    channel: str  # "" keeps the follow-up's own channel
    shortcut: str = ""
    # "No answer, left voicemail": the call and its voicemail, both touches of the attempt in one action.
    with_voicemail: bool = False
    # Ends the chase for good (stops are final): asked to confirm, and not undone.
    stops: bool = False


# With a mailbox connected, an email follow-up's first action sends it from Pursuit: the key opens the ready email,
# one more (Enter) sends it. Not an outcome: the send logs the touch once the server accepted the message.
SEND_EMAIL = "send_email"
NO_ANSWER_VOICEMAIL = QuickOutcome(
    "no_answer_voicemail", "No answer, left voicemail", Outcome.NO_ANSWER, Channel.CALL, "v", with_voicemail=True
)
# Every outcome a rep logs from My day. The ones used all day come first on a row (PRIMARY, by the planned
# channel) with a key each; the rest are behind "More".
QUICK_OUTCOMES = (
    NO_ANSWER_VOICEMAIL,
    QuickOutcome("no_answer", "No answer", Outcome.NO_ANSWER, Channel.CALL, "n"),
    QuickOutcome("left_voicemail", "Left voicemail", Outcome.LEFT_VOICEMAIL, Channel.VOICEMAIL, "v"),
    QuickOutcome("email_sent", "Email sent", Outcome.SENT, Channel.EMAIL, "e"),
    QuickOutcome("email_sent_myself", "I sent it myself", Outcome.SENT, Channel.EMAIL, "i"),
    QuickOutcome("replied", "Replied", Outcome.REPLIED, Channel.EMAIL, "r"),
    QuickOutcome("connected", "Connected", Outcome.CONNECTED, "", "c"),
    QuickOutcome("meeting_booked", "Meeting booked", Outcome.MEETING_BOOKED, "", "m"),
    QuickOutcome("not_interested", "Not interested", Outcome.NOT_INTERESTED, "", stops=True),
    QuickOutcome("wrong_person", "Wrong person", Outcome.WRONG_PERSON, ""),
    QuickOutcome("left_company", "Left company", Outcome.LEFT_COMPANY, ""),
    QuickOutcome("opted_out", "Opted out", Outcome.OPTED_OUT, "", stops=True),
    QuickOutcome("bounced", "Email bounced", Outcome.BOUNCED, Channel.EMAIL),
)
QUICK_BY_VALUE = {q.value: q for q in QUICK_OUTCOMES}
PRIMARY = {
    Channel.CALL: ("no_answer_voicemail", "no_answer", "email_sent", "connected", "meeting_booked"),
    Channel.VOICEMAIL: ("left_voicemail", "no_answer", "email_sent", "connected", "meeting_booked"),
    Channel.EMAIL: ("email_sent", "replied", "connected", "meeting_booked"),
    Channel.IN_PERSON: ("no_answer", "connected", "meeting_booked", "email_sent"),
}


# An email row when the rep sends from Pursuit: Send (the key e, not an outcome), then "I sent it myself" for an
# email written elsewhere, clearly apart from it.
SENDS_EMAIL = ("email_sent_myself", "replied", "connected", "meeting_booked")


def outcomes_for(
    channel: str, *, sends_email: bool = False
) -> tuple[tuple[QuickOutcome, ...], tuple[QuickOutcome, ...]]:
    """The row's buttons for a follow-up on this channel: (the common ones, what "More" holds). With `sends_email`
    (a mailbox connected) an email row's first action is Send, which the template puts before these."""
    primary = SENDS_EMAIL if sends_email and channel == Channel.EMAIL else PRIMARY.get(channel, PRIMARY[Channel.CALL])
    first = tuple(QUICK_BY_VALUE[value] for value in primary)
    rest = tuple(
        q
        for q in QUICK_OUTCOMES
        if q.value not in primary
        and not (q.with_voicemail and channel != "call")
        and not (q.value == "email_sent_myself" and not (sends_email and channel == Channel.EMAIL))
        and not (q.value == "email_sent" and sends_email and channel == Channel.EMAIL)
    )
    return first, rest


# Outcomes that are a conversation: the rep must say what happens next before the touch is saved.
NEEDS_NEXT_STEP = {"connected", "meeting_booked", "replied"}
SPOKEN = {Channel.CALL, Channel.VOICEMAIL, Channel.IN_PERSON}


def channel_for(quick: QuickOutcome, planned_channel: str) -> str:
    """The channel a one-click outcome was reached on: its own, or the planned one when that fits."""
    if quick.channel:
        return quick.channel
    if planned_channel == Channel.IN_PERSON:
        return Channel.IN_PERSON
    return Channel.EMAIL if planned_channel == Channel.EMAIL and quick.outcome == Outcome.OPTED_OUT else Channel.CALL


def wall_clock_in(value: dt.datetime, tz: ZoneInfo, *, now: dt.datetime | None = None) -> dt.datetime:
    """A datetime-local value is a wall-clock time in the zone its label names; Django has read it in the
    server's zone, so take the wall clock back and place it in the right one.

    With `now`, a date outside the sane range is refused first (before any conversion could overflow)."""
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    if now is not None:
        check_moment_in_range(naive, now=now)
    return naive.replace(tzinfo=tz)


def contact_zone(contact: Contact | None, *, fallback: ZoneInfo) -> ZoneInfo:
    """The contact's own zone, else the fallback (the prospect's): contacts mostly sit where the account does."""
    if contact is not None and contact.timezone:
        try:
            return ZoneInfo(contact.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return fallback


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class SimilarNoteMixin:
    """Says when a note nearly repeats an earlier one to the same contact; the rep may save it anyway."""

    earlier_notes: list[str]
    similar_to: str | None = None

    def check_similar(self, note: str, acknowledged: bool) -> None:
        self.similar_to = None if acknowledged else note_similar_earlier(note=note, earlier=self.earlier_notes)

    @property
    def needs_confirmation(self) -> bool:
        return self.similar_to is not None


# A next step agreed on the phone is most often one of these, on the contact's clock: one key instead of a date typed
# into a picker that fights the keyboard. Mid-morning, when the studies in docs/field-reports.md find buyers answer.
NEXT_STEP_HOUR = dt.time(10)
LATER_TODAY_AFTER = dt.timedelta(hours=2)
LAST_CALL = dt.time(20)  # a "later today" past this on their clock is not offered (calling hours end at 21:00)
DEFAULT_WHAT = {"connected": "Call back", "meeting_booked": "Meeting", "replied": "Answer their reply"}


@dataclass(frozen=True)
class NextStepPreset:
    key: str
    label: str
    at: dt.datetime
    when: str  # "Tue 8 Dec 10:00 their time · 16:00 yours"


def _working_day_after(day: dt.date, count: int) -> dt.date:
    while count:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def next_step_presets(*, tz: ZoneInfo, rep_tz: ZoneInfo | None, now: dt.datetime) -> list[NextStepPreset]:
    """Later today (two hours on, rounded up to the quarter), tomorrow, in two working days and next Monday, at
    10:00 on the contact's clock; each says the time on both clocks."""
    local = now.astimezone(tz)
    today = local.date()
    later = (local + LATER_TODAY_AFTER).replace(second=0, microsecond=0)
    later += dt.timedelta(minutes=-later.minute % 15)
    moments = []
    if later.date() == today and later.time() <= LAST_CALL:
        moments.append(("later_today", "Later today", later))
    monday = today + dt.timedelta(days=7 - today.weekday())
    for key, label, day in (
        ("tomorrow", "Tomorrow", today + dt.timedelta(days=1)),
        ("two_working_days", "In 2 working days", _working_day_after(today, 2)),
        ("next_week", "Next week", monday),
    ):
        moments.append((key, label, dt.datetime.combine(day, NEXT_STEP_HOUR, tz)))
    presets = []
    for key, label, at in moments:
        theirs = f"{at:%a} {at.day} {at:%b %H:%M} their time"
        if rep_tz is not None and at.astimezone(rep_tz).utcoffset() != at.utcoffset():
            mine = at.astimezone(rep_tz)
            theirs += f" · {mine:%H:%M}" if mine.date() == at.date() else f" · {mine:%a %H:%M}"
            theirs += " yours"
        presets.append(NextStepPreset(key, label, at, theirs))
    return presets


class NextStepFields(forms.Form):
    next_step_what = forms.CharField(
        label="Next step",
        max_length=200,
        required=False,
        help_text="What you agreed, e.g. “send lane pricing”.",
    )
    # One of the presets (a submit button each), or a day and a time, or (API clients, older forms) one moment.
    next_step_preset = forms.CharField(required=False, max_length=20)
    next_step_day = forms.DateField(label="Day", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    next_step_time = forms.TimeField(
        label="Time (their time)", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    next_step_when = forms.DateTimeField(
        label="When (their time)",
        required=False,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text="On the clock of the person you spoke to.",
    )

    def __init__(
        self, *args: object, tz: ZoneInfo, now: dt.datetime, rep_tz: ZoneInfo | None = None, **kwargs: object
    ) -> None:
        self.tz, self.now, self.rep_tz = tz, now, rep_tz
        super().__init__(*args, **kwargs)

    def next_step_zone(self) -> ZoneInfo:
        """Whose clock "their time" is: the contact the step is with (every form reads it the same way)."""
        return self.tz

    @property
    def presets(self) -> list[NextStepPreset]:
        return next_step_presets(tz=self.next_step_zone(), rep_tz=self.rep_tz, now=self.now)

    def clean_next_step_when(self) -> dt.datetime | None:
        when = self.cleaned_data["next_step_when"]
        if when is None:
            return None
        aware = wall_clock_in(when, self.next_step_zone(), now=self.now)
        if aware <= self.now:
            raise forms.ValidationError("Pick a time in the future.")
        return aware

    def _next_step_moment(self) -> None:
        """The preset pressed, or the day and time typed, become `next_step_when`."""
        preset = self.cleaned_data.get("next_step_preset") or ""
        if preset:
            found = next((p for p in self.presets if p.key == preset), None)
            if found is None:
                self.add_error("next_step_preset", "Pick one of the days offered, or type a day.")
            else:
                self.cleaned_data["next_step_when"] = found.at
            return
        day = self.cleaned_data.get("next_step_day")
        if day is None:
            return
        time = self.cleaned_data.get("next_step_time") or NEXT_STEP_HOUR
        try:
            aware = wall_clock_in(dt.datetime.combine(day, time), self.next_step_zone(), now=self.now)
        except forms.ValidationError as exc:
            self.add_error("next_step_day", exc)
            return
        if aware <= self.now:
            self.add_error("next_step_day", "Pick a day and time in the future.")
            return
        self.cleaned_data["next_step_when"] = aware

    def _require_next_step(self) -> None:
        self._next_step_moment()
        what, when = (
            self.cleaned_data.get("next_step_what", "").strip(),
            self.cleaned_data.get("next_step_when"),
        )
        if not what:
            self.add_error("next_step_what", "Before saving: what is the next step?")
        if when is None and not {"next_step_when", "next_step_day", "next_step_preset"} & set(self.errors):
            # Said next to the field the form shows: the day of the presets' form, the one moment of the others.
            field = "next_step_day" if {"next_step_day", "next_step_preset"} & set(self.data) else "next_step_when"
            self.add_error(field, "Before saving: when is it? Press one of the days, or type one.")


class QuickLogForm(SimilarNoteMixin, NextStepFields):
    outcome = forms.ChoiceField(choices=[(q.value, q.label) for q in QUICK_OUTCOMES])
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    duration_minutes = forms.IntegerField(label="Minutes", required=False, min_value=0, max_value=600)
    acknowledge_similar = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # A stop (not interested, opted out) is logged only once the rep has seen what it ends.
    confirm_stop = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @property
    def asks_stop_confirmation(self) -> bool:
        quick = QUICK_BY_VALUE.get(str(self.data.get("outcome", "")))
        return bool(quick and quick.stops and not self.data.get("confirm_stop"))

    def __init__(self, *args: object, earlier_notes: list[str], **kwargs: object) -> None:
        self.earlier_notes = earlier_notes
        super().__init__(*args, **kwargs)

    # Set when a conversation was pressed and the next-step question has not been shown yet: the form is not
    # valid (nothing is saved) but shows no error, since the rep has not had the chance to type anything.
    awaits_next_step = False

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("outcome") in NEEDS_NEXT_STEP:
            if {"next_step_what", "next_step_when", "next_step_preset", "next_step_day"} & set(self.data):
                self._require_next_step()
            else:
                self.awaits_next_step = True
        if not self.errors:
            self.check_similar(cleaned.get("note", ""), cleaned.get("acknowledge_similar", False))
        return cleaned

    def is_valid(self) -> bool:
        return super().is_valid() and not self.awaits_next_step

    @property
    def quick(self) -> QuickOutcome:
        return QUICK_BY_VALUE[self.cleaned_data["outcome"]]

    @property
    def asks_next_step(self) -> bool:
        return self.data.get("outcome") in NEEDS_NEXT_STEP

    @property
    def suggested_what(self) -> str:
        """What the next step most often is after this outcome, filled in for the rep to keep or change."""
        return DEFAULT_WHAT.get(str(self.data.get("outcome", "")), "")

    @property
    def quick_label(self) -> str:
        """The outcome the rep pressed, for what the form asks next ("Connected: what's the next step?")."""
        quick = QUICK_BY_VALUE.get(str(self.data.get("outcome", "")))
        return quick.label if quick else ""

    @property
    def duration_seconds(self) -> int | None:
        minutes = self.cleaned_data.get("duration_minutes")
        return None if minutes is None else minutes * 60


class TouchForm(SimilarNoteMixin, NextStepFields):
    """Any touch, logged from the prospect page: the channel, outcome and message as they happened."""

    contact = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.CALL)
    outcome = forms.ChoiceField(choices=Outcome.choices, initial=Outcome.NO_ANSWER)
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.REGULAR)
    theme = forms.ChoiceField(choices=Theme.choices, initial=Theme.NONE, label="Theme (the three I's)")
    note = forms.CharField(
        label="Message or note", required=False, widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    duration_minutes = forms.IntegerField(label="Minutes", required=False, min_value=0, max_value=600)
    occurred_at = forms.DateTimeField(
        label="When (your time)", widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    acknowledge_similar = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: object,
        contacts: list[Contact],
        earlier_notes_for: Callable[[int], list[str]],
        rep_tz: ZoneInfo,
        **kwargs: object,
    ) -> None:
        self.earlier_notes_for = earlier_notes_for
        self.earlier_notes = []
        super().__init__(*args, rep_tz=rep_tz, **kwargs)
        self._contacts = {c.pk: c for c in contacts}
        self.fields["contact"].choices = [("", "No one in particular")] + [
            (c.pk, f"{c.name} ({c.get_role_display()})") for c in contacts
        ]

    def next_step_zone(self) -> ZoneInfo:
        # Fields are cleaned in order and the next step's come first: read the chosen contact from the raw data.
        raw = str(self.data.get("contact") or "")
        contact = self._contacts.get(int(raw)) if raw.isdigit() else None
        return contact_zone(contact, fallback=self.tz)

    def clean_contact(self) -> Contact | None:
        # The choices came with the page (the prospect's own contacts), so no second lookup is needed.
        contact_id = self.cleaned_data["contact"]
        return None if contact_id is None else self._contacts[contact_id]

    def clean_occurred_at(self) -> dt.datetime:
        when = self.cleaned_data["occurred_at"]
        return wall_clock_in(when, self.rep_tz, now=self.now)

    def clean(self) -> dict:
        cleaned = super().clean()
        # A conversation is logged with what happens next, wherever it is logged (My day asks the same).
        if cleaned.get("outcome") in (Outcome.CONNECTED, Outcome.MEETING_BOOKED, Outcome.REPLIED):
            self._require_next_step()
        contact = cleaned.get("contact")
        if contact is not None and not self.errors:
            self.earlier_notes = self.earlier_notes_for(contact.pk)
            self.check_similar(cleaned.get("note", ""), cleaned.get("acknowledge_similar", False))
        return cleaned

    @property
    def duration_seconds(self) -> int | None:
        minutes = self.cleaned_data.get("duration_minutes")
        return None if minutes is None else minutes * 60
