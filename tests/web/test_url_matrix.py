"""Every URL, as every role, on records inside and outside the role's region.

The cast, in the small 陇南市 of `make_regions`: one account per role over 礼县 (the city
office over the whole city); a household, a finding with a proof file and an upload in
石桥村 (礼县), and the same in 北关村 (武都区), whose household head 武都外户 and finding
message 北关村的外部问题 must never show to a 礼县 account. Each village also has a
relapse-monitoring lead, a case on notice (with its consent scan) and a visit on that
household, all named after the household head, and the household under monitoring
with a measure, a re-assessment and a risk elimination on notice.

`ROUTES` says, for each named URL, how to fill its parameters with the record inside
or outside the user's region. A URL not in it fails `test_every_url_is_known`, so a new
page cannot slip past this test without someone saying how to try it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.accounts.models import AuditEvent, UnmaskEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.assessment.models import Result as AssessmentResult
from fangfan.web.assessment.models import Round as AssessmentRound
from fangfan.web.assessment.testing import make_round
from fangfan.web.campaigns.models import Draw, Target
from fangfan.web.campaigns.models import Visit as CampaignVisit
from fangfan.web.campaigns.testing import make_target
from fangfan.web.cards.models import CardBatch
from fangfan.web.evidence.models import EvidenceItem, StoredFile
from fangfan.web.evidence.testing import make_evidence
from fangfan.web.grievances import actions as grievance_actions
from fangfan.web.grievances.models import Grievance, GrievanceEvent, OpinionEvent, OpinionItem
from fangfan.web.grievances.urls import GRIEVANCE_STEPS, OPINION_STEPS
from fangfan.web.imports.models import Upload
from fangfan.web.monitoring.models import (
    Case,
    CaseEvent,
    Elimination,
    EliminationEvent,
    Intake,
    Measure,
    MonitoredHousehold,
    Reassessment,
    Visit,
)
from fangfan.web.monitoring.testing import (
    make_case,
    make_elimination,
    make_measure,
    make_monitored,
    make_reassessment,
    make_visit,
)
from fangfan.web.odk.models import Submission as OdkSubmission
from fangfan.web.odk.models import SubmissionImport
from fangfan.web.rectification.models import (
    Problem,
    ProblemEvent,
    ProblemEvidence,
    RecheckItem,
    RecheckSample,
)
from fangfan.web.rectification.procedure import RECTIFICATION
from fangfan.web.rectification.recheck import draw_sample
from fangfan.web.rectification.testing import fix, make_problem
from fangfan.web.registry.models import Finding, FindingEvent, Household
from fangfan.web.workqueue.testing import make_finding, make_household

pytestmark = pytest.mark.django_db

Role = User.Role
LIXIAN, SHIQIAO, BEIGUAN = "621226", "621226100201", "621202001201"
OUTSIDE_MARKERS = ("武都外户", "北关村的外部问题")
# The admin is for superusers (no role, no region): business accounts get its login page.
EXCLUDED_NAMESPACES = {"admin": "superuser-only; role accounts are sent to its login page"}


@dataclass(frozen=True)
class Place:
    """The records of one village, as URL parameters."""

    region: str
    household_id: str
    finding_id: int
    event_id: int
    upload_id: int
    village: str = ""
    intake_id: int = 0
    case_id: int = 0
    visit_id: int = 0
    monitored_id: int = 0
    measure_id: int = 0
    reassessment_id: int = 0
    elimination_id: int = 0
    grievance_id: int = 0  # a grievance and a public-opinion item (fangfan.web.grievances)
    opinion_id: int = 0
    target_id: int = 0  # a 温暖越冬 target household (fangfan.web.campaigns)
    problem_id: int = 0
    problem_evidence_id: int = 0
    sample_id: int = 0
    recheck_item_id: int = 0
    round_id: int = 0  # an assessment round over the county, its household a unit (fangfan.web.assessment)
    unit_id: int = 0
    evidence_item_id: int = 0  # a photo filed for the household's open finding (fangfan.web.evidence)
    odk_import_id: int = 0  # an import of ODK submissions by the village (fangfan.web.odk)
    card_batch_id: int = 0  # the village's policy cards printed by the worker (fangfan.web.cards)
    # Field work II (teams, jobs, projects, industry): each app's records by name, made by its
    # `testing.url_records` and read by its `testing.URL_ROUTES`.
    field: dict[str, int] = dataclasses.field(default_factory=dict)


MONITORING_CASE_VERBS = (
    "home_check",
    "post_notice",
    "close_notice",
    "township_review",
    "decide",
    "send_back",
    "reject",
)
CAMPAIGN = "warm_winter"
# The 一个不剩 board and its downloads: the region is asked for in the query string.
OVERSIGHT_PAGES = ("board", "board_excel", "overdue_excel", "recurring_excel")
OVERSIGHT_PAGES += ("breached_excel", "repeats_excel")
MONITORING_ELIMINATION_VERBS = ("check", "post_notice", "close_notice", "approve", "send_back", "reject")


# How to build each URL's parameters from a Place (the one inside or outside the region).
ROUTES: dict[str, Callable[[Place], dict[str, Any]]] = {
    "registry:home": lambda place: {},
    "registry:region": lambda place: {"code": place.region},
    "registry:region_children_excel": lambda place: {"code": place.region},
    "registry:region_types_excel": lambda place: {"code": place.region},
    "registry:region_categories_excel": lambda place: {"code": place.region},
    "registry:households": lambda place: {},
    "registry:households_excel": lambda place: {},
    "registry:household": lambda place: {"household_id": place.household_id},
    "registry:household_findings_excel": lambda place: {"household_id": place.household_id},
    "registry:household_excel": lambda place: {"household_id": place.household_id},
    "workqueue:list": lambda place: {},
    "workqueue:excel": lambda place: {},
    "workqueue:detail": lambda place: {"finding_id": place.finding_id},
    "workqueue:assign": lambda place: {"finding_id": place.finding_id},
    "workqueue:mark_fixed": lambda place: {"finding_id": place.finding_id},
    "workqueue:mark_explained": lambda place: {"finding_id": place.finding_id},
    "workqueue:verify_close": lambda place: {"finding_id": place.finding_id},
    "workqueue:reject": lambda place: {"finding_id": place.finding_id},
    "workqueue:attachment": lambda place: {"finding_id": place.finding_id, "event_id": place.event_id},
    "region_overview": lambda place: {},
    "login": lambda place: {},
    "logout": lambda place: {},
    "profile": lambda place: {},
    "unmask": lambda place: {
        "model": "registry.household",
        "object_id": place.household_id,
        "field": "head_id_number",
    },
    "imports:list": lambda place: {},
    "imports:list_excel": lambda place: {},
    "imports:new": lambda place: {},
    "imports:detail": lambda place: {"upload_id": place.upload_id},
    "imports:status": lambda place: {"upload_id": place.upload_id},
    "imports:problems": lambda place: {"upload_id": place.upload_id},
    "imports:file": lambda place: {"upload_id": place.upload_id},
    "imports:confirm": lambda place: {"upload_id": place.upload_id},
    "imports:reject": lambda place: {"upload_id": place.upload_id},
    "monitoring:report": lambda place: {},
    "monitoring:report_places": lambda place: {},
    "monitoring:report_status": lambda place: {},
    "monitoring:intakes": lambda place: {},
    "monitoring:intakes_excel": lambda place: {},
    "monitoring:intake": lambda place: {"intake_id": place.intake_id},
    "monitoring:take_up": lambda place: {"intake_id": place.intake_id},
    "monitoring:dismiss": lambda place: {"intake_id": place.intake_id},
    "monitoring:hotline": lambda place: {},
    "monitoring:import_findings": lambda place: {},
    "monitoring:visit_new": lambda place: {"household_id": place.household_id},
    "monitoring:visit": lambda place: {"visit_id": place.visit_id},
    "monitoring:cases": lambda place: {},
    "monitoring:cases_excel": lambda place: {},
    "monitoring:case": lambda place: {"case_id": place.case_id},
    "monitoring:consent": lambda place: {"case_id": place.case_id},
    **{f"monitoring:{verb}": lambda place: {"case_id": place.case_id} for verb in MONITORING_CASE_VERBS},
    "monitoring:notice": lambda place: {"village_code": place.village},
    "monitoring:dashboard": lambda place: {},
    "monitoring:dashboard_excel": lambda place: {},
    "monitoring:awareness": lambda place: {},
    "monitoring:awareness_excel": lambda place: {},
    "monitoring:monitored_list": lambda place: {},
    "monitoring:monitored_list_excel": lambda place: {},
    "monitoring:monitored": lambda place: {"monitored_id": place.monitored_id},
    "monitoring:measure_add": lambda place: {"monitored_id": place.monitored_id},
    "monitoring:measure_end": lambda place: {"measure_id": place.measure_id},
    "monitoring:reassess": lambda place: {"monitored_id": place.monitored_id},
    "monitoring:reassessment": lambda place: {"reassessment_id": place.reassessment_id},
    "monitoring:propose_elimination": lambda place: {"monitored_id": place.monitored_id},
    "monitoring:without_measures": lambda place: {},
    "monitoring:without_measures_excel": lambda place: {},
    "monitoring:without_safeguards": lambda place: {},
    "monitoring:without_safeguards_excel": lambda place: {},
    "monitoring:unclaimed": lambda place: {},
    "monitoring:unclaimed_excel": lambda place: {},
    "monitoring:eliminations": lambda place: {},
    "monitoring:eliminations_excel": lambda place: {},
    "monitoring:elimination": lambda place: {"elimination_id": place.elimination_id},
    "grievances:list": lambda place: {},
    "grievances:excel": lambda place: {},
    "grievances:new": lambda place: {},
    "grievances:repeats": lambda place: {},
    "grievances:repeats_excel": lambda place: {},
    "grievances:skipped": lambda place: {},
    "grievances:skipped_excel": lambda place: {},
    "grievances:performance": lambda place: {},
    "grievances:performance_excel": lambda place: {},
    "grievances:detail": lambda place: {"grievance_id": place.grievance_id},
    **{f"grievances:{verb}": lambda place: {"grievance_id": place.grievance_id} for verb in GRIEVANCE_STEPS},
    "grievances:open_intake": lambda place: {"grievance_id": place.grievance_id},
    "grievances:open_problem": lambda place: {"grievance_id": place.grievance_id},
    "grievances:opinions": lambda place: {},
    "grievances:opinions_excel": lambda place: {},
    "grievances:opinion_new": lambda place: {},
    "grievances:opinion": lambda place: {"item_id": place.opinion_id},
    **{f"grievances:opinion_{verb}": lambda place: {"item_id": place.opinion_id} for verb in OPINION_STEPS},
    "grievances:opinion_screenshot": lambda place: {"item_id": place.opinion_id},
    "grievances:opinion_problem": lambda place: {"item_id": place.opinion_id},
    **{
        f"monitoring:elimination_{verb}": lambda place: {"elimination_id": place.elimination_id}
        for verb in MONITORING_ELIMINATION_VERBS
    },
    "campaigns:list": lambda place: {},
    "campaigns:targets": lambda place: {"code": CAMPAIGN},
    "campaigns:targets_excel": lambda place: {"code": CAMPAIGN},
    "campaigns:progress": lambda place: {"code": CAMPAIGN},
    "campaigns:progress_excel": lambda place: {"code": CAMPAIGN},
    "campaigns:draw": lambda place: {"code": CAMPAIGN},
    "campaigns:target": lambda place: {"target_id": place.target_id},
    "campaigns:record_visit": lambda place: {"target_id": place.target_id},
    "rectification:problem_list": lambda place: {},
    "rectification:problem_create": lambda place: {},
    "rectification:escalate": lambda place: {},
    "rectification:problem_detail": lambda place: {"problem_id": place.problem_id},
    **{
        f"rectification:problem_{verb}": lambda place: {"problem_id": place.problem_id}
        for verb in RECTIFICATION.verbs
    },
    "rectification:problem_evidence": lambda place: {
        "problem_id": place.problem_id,
        "evidence_id": place.problem_evidence_id,
    },
    "rectification:recheck_list": lambda place: {},
    "rectification:recheck_draw": lambda place: {},
    "rectification:recheck_detail": lambda place: {"sample_id": place.sample_id},
    "rectification:recheck_result": lambda place: {
        "sample_id": place.sample_id,
        "item_id": place.recheck_item_id,
    },
    "rectification:import_feedback": lambda place: {},
    # An import report is kept for its uploader alone: any other token is a 404 for everyone.
    "rectification:import_report": lambda place: {"token": "0" * 32},
    "rectification:export_three_lists": lambda place: {},
    "rectification:export_ledger": lambda place: {"region_code": place.region},
    "rectification:export_progress": lambda place: {},
    **{f"oversight:{name}": lambda place: {} for name in OVERSIGHT_PAGES},
    "assessment:list": lambda place: {},
    "assessment:draw": lambda place: {},
    "assessment:size": lambda place: {},
    **{
        f"assessment:{name}": lambda place: {"round_id": place.round_id}
        for name in ("round", "import", "import_problems", "estimates", "overview")
    },
    **{
        f"assessment:{name}": lambda place: {"round_id": place.round_id, "region_code": place.village}
        for name in ("visit_lists_excel", "visit_lists_pdf")
    },
    **{
        f"assessment:{name}": lambda place: {"round_id": place.round_id, "village_code": place.village}
        for name in ("village", "visit_list_excel", "visit_list_pdf")
    },
    **{
        f"assessment:{name}": lambda place: {"round_id": place.round_id, "county_code": place.region}
        for name in ("report_excel", "report_pdf")
    },
    "assessment:unit": lambda place: {"unit_id": place.unit_id},
    "evidence:home": lambda place: {},
    **{f"evidence:{name}": lambda place: {"code": place.village} for name in ("region", "region_excel")},
    **{
        f"evidence:{name}": lambda place: {"household_id": place.household_id}
        for name in ("household", "upload", "household_zip")
    },
    **{f"evidence:{name}": lambda place: {"item_id": place.evidence_item_id} for name in ("file", "remove")},
    "odk:index": lambda place: {},
    "odk:upload": lambda place: {},
    **{f"odk:{name}": lambda place: {"village_code": place.village} for name in ("form", "preload")},
    **{
        f"odk:{name}": lambda place: {"import_id": place.odk_import_id}
        for name in ("import_detail", "import_report", "import_status")
    },
    "assessment:record_result": lambda place: {"unit_id": place.unit_id},
    "cards:household": lambda place: {"household_id": place.household_id},
    "cards:region": lambda place: {"code": place.village},
    "cards:batch_new": lambda place: {"code": place.village},
    **{
        f"cards:{name}": lambda place: {"batch_id": place.card_batch_id}
        for name in ("batch", "batch_status", "batch_download")
    },
    "cards:verify": lambda place: {},
}
# Field work II: each app says how to fill its own URLs (fangfan.web.<app>.testing.URL_ROUTES).
FIELD_WORK_APPS = ("teams", "jobs", "projects", "industry")
for _app in FIELD_WORK_APPS:
    ROUTES.update(importlib.import_module(f"fangfan.web.{_app}.testing").URL_ROUTES)
# Public by design: the household's own report form, the place choices it loads and the
# look-up of a report's stage (reference number and phone, nothing more).
# The page a policy card's QR code opens (a signed link in its query string; a masked summary).
PUBLIC = frozenset(
    {"monitoring:report", "monitoring:report_places", "monitoring:report_status", "cards:verify"}
)
# URLs that take a record: outside the region they must not answer.
# URLs whose parameter names a campaign's definition file, the same in every region: no record.
DEFINITIONS = frozenset(
    name for name, build in ROUTES.items() if build(Place("", "", 0, 0, 0)) == {"code": CAMPAIGN}
)
PARAMETRISED = sorted(
    name for name, build in ROUTES.items() if build(Place("", "", 0, 0, 0)) and name not in DEFINITIONS
)
# The URLs whose POST writes (the others answer a POST as a GET or refuse it).
WRITERS = frozenset(
    {
        "campaigns:draw",
        "campaigns:record_visit",
        "assessment:draw",
        "assessment:import",
        "assessment:record_result",
        "evidence:upload",
        "evidence:remove",
        "odk:upload",
        "cards:batch_new",
        *(
            f"workqueue:{verb}"
            for verb in ("assign", "mark_fixed", "mark_explained", "verify_close", "reject")
        ),
        "unmask",
        "imports:new",
        "imports:file",
        "imports:confirm",
        "imports:reject",
        *(f"monitoring:{verb}" for verb in ("take_up", "dismiss", "hotline", "import_findings", "visit_new")),
        *(f"monitoring:{verb}" for verb in MONITORING_CASE_VERBS),
        *(f"monitoring:{verb}" for verb in ("measure_add", "measure_end", "reassess", "propose_elimination")),
        *(f"monitoring:elimination_{verb}" for verb in MONITORING_ELIMINATION_VERBS),
        *(f"grievances:{verb}" for verb in (*GRIEVANCE_STEPS, "new", "open_intake", "open_problem")),
        *(f"grievances:opinion_{verb}" for verb in (*OPINION_STEPS, "new", "problem")),
        *(f"rectification:problem_{verb}" for verb in RECTIFICATION.verbs),
        *(
            f"rectification:{name}"
            for name in ("problem_create", "escalate", "recheck_draw", "recheck_result", "import_feedback")
        ),
    }
)
ROLES = (Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.DEPARTMENT, Role.INSPECTOR)
# What a POST could write, whatever it is.
WRITE_PAYLOAD = {
    "note": "试一下",
    "reason": "试一下",
    "deadline": "",
    "feed": "school_roll",
    "as_of": "2026-10-31",
}


def url_patterns(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, str, str]]:
    """(namespace, name, route) of every URL pattern, descending into includes."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, inner)
        else:
            assert isinstance(entry, URLPattern)
            yield namespace, entry.name or "", str(entry.pattern)


def test_every_url_is_known():
    checked = [
        (f"{namespace}{name}", route)
        for namespace, name, route in url_patterns()
        if namespace.split(":")[0] not in EXCLUDED_NAMESPACES
    ]
    names = {name for name, _ in checked}
    unnamed = [route for name, route in checked if name.endswith(":") or not name]
    assert not unnamed, f"unnamed URL patterns cannot be checked: {unnamed}"
    unknown = names - ROUTES.keys()
    assert not unknown, f"add these URLs to ROUTES in {__name__} with how to fill them: {sorted(unknown)}"
    assert not ROUTES.keys() - names, "ROUTES names URLs that no longer exist"


def _place(village: str, uploader: User, head_name: str, message: str) -> Place:
    household = make_household(village, 1, head_name=head_name, village_name=head_name[:2] + "村")
    finding = make_finding(village, message=message)
    event = FindingEvent.objects.create(
        finding=finding, action="fix", note=message, from_status="open", to_status="fixed"
    )
    event.attachment.save("proof.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
    stored = default_storage.save(f"uploads/{uploader.pk}/学籍.csv", ContentFile("身份证号\n".encode()))
    upload = Upload.objects.create(
        uploaded_by=uploader,
        region=uploader.region,
        feed="school_roll",
        original_name="学籍.csv",
        size=10,
        as_of=dt.date(2026, 10, 31),
        stored_file=stored,
    )
    return Place(village[:6], household.household_id, finding.pk, event.pk, upload.pk, village)


def _with_monitoring(place: Place, cadre: User) -> Place:
    """A lead, a case on notice (consent scan kept) and a visit, on the place's household;
    the household also monitored, with a measure, a re-assessment and an elimination on notice."""
    household = Household.objects.get(household_id=place.household_id)
    case = make_case(place.village, opened_by=cadre, household=household, stage="notice")
    visit = make_visit(household, cadre)
    monitored = make_monitored(place.village, opened_by=cadre, household=household)
    measure = make_measure(monitored, cadre)
    reassessment = make_reassessment(monitored, cadre, days_ago=10)
    elimination = make_elimination(monitored, cadre, stage="notice")
    return dataclasses.replace(
        place,
        intake_id=case.intake_id,
        case_id=case.pk,
        visit_id=visit.pk,
        monitored_id=monitored.pk,
        measure_id=measure.pk,
        reassessment_id=reassessment.pk,
        elimination_id=elimination.pk,
    )


def _with_rectification(place: Place, office: User, message: str) -> Place:
    """A problem of the village with its fix reported (a proof file kept), and a closed one
    drawn for 回头看 by the county office."""
    problem = fix(office, make_problem(office, place.village, description=message))
    closed = make_problem(office, place.village, description=message)
    Problem.objects.filter(pk=closed.pk).update(status="closed", closed_on=timezone.localdate())
    sample = draw_sample(office, share=Decimal("1"), seed=1)
    return dataclasses.replace(
        place,
        problem_id=problem.pk,
        problem_evidence_id=problem.evidence.get().pk,
        sample_id=sample.pk,
        recheck_item_id=sample.items.get().pk,
    )


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    home = {Role.CITY: "621200", Role.TOWNSHIP: "621226100", Role.VILLAGE: SHIQIAO}
    users = {role: make_user(role, home.get(role, LIXIAN)) for role in ROLES}
    wudu_officer = make_user(Role.DEPARTMENT, "621202", username="wudu-school")
    inside = _place(SHIQIAO, users[Role.DEPARTMENT], "礼县本户", "石桥村的问题")
    outside = _place(BEIGUAN, wudu_officer, "武都外户", "北关村的外部问题")
    inside = _with_monitoring(inside, users[Role.VILLAGE])
    inside = dataclasses.replace(
        inside, target_id=make_target(Household.objects.get(pk=inside.household_id)).pk
    )
    outside = _with_monitoring(outside, make_user(Role.VILLAGE, BEIGUAN, username="wudu-village"))
    outside = dataclasses.replace(
        outside, target_id=make_target(Household.objects.get(pk=outside.household_id)).pk
    )
    inside = _with_rectification(inside, users[Role.COUNTY], "石桥村的问题")
    inside = _with_evidence(inside, users[Role.VILLAGE])
    outside = _with_evidence(outside, make_user(Role.VILLAGE, BEIGUAN, username="wudu-evidence"))
    inside = _with_assessment(inside)
    outside = _with_assessment(outside)
    outside = _with_rectification(
        outside, make_user(Role.COUNTY, "621202", username="wudu-county"), "北关村的外部问题"
    )
    inside = _with_odk(inside, users[Role.VILLAGE])
    outside = _with_odk(outside, wudu_officer)
    inside = _with_card_batch(inside, users[Role.VILLAGE])
    outside = _with_card_batch(outside, wudu_officer)
    inside = _with_grievances(inside, users[Role.COUNTY], "石桥村的问题")
    outside = _with_grievances(
        outside, make_user(Role.COUNTY, "621202", username="wudu-grievances"), "北关村的外部问题"
    )
    inside = _with_field_work(inside)
    outside = _with_field_work(outside)
    return users, inside, outside


def _with_field_work(place: Place) -> Place:
    """Each field-work app's records in the place's village, on its household (its own
    `testing.url_records`: a team and a check-in, a post, a project, a planting …)."""
    records: dict[str, int] = {}
    for app in FIELD_WORK_APPS:
        testing = importlib.import_module(f"fangfan.web.{app}.testing")
        records |= testing.url_records(place.village, place.household_id)
    return dataclasses.replace(place, field=records)


def _with_odk(place: Place, uploader: User) -> Place:
    """An import of ODK submissions in the village, with an unplaced row naming its household head."""
    head = Household.objects.get(household_id=place.household_id).head_name
    unplaced = [
        {"row": 2, "column": "income-wage_income", "value": head, "problem": head, "household_id": ""}
    ]
    batch = SubmissionImport.objects.create(
        uploaded_by=uploader, region_code=place.village, file_name=f"{head}.csv", unplaced=unplaced
    )
    return dataclasses.replace(place, odk_import_id=batch.pk)


def _with_card_batch(place: Place, requester: User) -> Place:
    """The village's cards printed by the worker, its PDF ready to download."""
    batch = CardBatch.objects.create(
        requested_by=requester, region_code=place.village, title="村", status="ready", file="cards/1.pdf"
    )
    default_storage.save(f"cards/{batch.pk}.pdf", ContentFile(b"%PDF-1.4"))
    CardBatch.objects.filter(pk=batch.pk).update(file=f"cards/{batch.pk}.pdf", finished_at=timezone.now())
    return dataclasses.replace(place, card_batch_id=batch.pk)


def _with_evidence(place: Place, team: User) -> Place:
    """A photo of the household's home filed by the village team for its open food finding."""
    household = Household.objects.get(household_id=place.household_id)
    return dataclasses.replace(place, evidence_item_id=make_evidence(team, household, "home_photos").pk)


def _with_assessment(place: Place) -> Place:
    """An assessment round over the place's county, the place's household its one unit."""
    household = Household.objects.get(household_id=place.household_id)
    made = make_round(place.region, [household])
    return dataclasses.replace(place, round_id=made.pk, unit_id=made.units.get().pk)


def _with_grievances(place: Place, office: User, message: str) -> Place:
    """A grievance of the village's household head, and an item found online about the village
    (both saying `message`), recorded by the county office."""
    household = Household.objects.get(household_id=place.household_id)
    complaint = grievance_actions.Complaint(
        channel="12317",
        category="monitoring",
        name=household.head_name,
        region_code=place.village,
        first_level="village",
        content=message,
        received_at=timezone.now() - dt.timedelta(hours=1),
        phone="13900001111",
        household=household,
    )
    grievance = grievance_actions.register(office, complaint)
    sighting = grievance_actions.Sighting(
        "weibo", timezone.now() - dt.timedelta(hours=1), place.village, message
    )
    item = grievance_actions.register_opinion(office, sighting)
    return dataclasses.replace(place, grievance_id=grievance.pk, opinion_id=item.pk)


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response: Any) -> str:
    """The response as text; an Excel file's cells joined, so markers can be looked for."""
    streamed = getattr(response, "streaming", False)
    content = b"".join(response.streaming_content) if streamed else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return " ".join(
            str(cell)
            for name in book.sheet_names
            for row in book.get_sheet_by_name(name).to_python()
            for cell in row
        )
    return content.decode("utf-8", "replace")


def _writes() -> tuple[int, ...]:
    return (
        Draw.objects.count(),
        Target.all_objects.count(),
        Target.all_objects.exclude(status="pending").count(),
        CampaignVisit.all_objects.count(),
        AuditEvent.objects.count(),
        FindingEvent.objects.count(),
        UnmaskEvent.objects.count(),
        Upload.all_objects.count(),
        Finding.objects.exclude(status="open").count(),
        Intake.all_objects.count(),
        Intake.all_objects.exclude(status="new").count(),
        Case.all_objects.exclude(stage="notice").count(),
        CaseEvent.objects.count(),
        Visit.all_objects.count(),
        MonitoredHousehold.all_objects.count(),
        MonitoredHousehold.all_objects.exclude(status="monitored").count(),
        Measure.all_objects.count(),
        Measure.all_objects.exclude(end_date=None).count(),
        Reassessment.all_objects.count(),
        Elimination.all_objects.count(),
        Elimination.all_objects.exclude(stage="notice").count(),
        EliminationEvent.objects.count(),
        Grievance.all_objects.count(),
        Grievance.all_objects.exclude(stage="registered").count(),
        Grievance.all_objects.exclude(intake=None).count(),
        GrievanceEvent.objects.count(),
        OpinionItem.all_objects.count(),
        OpinionItem.all_objects.exclude(stage="registered").count(),
        OpinionEvent.objects.count(),
        Problem.all_objects.count(),
        Problem.all_objects.exclude(status="fixed").count(),
        ProblemEvent.objects.count(),
        ProblemEvidence.objects.count(),
        RecheckSample.objects.count(),
        RecheckItem.objects.exclude(result="pending").count(),
        AssessmentRound.objects.count(),
        AssessmentResult.objects.count(),
        EvidenceItem.all_objects.count(),
        EvidenceItem.all_objects.exclude(deleted_at=None).count(),
        StoredFile.objects.count(),
        SubmissionImport.objects.count(),
        OdkSubmission.objects.count(),
        CardBatch.objects.count(),
    )


@pytest.mark.parametrize("role", ROLES)
def test_nothing_outside_the_region_can_be_read(world, role):
    users, inside, outside = world
    user = users[role]
    for name, build in ROUTES.items():
        if name in ("logout", "login"):
            continue
        url = reverse(name, kwargs=build(inside))
        response = _signed_in(user).get(url)
        assert response.status_code < 500, (name, role)
        if response.status_code == 200 and role != Role.CITY:
            text = _text(response)
            assert not any(marker in text for marker in OUTSIDE_MARKERS), (name, role)
        if name in PARAMETRISED and role != Role.CITY:
            response = _signed_in(user).get(reverse(name, kwargs=build(outside)))
            assert response.status_code in (403, 404, 405), (name, role, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_nothing_outside_the_region_can_be_changed(world, role):
    users, _, outside = world
    user = users[role]
    payload = {**WRITE_PAYLOAD, "assignee": users[Role.VILLAGE].pk, "deadline": _tomorrow()}
    for name, build in ROUTES.items():
        if name not in PARAMETRISED or role == Role.CITY:
            continue
        before = _writes()
        response = _signed_in(user).post(reverse(name, kwargs=build(outside)), payload)
        assert response.status_code in (403, 404, 405), (name, role, response.status_code)
        assert _writes() == before, (name, role)


def test_inspectors_change_nothing_anywhere(world):
    users, inside, outside = world
    payload = {**WRITE_PAYLOAD, "assignee": users[Role.VILLAGE].pk, "deadline": _tomorrow()}
    for inspector in (users[Role.INSPECTOR], make_user(Role.INSPECTOR, "621200", username="city-inspector")):
        for name, build in ROUTES.items():
            for place in (inside, outside):
                before = _writes()
                response = _signed_in(inspector).post(reverse(name, kwargs=build(place)), payload)
                if name in WRITERS:
                    assert response.status_code in (403, 404, 405), (name, response.status_code)
                assert _writes() == before, name


def test_the_anonymous_are_sent_to_sign_in(world):
    _, inside, _ = world
    for name, build in ROUTES.items():
        if name in ("login", "logout"):
            continue
        response = Client().get(reverse(name, kwargs=build(inside)))
        if name in PUBLIC:
            assert response.status_code == 200, name
            continue
        assert response.status_code in (302, 405), name
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login")), name


def _tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("role", [Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.INSPECTOR])
def test_the_records_inside_the_region_do_answer(world, role):
    """So that the refusals above are the gate at work, not a page that answers no one."""
    users, inside, _ = world
    answering = ("registry:household", "workqueue:detail", "workqueue:attachment", "unmask")
    monitoring = (
        "monitoring:intake",
        "monitoring:case",
        "monitoring:consent",
        "monitoring:visit",
        "monitoring:notice",
        "monitoring:monitored",
        "monitoring:reassessment",
        "monitoring:elimination",
    )
    rectification = ("rectification:problem_detail", "rectification:problem_evidence")
    evidence = ("evidence:household", "evidence:file", "evidence:household_zip", "evidence:region")
    for name in (*answering, *monitoring, *rectification, *evidence):
        method = "post" if name == "unmask" else "get"
        response = getattr(_signed_in(users[role]), method)(
            reverse(name, kwargs=ROUTES[name](inside)), WRITE_PAYLOAD
        )
        expected = 200 if name != "unmask" or role in (Role.CITY, Role.COUNTY) else 403
        assert response.status_code == expected, (name, role)
