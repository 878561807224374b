"""A household's own reports from the public form, and what the reporter may look up.

receive_self_report  a report from /report/: a new lead, or a further report of a lead
                     of the same person still open (never dropped, never a different answer)
report_progress      the stage of a report, for its reference number and the phone given

Each report has its own reference number, so the answer page is the same whatever was
received before, and each reporter can look up the report they sent.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.accounts.personal import mask_phone
from fangfan.web.monitoring import spam
from fangfan.web.monitoring.matching import match_household
from fangfan.web.monitoring.models import FurtherReport, Intake, Source
from fangfan.web.monitoring.places import place_name
from fangfan.web.monitoring.workflow import OPEN_STAGES, Stage
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.registry.models import Household

Match = Intake.Match
# How sure each match is: a further report's surer match replaces its lead's weaker one.
MATCH_STRENGTH: dict[str, int] = {Match.NAME: 1, Match.PHONE: 2, Match.ID_NUMBER: 3}
PERSON_CHANNELS = (Source.SELF_REPORT, Source.HOTLINE)
REFERENCE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out on the phone


@dataclass(frozen=True)
class Report:
    """What a household (or a caller for it) says: who, where, what happened."""

    village_code: str
    name: str
    description: str
    id_number: str = ""
    phone: str = ""
    contact_phone: str = ""


@transaction.atomic
def receive_self_report(report: Report, fill_token: str = "") -> Intake | FurtherReport:
    """A report from the public form: a new lead in its village's township's list, or a
    further report on the open lead of the same person; either way with its own reference.

    With `fill_token`, the token is spent here (refused if it was spent before), in the
    same transaction, so a report that fails to be stored leaves its token good.
    """
    if fill_token and not spam.use_token(fill_token):
        raise WorkflowError("这份申报已经提交过了，无需重复提交")
    household, how = match_household(report.village_code, report.id_number, report.phone, report.name)
    lead = open_lead_of(report, household if how in (Match.ID_NUMBER, Match.PHONE) else None)
    if lead is None:
        intake = from_report(report, Source.SELF_REPORT, timezone.localdate())
        intake.household, intake.match = household, how
        return create_intake(None, intake)
    return _add_further_report(lead, report, household, how)


def open_lead_of(report: Report, household: Household | None = None) -> Intake | None:
    """The first open lead (waiting, or its case still open) of the report's person in its village.

    The same person: the same ID number, the same phone, or the same name unless both
    reports carry ID numbers that differ; or the household the report's ID number or
    phone found.
    """
    name, id_number, phone = report.name.strip(), report.id_number, report.phone
    same_person = Q(name=name) & (Q(id_number="") | Q(id_number=id_number)) if id_number else Q(name=name)
    if id_number:
        same_person |= Q(id_number=id_number)
    if phone:
        same_person |= Q(phone=phone)
    if household is not None:
        same_person |= Q(household=household)
    still_open = Q(status=Intake.Status.NEW) | Q(status=Intake.Status.TAKEN_UP, case__stage__in=OPEN_STAGES)
    leads = Intake.objects.filter(village_code=report.village_code, source__in=PERSON_CHANNELS)
    return leads.filter(still_open).filter(same_person).order_by("received_at", "pk").first()


def _add_further_report(lead: Intake, report: Report, household: Household | None, how: str) -> FurtherReport:
    further = FurtherReport(intake=lead, household=household, match=how, **_said(report))
    save_with_reference(further, timezone.localdate())
    record_creation(None, further)
    lead = Intake.objects.select_for_update().get(pk=lead.pk)
    surer = MATCH_STRENGTH.get(how, 0) > MATCH_STRENGTH.get(lead.match, 0 if lead.household_id is None else 9)
    if household is not None and lead.status == Intake.Status.NEW and surer:
        lead.update_audited(None, household=household, match=how)
    return further


def save_with_reference(record: Intake | FurtherReport, day: dt.date) -> None:
    """Save `record` with a fresh reference number no lead or further report has."""
    for _ in range(10):
        record.reference = new_reference(day)
        if FurtherReport.objects.filter(reference=record.reference).exists() or (
            Intake.all_objects.filter(reference=record.reference).exists()
        ):
            continue
        try:
            with transaction.atomic():
                record.save()
            return
        except IntegrityError:  # taken a moment ago: draw again
            record.pk = None
    raise WorkflowError("受理编号生成失败，请重试")


def new_reference(day: dt.date) -> str:
    """A reference number to quote on the phone: 20261129-K7QD (not guessable, not a count)."""
    return f"{day:%Y%m%d}-" + "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(4))


def create_intake(user: User | None, intake: Intake) -> Intake:
    """Fill the place and a household match, save with a fresh reference, record the creation."""
    intake.township_code = intake.village_code[:9]
    intake.county_code = intake.village_code[:6]
    intake.place_name = place_name(intake.village_code)
    if intake.household is None and not intake.match:
        intake.household, intake.match = match_household(
            intake.village_code, intake.id_number, intake.phone, intake.name
        )
    save_with_reference(intake, intake.discovered_on)
    record_creation(user, intake)
    return intake


def from_report(report: Report, source: str, discovered_on: dt.date, **fields: Any) -> Intake:
    """A lead (not saved) of what the report says."""
    return Intake(
        source=source,
        village_code=report.village_code,
        discovered_on=discovered_on,
        **_said(report),
        **fields,
    )


def _said(report: Report) -> dict[str, str]:
    """What the reporter said, as a lead and a further report both keep it."""
    return {
        "name": report.name.strip(),
        "id_number": report.id_number,
        "phone": report.phone,
        "contact_phone": report.contact_phone,
        "description": report.description.strip(),
    }


@dataclass(frozen=True)
class Progress:
    """What the reporter sees: the reference, when it came, the phone masked, the stage in plain words."""

    reference: str
    received_on: dt.date
    masked_phone: str
    stage: str
    explanation: str


REFERENCE = re.compile(r"^(\d{8})-?([A-Z0-9]{4})$")


def report_progress(reference: str, phone: str) -> Progress | None:
    """The progress of the report with this reference number, if `phone` is one it gave.

    Any mismatch (no such number, another phone, a lead from another channel) is None,
    the same answer for each.
    """
    found = REFERENCE.match(re.sub(r"\s", "", reference or "").upper())
    phone = re.sub(r"[\s\-()（）]", "", phone or "")
    if found is None or not phone:
        return None
    number = f"{found[1]}-{found[2]}"
    record: Intake | FurtherReport | None = (
        Intake.objects.filter(reference=number, source__in=PERSON_CHANNELS).first()
        or FurtherReport.objects.filter(reference=number, intake__deleted_at__isnull=True)
        .select_related("intake")
        .first()
    )
    if record is None or phone not in _phones(record):
        return None
    lead = record.intake if isinstance(record, FurtherReport) else record
    stage, explanation = _stage(lead)
    received = timezone.localtime(record.received_at).date()
    return Progress(number, received, mask_phone(phone), stage, explanation)


def _phones(record: Intake | FurtherReport) -> set[str]:
    phones = {record.phone, record.contact_phone}
    if isinstance(record, Intake):
        phones.add(record.caller_phone)
    return phones - {""}


def _stage(lead: Intake) -> tuple[str, str]:
    if lead.status == Intake.Status.NEW:
        return "已受理", "乡镇正在研判您反映的情况，需要时会与您联系。"
    if lead.status == Intake.Status.DISMISSED:
        return "未予受理", "经乡镇研判，暂不启动识别。如有疑问，请拨打12317热线。"
    case = getattr(lead, "case", None)
    if case is not None and case.stage == Stage.DECIDED:
        return "已纳入监测", "已认定纳入防返贫监测，将落实帮扶措施。"
    if case is not None and case.stage == Stage.REJECTED:
        return "未纳入监测", "经核实，暂不纳入监测。如有疑问，请拨打12317热线。"
    return "核实中", "驻村工作队和乡镇正在入户核实、评议，请保持电话畅通。"
