"""Rectification's Excel pages: importing a feedback list, and the ledger's downloads.

- 导入反馈清单 (`import_feedback`): upload an inspection's list; it loads whole as a batch
  of problems, or not at all, with the report of every row to fix (`imports`).
- Downloads (`exports`), each of the problems the user may see: 三清单 (under the ledger's
  filters), a region's 整改台账 (a sheet per source or township), the progress report.
"""

from __future__ import annotations

from pathlib import PurePath
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from fangfan.engine.rectification.workbooks import BY_SOURCE, BY_TOWNSHIP
from fangfan.web import bounds
from fangfan.web.accounts.access import (
    RECTIFICATION_RECORDERS,
    REGION_READERS,
    region_for_user,
    require_roles,
    scope,
    within_region,
)
from fangfan.web.accounts.models import User
from fangfan.web.imports.forms import size_text
from fangfan.web.rectification import exports, imports
from fangfan.web.rectification.forms import CHOOSE, LedgerFilter
from fangfan.web.rectification.ledger import apply_filters
from fangfan.web.rectification.models import CATEGORY_CHOICES, Problem, Source, masked_file_name
from fangfan.web.regions.models import Region
from fangfan.web.shared.excel import CONTENT_TYPE, written_response

ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
# A feedback list is a few hundred rows: a few megabytes at most.
FEEDBACK_MAX_BYTES = 20 * 1024 * 1024
REPORT_NAME = "反馈清单导入报告.xlsx"


class FeedbackForm(forms.Form):
    file = forms.FileField(
        label="反馈问题清单",
        help_text=(
            "收到的反馈问题清单原表（.xlsx、.xls 或 .csv）：序号、问题描述、涉及县区/乡镇/村、"
            "整改措施、责任单位、责任人、整改时限"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
        error_messages={"required": "请选择要导入的清单文件", "empty": "上传的文件是空的"},
    )
    source = forms.ChoiceField(label="问题来源", choices=CHOOSE + Source.choices)
    batch = forms.CharField(
        label="批次（不填则用清单的标题，如“2020年省际交叉考核反馈问题”）", max_length=100, required=False
    )
    category = forms.ChoiceField(label="问题类别（清单中未写类别的问题）", choices=CHOOSE + CATEGORY_CHOICES)
    received = bounds.date_field(
        "收到清单日期（“立行立改”的问题以此日为整改时限）",
        input_formats=["%Y-%m-%d", "%Y/%m/%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_file(self) -> object:
        file = self.cleaned_data["file"]
        suffix = PurePath(file.name or "").suffix.lower()
        if suffix not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError(
                f"不支持“{suffix or '无扩展名'}”文件，请上传 .xlsx、.xls 或 .csv 格式的清单"
            )
        if (file.size or 0) > FEEDBACK_MAX_BYTES:
            raise forms.ValidationError(
                f"文件太大（{size_text(file.size or 0)}），清单文件不能超过 {size_text(FEEDBACK_MAX_BYTES)}"
            )
        return file


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_http_methods(["GET", "POST"])
@require_roles(*RECTIFICATION_RECORDERS)
def import_feedback(request: HttpRequest) -> HttpResponse:
    """导入反馈清单: the whole list as problems, or nothing and the report of what to fix."""
    user = _user(request)
    form = FeedbackForm(
        request.POST or None, request.FILES or None, initial={"received": timezone.localdate()}
    )
    outcome = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = imports.import_feedback(
            user,
            data["file"],
            source=data["source"],
            batch=data["batch"],
            category=data["category"],
            received=data["received"],
        )
        if outcome.loaded:
            batch = outcome.problems[0].batch
            warned = f"，{len(outcome.warnings)} 条提示见导入报告" if outcome.warnings else ""
            messages.success(request, f"已导入反馈清单：{len(outcome.problems)} 个整改问题{warned}")
            return redirect(f"{reverse('rectification:problem_list')}?{urlencode({'batch': batch})}")
    status = 400 if request.method == "POST" else 200
    return render(request, "rectification/import.html", {"form": form, "outcome": outcome}, status=status)


@require_GET
@require_roles(*RECTIFICATION_RECORDERS)
def import_report(request: HttpRequest, token: str) -> FileResponse:
    """The import report kept for this user (404 for anyone else's)."""
    response = FileResponse(imports.report_file(_user(request), token), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(REPORT_NAME)}"
    return response


def _filtered(request: HttpRequest) -> tuple[User, LedgerFilter, Region, str]:
    user = _user(request)
    filters = LedgerFilter(user, request.GET)
    region = region_for_user(user, str(filters.data.get("region") or "") or None)  # 404 outside
    batch = str(filters.data.get("batch") or "").strip()
    # The batch names the file and heads its sheets: masked like any text a list carried.
    return user, filters, region, f"{region.name}{masked_file_name(batch)}"


@require_GET
@require_roles(*REGION_READERS)
def export_three_lists(request: HttpRequest) -> FileResponse:
    """三清单 (问题清单, 任务清单, 责任清单) of the ledger under its filters."""
    user, filters, _, title = _filtered(request)
    problems = apply_filters(scope(Problem.objects.all(), user), user, filters)
    return written_response(f"{title}整改三清单", exports.three_lists(problems, title))


@require_GET
@require_roles(*REGION_READERS)
def export_ledger(request: HttpRequest, region_code: str) -> FileResponse:
    """A county's (or township's) 整改台账, a sheet per source (?by=source) or township (?by=township)."""
    user = _user(request)
    region = region_for_user(user, region_code)  # 404 outside the user's region
    by = request.GET.get("by", BY_SOURCE)
    if by not in (BY_SOURCE, BY_TOWNSHIP):
        raise Http404("没有这种台账分表方式")
    problems = scope(Problem.objects.filter(within_region("region_code", region)), user)
    return written_response(f"{region.name}整改台账", exports.region_ledger(problems, region, by))


@require_GET
@require_roles(*REGION_READERS)
def export_progress(request: HttpRequest) -> FileResponse:
    """The progress report of the ledger under its filters: by source, by county, by both."""
    user, filters, region, title = _filtered(request)
    problems = apply_filters(scope(Problem.objects.all(), user), user, filters)
    return written_response(f"{title}整改进度报表", exports.progress_report(problems, region, title))
