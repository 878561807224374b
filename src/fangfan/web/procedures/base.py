"""A procedure's declaration (`Procedure`, `Step`) and the verbs every procedure shares.

A verb of a procedure reads, in the app's actions::

    @transaction.atomic
    def township_review(user, case, note):
        case = begin(IDENTIFICATION, user, "township_review", case)   # lock, 403 / 409
        note = require(note, "请填写乡镇审核意见")                       # the step's own rules
        return advance(IDENTIFICATION, user, case, "township_review", note, township_opinion=note)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from fangfan.engine.formatting import date_text as day_text
from fangfan.web.accounts.access import can
from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.accounts.models import User
from fangfan.web.bounds import EARLIEST_EVENT, today

R = TypeVar("R", bound=SoftDeleteModel)
E = TypeVar("E", bound=models.Model)

# However a verb is reached, no date it keeps lies beyond this many days ahead.
FURTHEST_AHEAD_DAYS = 366
# A step's end that is no one stage: where `Procedure.send_back_to` sends the record back from.
BACK = "<back>"


class WorkflowError(Exception):
    """The record is not in a state the verb can start from, or what was sent does not fit;
    the message is for the user (a page answers it with 409)."""


@dataclass(frozen=True)
class Step:
    """One step: the verb, its Chinese name, the stages it starts from and the one it leads to.

    `gate`: the access gate's action for it; None, the owner of the stage it starts from.
    `action`: the event's action; "" when it is the verb.
    """

    verb: str
    name: str
    starts: tuple[str, ...]
    end: str
    gate: str | None = None
    action: str = ""


@dataclass(frozen=True)
class Notice:
    """The verbs that post a village notice (公示) and close it once it has run its days."""

    post: str = "post_notice"
    close: str = "close_notice"


@dataclass(frozen=True, eq=False)
class Procedure(Generic[R, E]):
    """One staged procedure, declared. `state_field` holds the stage ("stage", "status");
    its event model has `<event_record_field>`, `user`, `action`, `note`, `from_<state_field>`
    and `to_<state_field>`."""

    model: type[R]
    state_field: str
    stages: type[models.TextChoices]
    open_stages: tuple[str, ...]
    closed_stages: tuple[str, ...]
    owner: Mapping[str, str]
    steps: tuple[Step, ...]
    event_model: type[E]
    event_record_field: str
    noun: str
    send_back_to: Mapping[str, str] = field(default_factory=dict)
    notice: Notice | None = None
    # A refusal for a record in the wrong stage; {allowed} lists the stages the step starts from.
    wrong_stage: str = "{noun}当前为“{stage}”，不能{name}"

    def step(self, verb: str) -> Step:
        for step in self.steps:
            if step.verb == verb:
                return step
        raise ValueError(f"unknown verb {verb!r}")

    @property
    def verbs(self) -> tuple[str, ...]:
        return tuple(step.verb for step in self.steps)

    def stage_of(self, record: R) -> str:
        return str(getattr(record, self.state_field))

    def stage_label(self, record: R) -> str:
        return str(getattr(record, f"get_{self.state_field}_display")())

    def events_of(self, record: R) -> models.QuerySet[E]:
        """The record's events, newest first, with who did each."""
        rows = self.event_model._default_manager.filter(**{self.event_record_field: record})
        return rows.select_related("user").order_by("-at", "-id")


def gate_for(procedure: Procedure[Any, Any], verb: str, stage: str) -> str | None:
    """The gate action `verb` needs on a record in `stage`; None when the step cannot start there."""
    step = procedure.step(verb)
    if stage not in step.starts:
        return None
    return step.gate or procedure.owner[stage]


def natural_gate(procedure: Procedure[Any, Any], verb: str, stage: str) -> str | None:
    """The gate action that owns `verb` wherever the record is (for telling 403 from 409): the
    step's own, or the owner of the one stage it starts from; for a step from any of several
    stages (send back, reject), the owner of the record's stage now (None once closed)."""
    step = procedure.step(verb)
    if step.gate:
        return step.gate
    if len(step.starts) == 1:
        return procedure.owner[step.starts[0]]
    return procedure.owner.get(stage)


def may(procedure: Procedure[R, Any], user: User, verb: str, record: R) -> bool:
    """Whether the user may do `verb` to the record now: the stage allows it and the gate lets them."""
    gate = gate_for(procedure, verb, procedure.stage_of(record))
    return gate is not None and can(user, gate, record)


def check(procedure: Procedure[R, Any], user: User, verb: str, record: R) -> None:
    """PermissionDenied (403) for a role that never does this step here; WorkflowError when
    the record's stage is wrong (“该案件当前为“公示中”，不能乡镇审核”)."""
    step = procedure.step(verb)
    stage = procedure.stage_of(record)
    natural = natural_gate(procedure, verb, stage)
    if natural is None or not can(user, natural, record):
        if natural is None and can(user, "view", record):
            raise WorkflowError(f"{procedure.noun}已{procedure.stage_label(record)}，不能再{step.name}")
        raise PermissionDenied(f"您的角色无权{step.name}")
    if stage not in step.starts:
        allowed = "、".join(procedure.stages(start).label for start in sorted(step.starts))
        raise WorkflowError(
            procedure.wrong_stage.format(
                noun=procedure.noun, stage=procedure.stage_label(record), name=step.name, allowed=allowed
            )
        )


def locked(procedure: Procedure[R, Any], record: R) -> R:
    """The record re-read under a row lock, so two people cannot move it at once."""
    fresh: R = procedure.model.objects.select_for_update().get(pk=record.pk)
    return fresh


def begin(procedure: Procedure[R, Any], user: User, verb: str, record: R) -> R:
    """A step's start (inside its transaction): the record locked, then `check`ed."""
    record = locked(procedure, record)
    check(procedure, user, verb, record)
    return record


def advance(procedure: Procedure[R, E], user: User, record: R, verb: str, note: str, **changes: Any) -> E:
    """Move the record to the step's end (or back, `send_back_to`), with `changes`, and write its event."""
    step = procedure.step(verb)
    state = procedure.state_field
    from_stage = procedure.stage_of(record)
    to_stage = procedure.send_back_to[from_stage] if step.end == BACK else step.end
    record.update_audited(user, **{state: to_stage}, **changes)
    event: E = procedure.event_model._default_manager.create(
        **{procedure.event_record_field: record, "user": user, "action": step.action or verb, "note": note},
        **{f"from_{state}": from_stage, f"to_{state}": to_stage},
    )
    return event


@transaction.atomic
def send_back(procedure: Procedure[R, E], user: User, record: R, reason: str, verb: str = "send_back") -> E:
    """退回: the step before is to be done again (`send_back_to`), with the reason."""
    record = begin(procedure, user, verb, record)
    reason = require(reason, "请填写退回的原因")
    return advance(procedure, user, record, verb, reason)


@transaction.atomic
def reject(procedure: Procedure[R, E], user: User, record: R, reason: str, verb: str = "reject") -> E:
    """不予认定 / 不予消除: the procedure ends here; the reason is kept in `rejected_reason`."""
    record = begin(procedure, user, verb, record)
    reason = require(reason, f"请填写{procedure.step(verb).name}的理由")
    return advance(procedure, user, record, verb, reason, rejected_reason=reason)


def step_opens_on(
    procedure: Procedure[R, Any], verb: str, record: R, on: dt.date | None = None
) -> dt.date | None:
    """The day a step the user may take becomes possible, when that is still ahead: closing a
    notice (公示期满) from its end date. None: it may be taken now. The page shows such a step
    disabled with its date; the verb refuses it all the same."""
    day = on or timezone.localdate()
    if procedure.notice is not None and verb == procedure.notice.close:
        end: dt.date | None = getattr(record, "notice_end", None)
        if end is not None and day < end:
            return end
    return None


def require(text: str, message: str) -> str:
    """The text stripped, or a refusal with `message` when there is none."""
    if not text or not text.strip():
        raise WorkflowError(message)
    return text.strip()


def require_date(value: dt.date | None, earliest: dt.date | None, latest: dt.date | None, name: str) -> None:
    """Refuse a date outside [earliest, latest], saying which bound it broke.

    Whatever the bounds, a date before 2013 (精准扶贫 began) is refused, and with no
    latest bound one more than a year ahead: such a date would freeze its record.
    """
    if value is None:
        raise WorkflowError(f"请填写{name}")
    earliest = max(earliest or EARLIEST_EVENT, EARLIEST_EVENT)
    furthest = today() + dt.timedelta(days=FURTHEST_AHEAD_DAYS)
    latest = furthest if latest is None else latest
    if value < earliest:
        raise WorkflowError(f"{name}不能早于{day_text(earliest)}")
    if value > latest:
        raise WorkflowError(f"{name}不能晚于{day_text(latest)}")
