"""The public report form (/report/) and its progress look-up (/report/status/): no account,
mobile first, kept for people by `spam`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from fangfan.web.monitoring import spam
from fangfan.web.monitoring.actions.reports import receive_self_report, report_progress
from fangfan.web.monitoring.forms import ProgressForm, SelfReportForm
from fangfan.web.procedures.base import WorkflowError

REFUSED = "monitoring/report_refused.html"
TOO_MANY_PAGE = "429.html"  # the site's own page for too many tries
TOO_MANY = "提交次数过多，请一小时后再试，或直接拨打12317热线反映"


@login_not_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """防返贫监测自主申报: the form; every report answers with its own reference number."""
    if request.method != "POST":
        return _form(request, SelfReportForm(initial={"token": spam.fill_token()}))
    if spam.over_rate_limit(request):
        return render(request, TOO_MANY_PAGE, {"reason": TOO_MANY}, status=429)
    if request.POST.get(spam.HONEYPOT_FIELD):
        return render(request, REFUSED, {"reason": "提交未成功，请稍后再试"}, status=400)
    form = SelfReportForm(request.POST)
    token = request.POST.get("token", "")
    problem = spam.token_problem(token)
    if not problem and form.is_valid():
        try:
            received = receive_self_report(form.report(), fill_token=token)
        except WorkflowError as refused:
            problem = str(refused)
        else:
            return render(request, "monitoring/report_done.html", {"reference": received.reference})
    if problem:
        data = request.POST.copy()  # what the form was bound to, with a fresh token
        data["token"] = spam.fill_token()
        form.data = data
    return _form(request, form, problem, status=400)


def _form(request: HttpRequest, form: SelfReportForm, problem: str = "", status: int = 200) -> HttpResponse:
    return render(request, "monitoring/report.html", {"form": form, "problem": problem}, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def report_status(request: HttpRequest) -> HttpResponse:
    """查询办理进度: the stage of a report, for its reference number and the phone it gave."""
    form = ProgressForm(request.POST or None)
    if request.method != "POST":
        return render(request, "monitoring/report_status.html", {"form": form})
    if spam.over_rate_limit(request, spam.LOOKUP):
        return render(request, TOO_MANY_PAGE, {"reason": TOO_MANY}, status=429)
    if not form.is_valid():
        return render(request, "monitoring/report_status.html", {"form": form}, status=400)
    progress = report_progress(form.cleaned_data["reference"], form.cleaned_data["phone"])
    # An empty form again: the phone typed is not echoed back into the page.
    context = {"form": ProgressForm(), "progress": progress, "asked": True}
    return render(request, "monitoring/report_status.html", context)


@login_not_required
@require_GET
def report_places(request: HttpRequest) -> HttpResponse:
    """The township (after a county is chosen) or village (after a township) choices, for htmx."""
    chosen = {"county": request.GET.get("county", ""), "township": request.GET.get("township", "")}
    form = SelfReportForm(initial=chosen)
    level = "village" if "township" in request.GET else "township"
    return render(request, "monitoring/_report_places.html", {"form": form, "level": level})
