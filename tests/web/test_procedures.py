"""The procedure abstraction (`fangfan.web.procedures`): every declaration is whole, and the
generic verbs run any declaration.

A declaration that leaves a stage without an owner, a step starting from a stage of
another procedure, a send-back forwards, or a gate that does not resolve (risk
elimination's approval once read identification's owner table and raised KeyError) fails
here before any page does. The cast of the generic-verb tests: one finding of 石桥村
(礼县 城关镇), the county office that closes findings and the village team that fixes them.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import models
from django.urls import reverse

from fangfan.web.accounts.access import ACTIONS
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.campaigns import views as campaign_views
from fangfan.web.campaigns.procedure import CAMPAIGN_TARGET
from fangfan.web.grievances import opinion_views
from fangfan.web.grievances import views as grievance_views
from fangfan.web.grievances.procedure import GRIEVANCE, OPINION
from fangfan.web.jobs import views as jobs_views
from fangfan.web.jobs.procedure import SELECTION as JOB_SELECTION
from fangfan.web.monitoring.procedures import ELIMINATION, IDENTIFICATION
from fangfan.web.monitoring.views import cases, eliminations
from fangfan.web.procedures import base
from fangfan.web.procedures.base import BACK, Procedure, Step, WorkflowError
from fangfan.web.procedures.pages import Page
from fangfan.web.rectification import views as rectification_views
from fangfan.web.rectification.procedure import RECTIFICATION
from fangfan.web.registry.models import Finding, FindingEvent
from fangfan.web.workqueue import views as workqueue_views
from fangfan.web.workqueue.procedure import FINDING_QUEUE
from fangfan.web.workqueue.testing import make_finding

PROCEDURES: dict[str, Procedure] = {
    "identification": IDENTIFICATION,
    "elimination": ELIMINATION,
    "finding_queue": FINDING_QUEUE,
    "rectification": RECTIFICATION,
    "grievance": GRIEVANCE,
    "opinion": OPINION,
    "campaign_target": CAMPAIGN_TARGET,
    "job_selection": JOB_SELECTION,
}
PAGES: dict[str, Page] = {
    "identification": cases.PAGE,
    "elimination": eliminations.PAGE,
    "finding_queue": workqueue_views.PAGE,
    "rectification": rectification_views.PAGE,
    "grievance": grievance_views.PAGE,
    "opinion": opinion_views.OPINION_PAGE,
    "campaign_target": campaign_views.PAGE,
    "job_selection": jobs_views.PAGE,
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
declared = pytest.mark.parametrize("name", PROCEDURES)


@declared
def test_every_stage_is_open_or_closed_and_every_open_stage_has_an_owner(name):
    procedure = PROCEDURES[name]
    stages = set(procedure.stages.values)
    assert set(procedure.open_stages) | set(procedure.closed_stages) == stages
    assert not set(procedure.open_stages) & set(procedure.closed_stages)
    assert set(procedure.owner) == set(procedure.open_stages)
    assert all(owner in ACTIONS for owner in procedure.owner.values())


@declared
def test_the_state_field_and_the_event_fields_carry_the_declared_stages(name):
    procedure = PROCEDURES[name]
    state = procedure.model._meta.get_field(procedure.state_field)
    assert [value for value, _ in state.choices] == procedure.stages.values
    events = procedure.event_model._meta
    assert isinstance(events.get_field(procedure.event_record_field), models.ForeignKey)
    for end in ("from", "to"):
        field = events.get_field(f"{end}_{procedure.state_field}")
        assert [value for value, _ in field.choices] == procedure.stages.values


@declared
def test_every_step_starts_and_ends_in_a_stage_of_its_own_procedure(name):
    procedure = PROCEDURES[name]
    for step in procedure.steps:
        assert step.starts and set(step.starts) <= set(procedure.open_stages), step.verb
        if step.end == BACK:
            assert set(step.starts) <= set(procedure.send_back_to), step.verb
        else:
            assert step.end in procedure.stages.values, step.verb


@declared
def test_every_send_back_target_is_an_earlier_open_stage(name):
    procedure = PROCEDURES[name]
    order = list(procedure.open_stages)
    for stage, target in procedure.send_back_to.items():
        assert target in order and order.index(target) < order.index(stage), (stage, target)


@declared
def test_every_step_gate_resolves_to_an_action_of_the_access_gate(name):
    procedure = PROCEDURES[name]
    for step in procedure.steps:
        for stage in procedure.stages.values:
            gate = base.gate_for(procedure, step.verb, stage)
            assert (gate is None) == (stage not in step.starts), (step.verb, stage)
            assert gate is None or gate in ACTIONS, (step.verb, stage)
            natural = base.natural_gate(procedure, step.verb, stage)
            assert natural is None or natural in ACTIONS, (step.verb, stage)


def test_elimination_approval_is_gated_by_its_own_owner_table():
    assert base.gate_for(ELIMINATION, "approve", "county_approval") == "monitoring_county_decision"
    assert base.natural_gate(ELIMINATION, "approve", "home_check") == "monitoring_county_decision"


@declared
def test_every_verb_is_unique_has_a_chinese_name_and_a_recordable_action(name):
    procedure = PROCEDURES[name]
    assert len(set(procedure.verbs)) == len(procedure.verbs)
    actions = procedure.event_model._meta.get_field("action")
    for step in procedure.steps:
        assert CHINESE.search(step.name), step.verb
        assert (step.action or step.verb) in [value for value, _ in actions.choices], step.verb
    if procedure.notice is not None:
        assert {procedure.notice.post, procedure.notice.close} <= set(procedure.verbs)


@declared
def test_every_verb_has_a_form_and_a_url_on_its_page(name):
    page = PAGES[name]
    assert page.procedure is PROCEDURES[name]
    assert list(page.steps) == list(page.procedure.verbs)
    for verb in page.steps:
        assert reverse(page.step_url.format(verb=verb), args=[1])
    assert reverse(page.detail_url, args=[1])
    assert {stage for stage, _ in page.stepper} <= set(page.procedure.stages.values)


# A procedure of one step, declared on findings: what a new declaration gets for free.
SIGN_OFF: Procedure[Finding, FindingEvent] = Procedure(
    model=Finding,
    state_field="status",
    stages=Finding.Status,
    open_stages=(Finding.Status.OPEN, Finding.Status.FIXED),
    closed_stages=(Finding.Status.CLOSED,),
    owner={Finding.Status.OPEN: "mark_fixed", Finding.Status.FIXED: "verify_close"},
    send_back_to={Finding.Status.FIXED: Finding.Status.OPEN},
    steps=(
        Step("sign_off", "签收", (Finding.Status.FIXED,), Finding.Status.CLOSED, action="close"),
        Step("send_back", "退回", (Finding.Status.FIXED,), BACK, action="reopen"),
    ),
    event_model=FindingEvent,
    event_record_field="finding",
    noun="该问题",
)


@pytest.fixture
def cast(db):
    make_regions()
    return {
        "county": make_user(User.Role.COUNTY, "621226"),
        "village": make_user(User.Role.VILLAGE, "621226100201"),
        "finding": make_finding("621226100201", status=Finding.Status.FIXED),
    }


def test_a_generic_step_moves_the_record_and_writes_its_event(cast):
    county, finding = cast["county"], cast["finding"]
    assert base.may(SIGN_OFF, county, "sign_off", finding)
    assert not base.may(SIGN_OFF, cast["village"], "sign_off", finding)
    with pytest.raises(PermissionDenied, match="您的角色无权签收"):
        base.check(SIGN_OFF, cast["village"], "sign_off", finding)

    event = base.advance(SIGN_OFF, county, base.locked(SIGN_OFF, finding), "sign_off", "已签收")
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED
    assert (event.action, event.from_status, event.to_status, event.note) == (
        "close",
        "fixed",
        "closed",
        "已签收",
    )
    with pytest.raises(WorkflowError, match="该问题当前为“已核销”，不能签收"):
        base.check(SIGN_OFF, county, "sign_off", finding)


def test_a_generic_send_back_needs_a_reason_and_goes_to_the_stage_before(cast):
    county, finding = cast["county"], cast["finding"]
    with pytest.raises(WorkflowError, match="请填写退回的原因"):
        base.send_back(SIGN_OFF, county, finding, "  ")
    event = base.send_back(SIGN_OFF, county, finding, " 请补照片 ")
    finding.refresh_from_db()
    assert (finding.status, event.action, event.note) == (Finding.Status.OPEN, "reopen", "请补照片")
    # Open again: nothing to send back, and the refusal says why.
    with pytest.raises(WorkflowError, match="该问题当前为“待处理”，不能退回"):
        base.send_back(SIGN_OFF, county, finding, "再退")
    assert finding.events.count() == 1
