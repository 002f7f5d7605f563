"""What the database does by itself: every trigger and PL/pgSQL function is in docs/database.md, and the enum
values their SQL (and the SQL written in Python) copies are the Python enums' values, so renaming or adding a value
in Python cannot leave a trigger counting the old one."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from api.models import TouchChange
from cadence.models import Enrollment, FollowUp, LeadEvent
from cadence.planner.enums import Action
from crm.models import Prospect
from dashboard import scope, stalled
from tests.factories import EnrollmentFactory, UserFactory
from touches.models import ATTEMPT_CHANNELS, CONNECT_OUTCOMES, CONVERSATIONS, Outcome

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parent.parent / "docs" / "database.md"
IN_LIST = re.compile(r"(?:\b\w+\.)?\b(\w+)\s+(?:NOT\s+)?IN\s*\(\s*('[^']*'(?:\s*,\s*'[^']*')*)\s*\)", re.IGNORECASE)
EQUALS = re.compile(r"(?:\b\w+\.)?\b(\w+)\s*(?:=|<>|!=)\s*'([^']*)'")


def live_functions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace")
        return dict(cursor.fetchall())


def live_triggers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return [name for (name,) in cursor.fetchall()]


def compared(sql: str) -> dict[str, set[str]]:
    """Each column the SQL compares with quoted values, and those values."""
    found: dict[str, set[str]] = defaultdict(set)
    for column, values in IN_LIST.findall(sql):
        found[column.lower()] |= set(re.findall(r"'([^']*)'", values))
    for column, value in EQUALS.findall(sql):
        found[column.lower()].add(value)
    return found


def values_in(sql: str, column: str) -> set[str]:
    return compared(sql).get(column, set())


def choices_by_column() -> dict[str, set[str]]:
    """Every column with choices in the project's models, and the values Python allows in it (the union where two
    tables have a column of that name)."""
    allowed: dict[str, set[str]] = defaultdict(set)
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.choices and model.__module__.split(".")[0] in {
                "crm",
                "touches",
                "cadence",
                "mailroom",
                "api",
                "webhooks",
            }:
                allowed[field.column] |= {str(value) for value, _ in field.flatchoices}
    return allowed


def test_every_trigger_and_function_in_the_database_is_in_docs_database_md():
    documented = DOC.read_text()

    missing = sorted(name for name in [*live_triggers(), *live_functions()] if f"`{name}`" not in documented)

    assert missing == []


def test_every_value_a_function_compares_a_column_with_is_one_python_allows_in_it():
    allowed = choices_by_column()
    wrong = {
        f"{function}: {column} {sorted(values - allowed[column])}"
        for function, source in live_functions().items()
        for column, values in compared(source).items()
        if column in allowed and values - allowed[column]
    }

    assert wrong == set()


def test_the_dashboards_rollups_count_the_attempts_and_connects_python_counts():
    functions = live_functions()
    for name in ("touches_hours_inserted", "touches_hours_updated", "touches_hours_deleted"):
        source = functions[name]
        assert set(re.findall(r"channel IN \(([^)]*)\)", source)) == {", ".join(f"'{c}'" for c in ATTEMPT_CHANNELS)}
        assert values_in(source, "outcome") == {str(o) for o in CONNECT_OUTCOMES}


def test_the_first_reach_is_the_first_conversation_python_counts_and_its_attempt_counts_python_attempts():
    functions = live_functions()
    for name in ("touches_first_reach", "touches_first_reach_refresh"):
        assert values_in(functions[name], "outcome") == {str(o) for o in CONVERSATIONS}
    assert values_in(functions["touches_first_reach_refresh"], "channel") == {str(c) for c in ATTEMPT_CHANNELS}


def test_a_hand_over_moves_the_open_enrollments_and_the_planned_follow_up_python_calls_open_and_planned():
    source = live_functions()["cadence_lead_follows_owner"]

    assert set(re.findall(r"'(\w+)'", re.search(r"e\.status IN \(([^)]*)\)", source).group(1))) == {
        str(s) for s in Enrollment.OPEN_STATUSES
    }
    assert re.findall(r"f\.status = '(\w+)'", source) == [FollowUp.Status.PLANNED]


def test_an_inbound_leads_first_attempt_is_an_attempt_as_python_counts_it():
    source = live_functions()["cadence_inbound_first_attempt"]

    assert values_in(source, "channel") == {str(c) for c in ATTEMPT_CHANNELS}


def test_the_webhooks_announce_the_statuses_python_has_and_only_event_types_endpoints_subscribe_to():
    from webhooks.models import EVENT_TYPES

    functions = {name: source for name, source in live_functions().items() if name.startswith("webhooks_")}
    types = {
        t
        for source in functions.values()
        for t in re.findall(r"'((?:touch|lead|meeting|enrollment|mailbox)\.\w+)'", source)
    }

    assert types == {name for name, _ in EVENT_TYPES}
    assert values_in(functions["webhooks_enrollment_changed"], "status") <= {str(s) for s in Enrollment.Status}
    assert values_in(functions["webhooks_prospect_stopped"], "status") <= {str(s) for s in Prospect.Status}
    assert values_in(functions["webhooks_touch_inserted"], "outcome") == {str(Outcome.MEETING_BOOKED)}


def test_the_changes_feed_writes_only_the_operations_its_readers_know():
    functions = live_functions()
    for name in ("api_touch_change_log", "api_prospect_owner_change_log"):
        ops = set(re.findall(r"'(created|updated|deleted|\w+)'", functions[name])) & {"created", "updated", "deleted"}
        assert ops <= {str(op) for op in TouchChange.Op}


def test_the_stalled_list_and_the_overdue_counts_name_open_statuses_and_planned_follow_ups_as_python_does():
    sql_in_python = " ".join(
        [
            scope.LATE_FOLLOW_UPS_SQL,
            stalled._OPEN,
            *stalled._CANDIDATE_RANGES,
            *(condition for condition, _ in stalled._REASON_SQL.values()),
        ]
    )
    allowed = choices_by_column()

    assert values_in(stalled._OPEN, "status") == {str(s) for s in Enrollment.OPEN_STATUSES}
    assert values_in(scope.LATE_FOLLOW_UPS_SQL, "status") == {FollowUp.Status.PLANNED}
    # An enrollment's last action is the planner's, or the hand-over that found nobody to take the lead.
    assert values_in(sql_in_python, "last_action") <= {*map(str, Action), LeadEvent.Kind.REASSIGN_BLOCKED}
    assert {
        column: values - allowed[column]
        for column, values in compared(sql_in_python).items()
        if column in allowed and values - allowed[column]
    } == {}


def test_saving_a_new_owner_however_it_is_saved_moves_the_open_enrollment_and_the_planned_follow_up(alice, team):
    bob = UserFactory(username="bob", team=team)
    enrollment = EnrollmentFactory(prospect__owner=alice)
    follow_up = FollowUp.objects.create(
        enrollment=enrollment, rep=alice, prospect=enrollment.prospect, attempt=1, attempt_of=6, channel="call",
        due_start=enrollment.started_at, due_end=enrollment.started_at + dt.timedelta(hours=1),
        reason="Call",
    )  # fmt: skip
    done = FollowUp.objects.create(
        enrollment=enrollment, rep=alice, prospect=enrollment.prospect, attempt=1, step=1, attempt_of=6,
        channel="voicemail", due_start=enrollment.started_at,
        due_end=enrollment.started_at + dt.timedelta(hours=1), reason="Voicemail",
        status=FollowUp.Status.DONE,
    )  # fmt: skip

    type(enrollment.prospect).objects.filter(pk=enrollment.prospect_id).update(owner=bob)

    enrollment.refresh_from_db()
    follow_up.refresh_from_db()
    done.refresh_from_db()
    assert (enrollment.owner, follow_up.rep, done.rep) == (bob, bob, alice)
