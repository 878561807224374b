"""离线走访: a village's form and preload to download, an export to upload, the import's report."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from fangfan.engine.odk.preload import PRELOAD_FILE
from fangfan.engine.odk.xlsform import write_xlsform
from fangfan.web.accounts.access import (
    FIELD_TEAMS,
    get_scoped_or_404,
    region_for_user,
    regions_within,
    require_roles,
    scope,
    within_region,
)
from fangfan.web.monitoring.views import user_of
from fangfan.web.odk.forms import UploadForm
from fangfan.web.odk.imports import import_submissions
from fangfan.web.odk.models import SubmissionImport
from fangfan.web.odk.preload import village_preload
from fangfan.web.odk.report import report_sheets
from fangfan.web.odk.schema import visit_form_spec
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household
from fangfan.web.shared.excel import workbook_response, written_response
from fangfan.web.shared.polling import progress_panel

RECENT = 20


def _village(request: HttpRequest, village_code: str) -> Region:
    region = region_for_user(request.user, village_code)
    if region.level != Region.Level.VILLAGE:
        raise Http404("没有找到该行政村")
    return region


@require_GET
@require_roles(*FIELD_TEAMS)
def index(request: HttpRequest) -> HttpResponse:
    """The villages of the user's region with their downloads, the upload, the recent imports."""
    return render(request, "odk/index.html", _index(request, UploadForm()))


def _index(request: HttpRequest, form: UploadForm) -> dict[str, Any]:
    user = user_of(request)
    assert user.region is not None
    villages = regions_within(user.region).filter(level=Region.Level.VILLAGE).select_related("parent")
    imports = scope(SubmissionImport.objects.select_related("uploaded_by"), user)[:RECENT]
    return {"villages": villages.order_by("code"), "imports": imports, "form": form}


@require_GET
@require_roles(*FIELD_TEAMS)
def form_download(request: HttpRequest, village_code: str) -> FileResponse:
    """The village's XLSForm, to publish on ODK Central or KoboToolbox with its preload CSV."""
    village = _village(request, village_code)
    spec = visit_form_spec(village.code, village.name)
    return written_response(
        f"{village.name}入户走访表单-{village.code}", lambda out: write_xlsform(spec, out)
    )


@require_GET
@require_roles(*FIELD_TEAMS)
def preload_download(request: HttpRequest, village_code: str) -> FileResponse:
    """The village's households as `households.csv` (masked ID numbers, no phones)."""
    village = _village(request, village_code)
    households = scope(Household.objects.filter(within_region("village_code", village)), request.user)
    body = village_preload(households).encode("utf-8")
    response = FileResponse(io.BytesIO(body), content_type="text/csv; charset=utf-8")
    # The name the form's select_one_from_file expects: the attachment must keep it.
    response["Content-Disposition"] = f'attachment; filename="{PRELOAD_FILE}"'
    return response


@require_POST
@require_roles(*FIELD_TEAMS)
def upload(request: HttpRequest) -> HttpResponse:
    """Import an export: the rows that can be placed become visits; the report lists the rest."""
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "odk/index.html", _index(request, form), status=400)
    batch = import_submissions(user_of(request), form.cleaned_data["export"], may_defer=True)
    if batch.in_progress:
        messages.info(
            request, f"文件较大（{batch.rows:,} 条提交），已交后台导入：本页显示进度，导入完成后显示导入报告"
        )
    return redirect("odk:import_detail", import_id=batch.pk)


@require_GET
@require_roles(*FIELD_TEAMS)
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """One import: its counts, and each row that could not be placed with the reason."""
    batch = get_scoped_or_404(
        SubmissionImport.objects.select_related("uploaded_by"), request.user, pk=import_id
    )
    visits = batch.submissions.select_related("visit__household").order_by("row")
    return render(request, "odk/import_detail.html", {"batch": batch, "submissions": visits})


@require_GET
@require_roles(*FIELD_TEAMS)
def import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    """The progress panel alone, for htmx polling; a finished import reloads the page (its report)."""
    batch = get_scoped_or_404(SubmissionImport.objects.all(), request.user, pk=import_id)
    return progress_panel(request, "odk/_import_status.html", {"batch": batch}, running=batch.in_progress)


@require_GET
@require_roles(*FIELD_TEAMS)
def import_report(request: HttpRequest, import_id: int) -> FileResponse:
    """The import's report as Excel."""
    batch = get_scoped_or_404(SubmissionImport.objects.all(), request.user, pk=import_id)
    return workbook_response(f"离线走访导入报告-{batch.pk}", report_sheets(batch))
