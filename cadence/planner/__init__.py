"""The cadence planner: given a prospect's situation, decide the one next thing to do.

Pure by design: no ORM, no clock, no I/O. The service layer gathers a Situation, calls plan_next, and stores
the Decision; the same Situation always gives the same Decision.
"""

from cadence.planner.calendar import DaysOff, FixedDaysOff, NoDaysOff, holiday_calendar
from cadence.planner.decide import count_attempts, give_up_is_early, plan_next, plan_preview
from cadence.planner.decision import Decision
from cadence.planner.enums import Action, Channel, ContactRole, Kind, OnFinish, Outcome, Theme
from cadence.planner.inputs import ContactInfo, NextStep, PastTouch, Situation
from cadence.planner.rules import DEFAULT_WINDOWS, CallWindow, Rules

__all__ = [
    "DEFAULT_WINDOWS",
    "Action",
    "CallWindow",
    "Channel",
    "ContactInfo",
    "ContactRole",
    "DaysOff",
    "Decision",
    "FixedDaysOff",
    "Kind",
    "NextStep",
    "NoDaysOff",
    "OnFinish",
    "Outcome",
    "PastTouch",
    "Rules",
    "Situation",
    "Theme",
    "count_attempts",
    "give_up_is_early",
    "holiday_calendar",
    "plan_next",
    "plan_preview",
]
