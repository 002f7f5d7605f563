"""Touches, enrollments and follow-ups: each prospect's current round, then two years of earlier ones."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bench.generate.base import DAY, HISTORY_DAYS, LONG_HISTORY_TOUCHES, Load, uuid_hex, weighted, workday
from bench.generate.people import Cast, ProspectFacts
from bench.generate.pgcopy import NULL, CopyTable, CopyWriter, text, ts
from bench.words import NOTES, THEMES, WINDOW_LABELS, WINDOWS_MIN

# fmt: off
TOUCH_COLUMNS = (
    "id", "prospect_id", "contact_id", "rep_id", "channel", "kind", "outcome", "theme", "note", "duration_seconds",
    "occurred_at", "source", "created_at", "updated_at", "deleted_at", "callee_weekday", "callee_hour",
)
ENROLLMENT_COLUMNS = (
    "id", "prospect_id", "cadence_id", "owner_id", "status", "started_at", "next_due_at", "replan_requested_at",
    "planned_at", "last_action", "last_reason", "paused_until", "next_step", "next_step_due_at", "ended_at",
    "end_reason", "created_at", "updated_at", "counts_from",
)
FOLLOW_UP_COLUMNS = (
    "id", "enrollment_id", "rep_id", "prospect_id", "contact_id", "attempt", "step", "attempt_of", "due_start",
    "due_end", "channel",
    "kind", "theme", "reason", "status", "overdue_since", "reminded_at", "is_next_step", "touch_id", "created_at",
    "completed_at",
)
# fmt: on
Attempt = tuple[str, int, str, str, int]  # channel, epoch, outcome, theme, window


class Histories:
    """Writes the three history tables for a list of prospects.

    1. The current round: an enrollment started days or weeks ago, its attempts so far (a no-answer call,
       usually followed by a voicemail, sometimes an email), a done follow-up per attempt and one planned
       follow-up, due in the coming days (some overdue: reps fall behind). 5% are engaged after a
       conversation with an agreed next step; 3% are paused.
    2. Earlier rounds: the rest of the touches, spread over two years with a long tail (a few accounts
       have a thousand touches), ~85% unanswered calls and voicemails; a quarter of prospects also have an
       ended enrollment.
    """

    def __init__(self, load: Load, cast: Cast, writer: CopyWriter) -> None:
        from cadence.models import Enrollment, FollowUp
        from touches.models import Touch

        self.load = load
        self.cast = cast
        self.clock = load.clock
        self.now_epoch = load.now_epoch
        self.touches = CopyTable(Touch, TOUCH_COLUMNS, writer)
        self.enrollments = CopyTable(Enrollment, ENROLLMENT_COLUMNS, writer)
        self.follow_ups = CopyTable(FollowUp, FOLLOW_UP_COLUMNS, writer)
        self.enrollment_id = 0
        self.follow_up_id = 0
        rng = self.rng = load.rng("histories")
        self.source_pick = weighted(rng, [("web", 70), ("api", 25), ("import", 5)])
        self.old_channel = weighted(
            rng, [("call", 55), ("voicemail", 30), ("email", 10), ("in_person", 1), ("other", 4)]
        )
        self.call_outcome = weighted(
            rng,
            [("no_answer", 880), ("connected", 55), ("meeting_booked", 10), ("wrong_person", 20),
             ("left_company", 10), ("not_interested", 25)],
        )  # fmt: skip
        self.email_outcome = weighted(rng, [("sent", 85), ("replied", 5), ("bounced", 8), ("opted_out", 2)])
        self.attempts_pick = weighted(rng, [(0, 10), (1, 14), (2, 15), (3, 14), (4, 13), (5, 12), (6, 11), (7, 11)])

    def write(self, prospects: Sequence[ProspectFacts]) -> None:
        load, rng = self.load, self.rng
        today = self.clock.local_ordinal("UTC", self.now_epoch)
        first_day = today - HISTORY_DAYS

        # 1. the current rounds (their touch counts come off the total first)
        rounds: list[tuple[ProspectFacts, list[Attempt]]] = []
        for prospect in prospects:
            attempts = self.attempts_pick() if not prospect.high_value else rng.randrange(0, 20)
            rounds.append((prospect, self._current_round(prospect, attempts, today)))
        current_touch_count = sum(len(attempts) for _, attempts in rounds)

        # 2. earlier rounds: a long-tailed share of what is left; the first prospect of each team is a long story
        remaining = max(0, load.scale.touches - current_touch_count)
        long_ids = {p.id for p in prospects[: load.scale.teams]}
        long_each = min(LONG_HISTORY_TOUCHES, remaining // max(1, 10 * len(long_ids)))
        spread = remaining - long_each * len(long_ids)
        weights = [0.0 if p.id in long_ids else min(rng.paretovariate(1.6), 40.0) for p in prospects]
        total_weight = sum(weights) or 1.0
        old_counts = [
            long_each if p.id in long_ids else int(w / total_weight * spread)
            for p, w in zip(prospects, weights, strict=True)
        ]
        for _ in range(remaining - sum(old_counts)):
            old_counts[rng.randrange(len(old_counts))] += 1
        load.report.long_history_prospect_ids = sorted(long_ids)

        for (prospect, round_touches), old_count in zip(rounds, old_counts, strict=True):
            default_cadence, long_cadence = self.cast.cadences[prospect.team]
            cadence_id = long_cadence if prospect.high_value else default_cadence
            started = (
                round_touches[0][1] - rng.randrange(600, 2 * DAY)
                if round_touches
                else (self.now_epoch - rng.randrange(3600, 3 * DAY))
            )
            # earlier rounds end a few days before this one started
            old_until = self.clock.local_ordinal(prospect.tz, started) - 3
            if old_count and rng.random() < 0.25 and old_until > first_day + 30:
                self._ended_enrollment(prospect, cadence_id, first_day, old_until)
            team_reps = self.cast.reps_by_team[prospect.team]
            for _ in range(old_count):
                self._old_touch(prospect, team_reps, first_day, old_until)
            self._write_round(prospect, cadence_id, started, round_touches)
        for table in (self.touches, self.enrollments, self.follow_ups):
            table.flush()
        load.report.rows.update(
            {
                "touches_touch": self.touches.count,
                "cadence_enrollment": self.enrollments.count,
                "cadence_followup": self.follow_ups.count,
            }
        )

    def _callee_time(self, prospect: ProspectFacts, contact: str, at: int) -> str:
        """The two trigger-kept columns (triggers are off during the load), tab first."""
        zone = prospect.zones.get(int(contact), prospect.tz) if contact != NULL else prospect.tz
        weekday, hour = self.clock.weekday_hour(zone, at)
        return f"\t{weekday}\t{hour}"

    def _old_touch(self, prospect: ProspectFacts, team_reps: list[int], first_day: int, until_day: int) -> None:
        rng = self.rng
        day = workday(rng.randrange(first_day, max(first_day + 1, until_day)), forward=False)
        at = self.clock.at(prospect.tz, day, _minute_of_day(rng))
        channel = self.old_channel()
        kind = "regular"
        if channel == "call":
            outcome = self.call_outcome()
        elif channel == "voicemail":
            outcome = "left_voicemail"
        elif channel == "email":
            outcome = self.email_outcome()
            if rng.random() < 0.03:
                kind = "breakup"
        elif channel == "in_person":
            outcome = rng.choice(("connected", "no_answer"))
        else:
            outcome = "sent"
        theme = rng.choice(THEMES) if channel in ("voicemail", "email") else "none"
        if outcome in ("connected", "meeting_booked"):
            duration: int | None = rng.randrange(120, 1200)
        else:
            duration = rng.randrange(15, 45) if channel in ("call", "voicemail") else None
        contact = _touch_contact(prospect, rng)
        rep = prospect.owner if rng.random() < 0.9 else rng.choice(team_reps)
        note = rng.choice(NOTES) if channel == "other" or rng.random() < 0.15 else ""
        created = at + rng.randrange(30, 900)
        deleted = ts(created + DAY) if rng.random() < 0.005 else NULL
        self.touches.add(
            f"{uuid_hex(rng)}\t{prospect.id}\t{contact}\t{rep}\t{channel}\t{kind}\t{outcome}\t{theme}\t"
            f"{note}\t{text(duration)}\t{ts(at)}\t{self.source_pick()}\t{ts(created)}\t{ts(created)}\t{deleted}"
            f"{self._callee_time(prospect, contact, at)}"
        )

    def _current_round(self, prospect: ProspectFacts, attempts: int, today: int) -> list[Attempt]:
        """This round's attempts, oldest first, on every other working day, each window after the last."""
        rng = self.rng
        occasions: list[list[tuple[str, str]]] = []
        made = 0
        engaged = rng.random() < 0.05 and attempts > 0
        while made < attempts:
            room = attempts - made
            roll = rng.random()
            if roll < 0.15:
                occasion = [("email", "sent")]
            elif roll < 0.85 and room >= 2:
                occasion = [("call", "no_answer"), ("voicemail", "left_voicemail")]
            else:
                occasion = [("call", "no_answer")]
            occasions.append(occasion)
            made += len(occasion)
        if engaged:
            occasions[-1] = [("call", "connected")]
        # the last occasion 0-3 working days ago, the others every other working day before it
        day = workday(today - rng.randrange(0, 4), forward=False)
        dated: list[tuple[str, int, str, int]] = []
        window = rng.randrange(4)
        for occasion in reversed(occasions):
            start, end = WINDOWS_MIN[window]
            at = self.clock.at(prospect.tz, day, rng.randrange(start, end - 5))
            for offset, (channel, outcome) in enumerate(occasion):
                dated.append((channel, at + offset * 120, outcome, window))
            day = workday(day - 2, forward=False)
            window = (window - 1) % 4
        dated = [touch for touch in dated if touch[1] < self.now_epoch - 300]
        dated.sort(key=lambda touch: touch[1])
        return [
            (channel, at, outcome, THEMES[n % 3] if channel != "call" else "none", window)
            for n, (channel, at, outcome, window) in enumerate(dated)
        ]

    def _write_round(
        self, prospect: ProspectFacts, cadence_id: int, started: int, round_touches: list[Attempt]
    ) -> None:
        """The open enrollment, its touches with their done follow-ups, and what is planned next."""
        rng, clock = self.rng, self.clock
        self.enrollment_id += 1
        enrollment_id = self.enrollment_id
        contact = str(prospect.decision_maker or prospect.contacts[0])
        max_touches = 36 if prospect.high_value else 8
        # One attempt per occasion, as the planner counts: a voicemail two minutes after its call is step 1 of it.
        number, step, previous = 0, 0, None
        for channel, at, outcome, theme, window in round_touches:
            if previous is None or at - previous > 600:
                number, step = number + 1, 0
            else:
                step += 1
            previous = at
            touch_id = uuid_hex(rng)
            created = min(at + rng.randrange(30, 300), self.now_epoch - 1)
            if outcome == "connected":
                duration: int | None = rng.randrange(120, 900)
            else:
                duration = rng.randrange(15, 45) if channel != "email" else None
            self.touches.add(
                f"{touch_id}\t{prospect.id}\t{contact}\t{prospect.owner}\t{channel}\tregular\t{outcome}\t{theme}\t"
                f"\t{text(duration)}\t{ts(at)}\t{self.source_pick()}\t{ts(created)}\t{ts(created)}\t{NULL}"
                f"{self._callee_time(prospect, contact, at)}"
            )
            self.follow_up_id += 1
            window_start, window_end = WINDOWS_MIN[window]
            local_day = clock.local_ordinal(prospect.tz, at)
            due_start = min(at, clock.at(prospect.tz, local_day, window_start))
            due_end = max(at + 60, clock.at(prospect.tz, local_day, window_end))
            self.follow_ups.add(
                f"{self.follow_up_id}\t{enrollment_id}\t{prospect.owner}\t{prospect.id}\t{contact}\t{number}\t{step}\t"
                f"{max(max_touches, number)}\t{ts(due_start)}\t{ts(due_end)}\t{channel}\tregular\t{theme}\t"
                f"Attempt {number} of {max(max_touches, number)} · {WINDOW_LABELS[window]} window\tdone\t{NULL}\t"
                f"{ts(due_start)}\tf\t{touch_id}\t{ts(due_start - DAY)}\t{ts(created)}"
            )
        attempt = number + 1
        last = round_touches[-1] if round_touches else None
        planned_at = last[1] + 60 if last else started
        roll = rng.random()
        today = clock.local_ordinal(prospect.tz, self.now_epoch)
        paused_until: int | None = None
        next_step, next_step_due = "", NULL
        if last is not None and last[2] == "connected":
            status = "engaged"
            due_start = clock.at(prospect.tz, workday(today + rng.randrange(1, 6), forward=True), 600)
            due_end = due_start + 3600
            next_step, next_step_due = "Send the lane pricing", ts(due_start)
            kind, channel, theme, is_next_step = "regular", "call", "none", "t"
            reason = "Next step: Send the lane pricing"
        elif roll < 0.03:
            status, paused_until = "paused", self.now_epoch + rng.randrange(3, 21) * DAY
        else:
            status = "active"
            # due in the next two working weeks; about one in ten is already overdue (the rep fell behind)
            offset = rng.randrange(-3, 0) if rng.random() < 0.1 else rng.randrange(0, 14)
            due_day = workday(today + offset, forward=offset >= 0)
            window = rng.randrange(4)
            due_start = clock.at(prospect.tz, due_day, WINDOWS_MIN[window][0])
            due_end = clock.at(prospect.tz, due_day, WINDOWS_MIN[window][1])
            if offset == 0 and due_end <= self.now_epoch:
                due_day = workday(today + 1, forward=True)
                due_start = clock.at(prospect.tz, due_day, WINDOWS_MIN[window][0])
                due_end = clock.at(prospect.tz, due_day, WINDOWS_MIN[window][1])
            kind = "breakup" if attempt >= max_touches else "regular"
            channel = "voicemail" if kind == "breakup" else "call"
            theme = THEMES[attempt % 3]
            is_next_step = "f"
            reason = (
                f"Attempt {attempt} of {max(max_touches, attempt)} · every other day · {WINDOW_LABELS[window]} window"
                f" · theme: {theme}"
            )
        next_due = NULL
        if paused_until is not None:
            next_due = ts(paused_until)
        else:
            overdue = due_end <= self.now_epoch
            if not overdue:
                next_due = ts(due_end)
            self.follow_up_id += 1
            overdue_since = ts(due_end) if overdue else NULL
            # Anything already due was in an earlier sweep's reminder digest.
            reminded = ts(due_start) if due_start <= self.now_epoch else NULL
            self.follow_ups.add(
                f"{self.follow_up_id}\t{enrollment_id}\t{prospect.owner}\t{prospect.id}\t{contact}\t{attempt}\t0\t"
                f"{max(max_touches, attempt)}\t{ts(due_start)}\t{ts(due_end)}\t{channel}\t{kind}\t{theme}\t"
                f"{text(reason)}\tplanned\t"
                f"{overdue_since}\t{reminded}\t{is_next_step}\t{NULL}\t{ts(planned_at)}\t{NULL}"
            )
        paused = status == "paused"
        self.enrollments.add(
            f"{enrollment_id}\t{prospect.id}\t{cadence_id}\t{prospect.owner}\t{status}\t{ts(started)}\t{next_due}\t"
            f"{NULL}\t{ts(planned_at)}\t{'paused' if paused else 'follow_up'}\t{'Paused' if paused else 'Planned'}\t"
            f"{ts(paused_until) if paused_until else NULL}\t{next_step}\t{next_step_due}\t{NULL}\t\t{ts(started)}\t"
            f"{ts(planned_at)}\t{ts(started)}"
        )

    def _ended_enrollment(self, prospect: ProspectFacts, cadence_id: int, first_day: int, until_day: int) -> None:
        rng = self.rng
        self.enrollment_id += 1
        start_day = rng.randrange(first_day, until_day - 20)
        started = self.clock.at(prospect.tz, start_day, 480)
        ended = started + rng.randrange(14, 40) * DAY
        status = rng.choices(("gave_up", "reassigned", "stopped"), weights=(6, 3, 1))[0]
        reason = {
            "gave_up": "8 attempts, breakup sent, still silent · giving up",
            "reassigned": "Handed to another rep: still silent",
            "stopped": "Not interested · stopped for good",
        }[status]
        self.enrollments.add(
            f"{self.enrollment_id}\t{prospect.id}\t{cadence_id}\t{prospect.owner}\t{status}\t{ts(started)}\t{NULL}\t"
            f"{NULL}\t{ts(ended)}\t{status}\t{reason}\t{NULL}\t\t{NULL}\t{ts(ended)}\t{reason}\t{ts(started)}\t"
            f"{ts(ended)}\t{ts(started)}"
        )


def _minute_of_day(rng: random.Random) -> int:
    """Local working hours, three times in four inside one of the call windows."""
    if rng.random() < 0.75:
        start, end = WINDOWS_MIN[rng.randrange(4)]
        return rng.randrange(start, end)
    return rng.randrange(480, 1050)


def _touch_contact(prospect: ProspectFacts, rng: random.Random) -> str:
    if rng.random() < 0.05:
        return NULL
    if prospect.decision_maker is not None and rng.random() < 0.7:
        return str(prospect.decision_maker)
    return str(rng.choice(prospect.contacts))


def histories_write(load: Load, cast: Cast, prospects: Sequence[ProspectFacts], writer: CopyWriter) -> None:
    Histories(load, cast, writer).write(prospects)
