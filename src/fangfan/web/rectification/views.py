"""Rectification's pages: the ledger, a new problem, escalating findings, one problem and
its steps, proof files, and 回头看."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage
from django.db.models import Case, When
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangfan.web.accounts.access import (
    RECHECK_DRAWERS,
    RECTIFICATION_RECORDERS,
    REGION_READERS,
    get_scoped_or_404,
    region_for_user,
    require_roles,
    scope,
)
from fangfan.web.accounts.models import User
from fangfan.web.accounts.personal import mask_text
from fangfan.web.procedures import pages
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.procedures.pages import Page, StepForm, note_step
from fangfan.web.rectification import actions, recheck
from fangfan.web.rectification.forms import (
    AcceptForm,
    CloseForm,
    DrawForm,
    FixForm,
    LedgerFilter,
    ProblemFields,
    ProblemForm,
    ReasonForm,
    RecheckForm,
)
from fangfan.web.rectification.ledger import escalated_count, ledger, place_names, with_places
from fangfan.web.rectification.models import Problem, ProblemEvidence, RecheckItem, RecheckSample, Status
from fangfan.web.rectification.procedure import RECTIFICATION
from fangfan.web.registry.models import Finding, Household
from fangfan.web.shared.pagination import page_of

# The ledger pages at most this many problems (the filters narrow it; the Excel holds all).
LISTED_AT_MOST = 5_000
# Findings escalated into one problem at most (a problem listing more households is a
# township's or county's problem, entered as such).
ESCALATED_AT_MOST = 200


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
@require_roles(*REGION_READERS)
def problem_list(request: HttpRequest) -> HttpResponse:
    """整改台账: the region's problems, filtered, overdue and due-soon first, 50 a page."""
    user = _user(request)
    filters = LedgerFilter(user, request.GET)
    if filters.data.get("region"):
        region_for_user(user, str(filters.data["region"]))  # 404 outside the user's region
    problems = page_of(ledger(user, filters), request.GET.get("page"), cap=LISTED_AT_MOST)
    problems.object_list = with_places(problems.object_list)
    context = {
        "filters": filters,
        "problems": problems,
        "escalated": escalated_count(user),
        "may_open": user.role in RECTIFICATION_RECORDERS,
    }
    return render(request, "rectification/list.html", context)


def _households(user: User, ids: list[str]) -> list[Household]:
    found = {
        household.household_id: household
        for household in scope(Household.objects.filter(household_id__in=ids), user)
    }
    missing = [household_id for household_id in ids if household_id not in found]
    if missing:
        raise WorkflowError(f"户编号{'、'.join(missing)}不存在或不在您的区划内")
    return [found[household_id] for household_id in ids]


def _open_from_form(user: User, form: ProblemForm) -> Problem:
    data = form.cleaned_data
    households = _households(user, data["household_ids"])
    if data["scope_level"] == Problem.ScopeLevel.HOUSEHOLD and households:
        region, _ = actions.narrowest_region(user, (household.village_code for household in households))
    else:
        region = region_for_user(user, data["region"])
    fields = {name: data[name] for name in ProblemFields.base_fields}
    return actions.open_problem(
        user,
        source=data["source"],
        scope_level=data["scope_level"],
        region=region,
        serial=data["serial"],
        source_reference=data["source_reference"],
        project=data["project"],
        department=data["department"],
        households=households,
        **fields,
    )


@require_http_methods(["GET", "POST"])
@require_roles(*RECTIFICATION_RECORDERS)
def problem_create(request: HttpRequest) -> HttpResponse:
    """新增整改问题: any source, at the level it concerns, with owner, measures and deadline."""
    user = _user(request)
    form = ProblemForm(
        user, request.POST or None, initial={"region": user.region.code if user.region else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            problem = _open_from_form(user, form)
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "已录入整改问题")
            return redirect("rectification:problem_detail", problem.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "rectification/create.html", {"form": form}, status=status)


def _findings(request: HttpRequest) -> list[Finding]:
    """The findings asked for (`finding` repeated), each inside the user's region (else 404)."""
    raw = request.POST.getlist("finding") if request.method == "POST" else request.GET.getlist("finding")
    try:
        ids = sorted({int(value) for value in raw})[:ESCALATED_AT_MOST]
    except ValueError:
        ids = []
    return [
        get_scoped_or_404(Finding.objects.select_related("household"), request.user, pk=finding_id)
        for finding_id in ids
    ]


def _escalate_initial(findings: list[Finding]) -> dict[str, Any]:
    if not findings:
        return {}
    categories = [finding.category for finding in findings]
    # Masked: a rule's message may carry an ID or phone, and the problem is read by all its region.
    messages_seen = dict.fromkeys(
        f"{finding.household.head_name}户：{mask_text(finding.message)}" for finding in findings
    )
    return {
        "category": max(set(categories), key=categories.count),
        "description": "\n".join(messages_seen),
    }


@require_http_methods(["GET", "POST"])
@require_roles(*RECTIFICATION_RECORDERS)
def escalate(request: HttpRequest) -> HttpResponse:
    """筛查问题提级: the chosen findings become one problem (数据筛查) listing their households."""
    user = _user(request)
    findings = _findings(request)
    form = ProblemFields(request.POST or None, initial=_escalate_initial(findings))
    if request.method == "POST" and form.is_valid():
        try:
            problem = actions.escalate_findings(user, findings, **form.cleaned_data)
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"已将{len(findings)}条筛查问题提级为整改问题")
            return redirect("rectification:problem_detail", problem.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "rectification/escalate.html", {"form": form, "findings": findings}, status=status)


PAGE: Page[Problem] = Page(
    procedure=RECTIFICATION,
    steps={
        "submit_fix": StepForm(
            lambda problem, *args: FixForm(*args),
            lambda user, problem, data: actions.submit_fix(
                user, problem, data["note"], data["fixed_on"], data["proof"]
            ),
            files=True,
        ),
        "accept": StepForm(
            lambda problem, *args: AcceptForm(*args),
            lambda user, problem, data: actions.accept(
                user,
                problem,
                rechecked_on=data["rechecked_on"],
                rechecked_by=data["rechecked_by"],
                result=data["result"],
                proof=data["proof"],
            ),
            files=True,
            intro="rectification/_accept_intro.html",
            offer=lambda user, problem: not actions.same_unit(user, problem.fixed_by),
        ),
        "close": note_step(CloseForm, actions.close),
        "send_back": note_step(ReasonForm, actions.send_back),
    },
    template="rectification/detail.html",
    record_name="problem",
    detail_url="rectification:problem_detail",
    step_url="rectification:problem_{verb}",
    stepper=tuple((stage.value, stage.label) for stage in Status),
    context=lambda problem: {
        "place": place_names([problem.region_code]).get(problem.region_code, problem.region_code),
        "households": problem.households.order_by("household_id"),
        "findings": problem.source_findings.order_by("village_code", "rule_code"),
        "evidence": problem.evidence.select_related("uploaded_by", "event"),
        "rechecks": problem.rechecks.select_related("sample", "checked_by").order_by("-sample__drawn_at"),
    },
)


def _problem(request: HttpRequest, problem_id: int) -> Problem:
    return get_scoped_or_404(
        Problem.objects.select_related("opened_by", "fixed_by", "accepted_by"), request.user, pk=problem_id
    )


@require_GET
@require_roles(*REGION_READERS)
def problem_detail(request: HttpRequest, problem_id: int) -> HttpResponse:
    """One problem: where it stands, what it concerns, proof, each step, the audit trail."""
    return pages.detail(request, PAGE, _problem(request, problem_id))


@require_POST
@require_roles(*REGION_READERS)
def problem_act(request: HttpRequest, problem_id: int, verb: str) -> HttpResponse:
    """Do one step: 404 outside the region, 403 for the wrong role, 400/409 with the reason."""
    return pages.act(request, PAGE, _problem(request, problem_id), verb)


@require_GET
@require_roles(*REGION_READERS)
def evidence_file(request: HttpRequest, problem_id: int, evidence_id: int) -> FileResponse:
    """A proof file, for those who can see the problem (never served through MEDIA_URL)."""
    evidence = get_scoped_or_404(
        ProblemEvidence.objects.all(), request.user, pk=evidence_id, problem_id=problem_id
    )
    return FileResponse(
        default_storage.open(evidence.stored_name, "rb"), as_attachment=True, filename=evidence.shown_name
    )


def _samples(request: HttpRequest) -> Any:
    """The draws made in the user's region, latest first, 50 a page."""
    samples = scope(RecheckSample.objects.select_related("drawn_by"), _user(request))
    return page_of(samples.order_by("-drawn_at", "-pk"), request.GET.get("page"))


@require_GET
@require_roles(*RECHECK_DRAWERS)
def recheck_list(request: HttpRequest) -> HttpResponse:
    """回头看: the draws made in the user's region, and the form for a new one."""
    user = _user(request)
    context = {"samples": _samples(request), "form": DrawForm(), "may_draw": user.role in RECHECK_DRAWERS}
    return render(request, "rectification/recheck_list.html", context)


@require_POST
@require_roles(*RECHECK_DRAWERS)
def recheck_draw(request: HttpRequest) -> HttpResponse:
    """Draw a sample: the share per county and source, seeded (the seed kept, to redo it)."""
    user = _user(request)
    form = DrawForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sample = recheck.draw_sample(
                user,
                share=Decimal(data["percent"]) / 100,
                seed=data["seed"],
                closed_before=data["closed_before"],
                note=data["note"],
            )
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"已抽取{sample.items.count()}个问题开展回头看")
            return redirect("rectification:recheck_detail", sample.pk)
    context = {"samples": _samples(request), "form": form, "may_draw": True}
    return render(request, "rectification/recheck_list.html", context, status=400)


def _sample_page(
    request: HttpRequest, sample: RecheckSample, bound: dict[int, forms.Form], status: int = 200
) -> HttpResponse:
    user = _user(request)
    items = scope(sample.items.select_related("problem", "checked_by"), user)
    if bound:  # a refused result: that item alone, with its form's errors
        items = items.filter(pk__in=list(bound))
    # Those still to re-check first (after recording one, page 1 shows the next), 50 a page:
    # a city's tenth of its closed problems runs to thousands.
    pending_first = Case(When(result=RecheckItem.Result.PENDING, then=0), default=1)
    page = page_of(
        items.order_by(pending_first, "problem__county_code", "problem__source", "problem_id"),
        request.GET.get("page"),
    )
    rows = [
        {"item": item, "form": bound.get(item.pk) or RecheckForm(prefix=f"item{item.pk}")}
        for item in page.object_list
    ]
    may_record = user.role in RECHECK_DRAWERS
    context = {"sample": sample, "rows": rows, "page": page, "may_record": may_record}
    return render(request, "rectification/recheck_detail.html", context, status=status)


@require_GET
@require_roles(*RECHECK_DRAWERS)
def recheck_detail(request: HttpRequest, sample_id: int) -> HttpResponse:
    """One draw: its seed and share, each drawn problem and its re-check."""
    sample = get_scoped_or_404(RecheckSample.objects.select_related("drawn_by"), request.user, pk=sample_id)
    return _sample_page(request, sample, {})


@require_POST
@require_roles(*RECHECK_DRAWERS)
def recheck_result(request: HttpRequest, sample_id: int, item_id: int) -> HttpResponse:
    """What one re-check found: 整改到位, or 复发 (the problem reopens, counted as recurring)."""
    user = _user(request)
    sample = get_scoped_or_404(RecheckSample.objects.all(), user, pk=sample_id)
    item = get_scoped_or_404(RecheckItem.objects.select_related("problem"), user, pk=item_id, sample=sample)
    form = RecheckForm(request.POST, prefix=f"item{item.pk}")
    if not form.is_valid():
        return _sample_page(request, sample, {item.pk: form}, status=400)
    data = form.cleaned_data
    try:
        recheck.record_recheck(
            user,
            item,
            result=data["result"],
            checked_on=data["checked_on"],
            note=data["note"],
            new_deadline=data["new_deadline"],
        )
    except WorkflowError as refused:
        messages.error(request, str(refused))
        return _sample_page(request, sample, {item.pk: form}, status=409)
    messages.success(request, "已记录回头看结果")
    return redirect("rectification:recheck_detail", sample.pk)
