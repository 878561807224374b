"""Uploads in the browser: the form, the list, one upload's progress and problems, downloads."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangfan.web.accounts.access import (
    IMPORT_READERS,
    IMPORT_SENDERS,
    can,
    get_scoped_or_404,
    require_roles,
    scope,
)
from fangfan.web.accounts.forms import UnmaskForm
from fangfan.web.accounts.models import User
from fangfan.web.accounts.personal import mask_text
from fangfan.web.imports import actions, liveness
from fangfan.web.imports.excel import problems_workbook
from fangfan.web.imports.forms import UploadForm, feeds_for, size_text
from fangfan.web.imports.models import Upload, UploadProblem, masked_problem_value
from fangfan.web.imports.rows import comparison_rows
from fangfan.web.shared.excel import DATE, NUMBER, Column, excel_response
from fangfan.web.shared.polling import progress_panel

Role = User.Role
LIST_PAGE = 30
PROBLEMS_SHOWN = 200


def _uploads(request: HttpRequest) -> QuerySet[Upload]:
    liveness.fail_abandoned()  # an upload whose worker was killed reads 失败 with the reason
    return scope(Upload.objects.select_related("uploaded_by", "region"), request.user)


def _upload(request: HttpRequest, upload_id: int) -> Upload:
    liveness.fail_abandoned()
    return get_scoped_or_404(
        Upload.objects.select_related("uploaded_by", "region"), request.user, pk=upload_id
    )


@require_GET
@require_roles(*IMPORT_READERS)
def upload_list(request: HttpRequest) -> HttpResponse:
    """数据上传: every upload in the user's region, newest first (department officers: their own)."""
    page = Paginator(_uploads(request), LIST_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "imports/upload_list.html", {"page": page, "may_upload": bool(feeds_for(request.user))}
    )


@require_http_methods(["GET", "POST"])
@require_roles(*IMPORT_SENDERS)
def upload_new(request: HttpRequest) -> HttpResponse:
    """上传数据: the form; a valid file is kept and queued, and the page moves to its progress."""
    user = request.user
    assert isinstance(user, User)
    if not feeds_for(user):
        raise PermissionDenied("您的账号不能上传数据")
    form = UploadForm(user, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = actions.create_upload(user, data["file"], data["feed"], data["as_of"])
        messages.success(request, f"已收到“{upload.original_name}”，正在排队处理。")
        return redirect("imports:detail", upload_id=upload.pk)
    limit = size_text(settings.FANGFAN_UPLOAD_MAX_BYTES)
    return render(request, "imports/upload_form.html", {"form": form, "limit": limit})


UPLOAD_COLUMNS = (
    Column("上传时间", "uploaded_at", kind=DATE, width=11),
    Column("文件", "original_name", width=30),
    Column("数据类别", "feed_display", width=16),
    Column("上传人", lambda upload: upload.uploaded_by.display_name if upload.uploaded_by else "", width=12),
    Column("所属区划", "region.name", width=12),
    Column("状态", lambda upload: upload.get_status_display(), width=8),
    Column(
        "文件中的问题",
        lambda upload: None if upload.in_progress else upload.problem_count,
        kind=NUMBER,
        width=10,
    ),
)


@require_GET
@require_roles(*IMPORT_READERS)
def upload_list_excel(request: HttpRequest) -> FileResponse:
    """The upload list as Excel: every upload the user may see, newest first."""
    return excel_response("数据上传记录", UPLOAD_COLUMNS, _uploads(request))


@require_GET
@require_roles(*IMPORT_READERS)
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    """One upload: its state and progress (polled while it runs), the result and the problems found."""
    upload = _upload(request, upload_id)
    problems = list(upload.problems.all()[:PROBLEMS_SHOWN])
    _mask_values(problems)
    context = {
        "upload": upload,
        "problems": problems,
        "problems_hidden": max(upload.problem_count - len(problems), 0),
        "may_download_file": _may_download_file(request.user, upload),
        "comparison": comparison_rows(upload.comparison),
        "may_confirm": upload.held and can(request.user, "confirm_upload", upload),
    }
    return render(request, "imports/upload_detail.html", context)


@require_POST
@require_roles(Role.CITY)
def upload_confirm(request: HttpRequest, upload_id: int) -> HttpResponse:
    """确认使用: the city office lets a held file go on to import and publish."""
    upload = _upload(request, upload_id)
    assert isinstance(request.user, User)
    actions.confirm_upload(request.user, upload.pk)
    messages.success(request, f"已确认使用“{upload.original_name}”，正在排队处理。")
    return redirect("imports:detail", upload_id=upload.pk)


@require_POST
@require_roles(Role.CITY)
def upload_reject(request: HttpRequest, upload_id: int) -> HttpResponse:
    """不予使用: the city office refuses a held file; it is never imported."""
    upload = _upload(request, upload_id)
    assert isinstance(request.user, User)
    actions.reject_upload(request.user, upload.pk)
    messages.success(request, f"已驳回“{upload.original_name}”，该文件不会被使用。")
    return redirect("imports:detail", upload_id=upload.pk)


@require_GET
@require_roles(*IMPORT_READERS)
def upload_status(request: HttpRequest, upload_id: int) -> HttpResponse:
    """The status panel alone, for htmx polling; a finished upload reloads the page to show the result."""
    upload = _upload(request, upload_id)
    return progress_panel(request, "imports/_status.html", {"upload": upload}, running=upload.in_progress)


@require_GET
@require_roles(*IMPORT_READERS)
def upload_problems(request: HttpRequest, upload_id: int) -> HttpResponse:
    """The file's problems as an Excel workbook."""
    upload = _upload(request, upload_id)
    problems = list(upload.problems.all())
    _mask_values(problems)
    response = HttpResponse(
        problems_workbook(upload, problems),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, f"上传文件问题-{upload.pk}.xlsx")
    return response


@require_http_methods(["GET", "POST"])
@require_roles(*IMPORT_READERS)
def upload_file(request: HttpRequest, upload_id: int) -> HttpResponse | FileResponse:
    """The file as it arrived (whole ID numbers on every row): asks for a reason, records it, sends it."""
    upload = _upload(request, upload_id)
    user = request.user
    if not isinstance(user, User) or not _may_download_file(user, upload):
        raise PermissionDenied("原始文件含有完整的个人信息，您没有下载权限")
    form = UnmaskForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "imports/upload_file.html", {"upload": upload, "form": form}, status=status)
    actions.record_file_download(user, upload, form.cleaned_data["reason"])
    stored = default_storage.open(upload.stored_file, "rb")
    return FileResponse(stored, as_attachment=True, filename=upload.original_name)


def _may_download_file(user: User | AnonymousUser, upload: Upload) -> bool:
    """The original holds whole ID numbers: only those who may unmask, on record."""
    return can(user, "unmask", upload)


def _mask_values(problems: list[UploadProblem]) -> None:
    """ID and phone numbers masked, birth dates as their year, for everyone: the page and its
    Excel are read by many; the whole numbers are in the original file, downloaded on record."""
    for problem in problems:
        problem.value = masked_problem_value(problem)
        problem.message = mask_text(problem.message)
