"""Evidence pages: a household's proofs (upload, remove, view a file, the inspector's zip) and
each region's completeness (page and Excel). Every record comes through the gate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from fangfan.engine.config import ConfigError
from fangfan.engine.evidence.needs import Need
from fangfan.web.accounts.access import (
    REGION_READERS,
    can,
    get_scoped_or_404,
    region_for_user,
    require_roles,
    scope,
    within_region,
)
from fangfan.web.accounts.models import User
from fangfan.web.evidence import actions
from fangfan.web.evidence.archive import safe_name, zip_response
from fangfan.web.evidence.columns import HOUSEHOLD_COLUMNS, MISSING_COLUMNS, TALLY_COLUMNS
from fangfan.web.evidence.completeness import (
    HouseholdEvidence,
    Tally,
    evidence_year,
    in_chunks,
    one_household,
    region_tallies,
    summed_tallies,
    village_tallies,
)
from fangfan.web.evidence.files import EXTENSIONS, Refused
from fangfan.web.evidence.forms import RemoveForm, UploadForm
from fangfan.web.evidence.models import EvidenceItem
from fangfan.web.evidence.storage import open_stored
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household
from fangfan.web.registry.navigation import regions_down_to
from fangfan.web.shared.excel import Sheet, workbook_response


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # require_roles let only a signed-in account through
    return request.user


def _household(request: HttpRequest, household_id: str) -> Household:
    return get_scoped_or_404(Household.objects.all(), request.user, household_id=household_id)


def _back(request: HttpRequest, household: Household) -> str:
    """Back to the page the form was on: the household page (its evidence panel) or ours."""
    if request.POST.get("back") == "household":
        return reverse("registry:household", args=[household.household_id]) + "#evidence"
    return reverse("evidence:household", args=[household.household_id])


def _page(
    request: HttpRequest, household: Household, form: UploadForm | None = None, status: int = 200
) -> HttpResponse:
    evidence = one_household(household)
    context = {
        "household": household,
        "evidence": evidence,
        "form": form or UploadForm(evidence.needs),
        "may_upload": can(request.user, "evidence_upload", household),
        "full": True,
        # Removed proofs stay on record: who removed which, when and why (the audit trail's words).
        "removed": scope(EvidenceItem.all_objects.filter(household=household), request.user)
        .exclude(deleted_at=None)
        .select_related("deleted_by", "uploaded_by")
        .order_by("-deleted_at", "-pk"),
    }
    return render(request, "evidence/household.html", context, status=status)


@require_GET
@require_roles(*REGION_READERS)
def household(request: HttpRequest, household_id: str) -> HttpResponse:
    """佐证资料: what the household needs this policy year, what is filed, the upload form."""
    return _page(request, _household(request, household_id))


@require_POST
@require_roles(*REGION_READERS)
def upload(request: HttpRequest, household_id: str) -> HttpResponse:
    """上传: a photo or file against one need; refused files say why, on the page (400)."""
    found = _household(request, household_id)
    evidence = one_household(found)
    form = UploadForm(evidence.needs, request.POST, request.FILES)
    if form.is_valid():
        try:
            item = actions.upload_evidence(
                _user(request), found, form.chosen, evidence.year, form.upload, form.cleaned_data["note"]
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"已上传：{item.title}")
            return HttpResponseRedirect(_back(request, found))
    return _page(request, found, form, status=400)


@require_POST
@require_roles(*REGION_READERS)
def remove(request: HttpRequest, item_id: int) -> HttpResponse:
    """删除 one filed proof, with the reason (kept in the audit trail)."""
    item = get_scoped_or_404(EvidenceItem.objects.select_related("household"), request.user, pk=item_id)
    form = RemoveForm(request.POST)
    if form.is_valid():
        actions.remove_evidence(_user(request), item, form.cleaned_data["reason"])
        messages.success(request, f"已删除：{item.title}")
    else:
        messages.error(request, "请填写删除原因")
    return HttpResponseRedirect(reverse("evidence:household", args=[item.household_id]))


@require_GET
@require_roles(*REGION_READERS)
def evidence_file(request: HttpRequest, item_id: int) -> FileResponse:
    """The kept file, for those who can see the household (never through MEDIA_URL): a photo
    shown in the browser, a PDF downloaded; never sniffed into anything else."""
    item = get_scoped_or_404(
        EvidenceItem.objects.select_related("file", "household"), request.user, pk=item_id
    )
    stored = item.file
    name = (
        safe_name(f"{item.household.head_name}户-{item.title.replace('·', '-')}")
        + EXTENSIONS[stored.content_type]
    )
    response = FileResponse(
        open_stored(stored),
        content_type=stored.content_type,
        as_attachment=not stored.is_image,
        filename=name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@require_roles(*REGION_READERS)
def household_zip(request: HttpRequest, household_id: str) -> FileResponse:
    """The household's evidence as a zip with a Chinese 目录.txt, for an inspector."""
    return zip_response(one_household(_household(request, household_id)), _user(request))


@dataclass(frozen=True)
class MissingRow:
    household: Household
    need: Need


def _region_lists(request: HttpRequest, code: str | None) -> dict[str, Any]:
    region = region_for_user(request.user, code)
    households = scope(Household.objects.filter(within_region("village_code", region)), request.user)
    year = evidence_year()
    context: dict[str, Any] = {
        "region": region,
        "year": year,
        "breadcrumbs": regions_down_to(request.user, region),
    }
    if region.level == Region.Level.VILLAGE:
        rows = [evidence for evidence in in_chunks(households, year) if evidence.total]
        context["households"] = sorted(
            rows, key=lambda evidence: (evidence.complete, evidence.household.household_id)
        )
        context["total"], context["children"] = region_tallies(region, rows)
    else:
        villages, context["pending"] = village_tallies(region, households, year)
        context["total"], context["children"] = summed_tallies(region, villages)
    return context


@require_GET
@require_roles(*REGION_READERS)
def region(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """佐证资料完成情况: a region's totals and each region below it; a village's households."""
    try:
        context = _region_lists(request, code)
    except ConfigError as error:
        return render(request, "evidence/unavailable.html", {"message": str(error)}, status=503)
    return render(request, "evidence/region.html", context)


@require_GET
@require_roles(*REGION_READERS)
def region_excel(request: HttpRequest, code: str) -> FileResponse:
    """The region's completeness as a workbook: the regions below it and, from a township down,
    every household with needs and every missing proof (a county's or the city's missing
    proofs are its townships' workbooks: hundreds of thousands of rows help nobody)."""
    found = region_for_user(request.user, code)
    households = scope(Household.objects.filter(within_region("village_code", found)), request.user)
    year = evidence_year()
    title = f"{found.name}佐证资料完成情况（{year}年度）"
    if found.level in (Region.Level.CITY, Region.Level.COUNTY):
        villages, pending = village_tallies(found, households, year)
        total, children = summed_tallies(found, villages)
        if pending:  # the background worker is still counting them: said in the sheet, not hidden
            children.append(Tally("", f"另有{pending}个村正在后台计算，未计入合计"))
        names = dict(
            Region.objects.filter(code__in=[v.village_code for v in villages]).values_list("code", "name")
        )
        village_rows = [
            Tally(
                v.village_code,
                names.get(v.village_code, v.village_code),
                v.households,
                v.complete,
                v.needed,
                v.held,
            )
            for v in villages
        ]
        sheets = [
            Sheet("完成情况", TALLY_COLUMNS, [*children, total]),
            Sheet("各村情况", TALLY_COLUMNS, village_rows),
        ]
        return workbook_response(title, sheets)
    rows: list[HouseholdEvidence] = [evidence for evidence in in_chunks(households, year) if evidence.total]
    total, children = region_tallies(found, rows)
    missing = [MissingRow(evidence.household, need) for evidence in rows for need in evidence.missing]
    sheets = [
        Sheet("完成情况", TALLY_COLUMNS, [*children, total]),
        Sheet("各户情况", HOUSEHOLD_COLUMNS, rows),
        Sheet("缺少的材料", MISSING_COLUMNS, missing),
    ]
    return workbook_response(title, sheets)
