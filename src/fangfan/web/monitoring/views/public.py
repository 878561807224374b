"""The public report form (/report/): no account, mobile first, kept for people by `spam`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from fangfan.web.monitoring import spam
from fangfan.web.monitoring.actions.discovery import receive_self_report
from fangfan.web.monitoring.forms import SelfReportForm

REFUSED = "monitoring/report_refused.html"


@login_not_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """防返贫监测自主申报: the form; a report answers with its reference number."""
    if request.method != "POST":
        return _form(request, SelfReportForm(initial={"token": spam.fill_token()}))
    if spam.over_rate_limit(request):
        reason = "提交次数过多，请一小时后再试，或直接拨打12317热线反映"
        return render(request, REFUSED, {"reason": reason}, status=429)
    if request.POST.get(spam.HONEYPOT_FIELD):
        return render(request, REFUSED, {"reason": "提交未成功，请稍后再试"}, status=400)
    form = SelfReportForm(request.POST)
    problem = spam.token_problem(request.POST.get("token", ""))
    if problem:
        form.data = form.data.copy()
        form.data["token"] = spam.fill_token()
        return _form(request, form, problem, status=400)
    if not form.is_valid():
        return _form(request, form, status=400)
    report = form.report()
    duplicate = spam.recent_duplicate(report.village_code, report.id_number, report.phone, report.name)
    intake = None if duplicate else receive_self_report(report)
    return render(request, "monitoring/report_done.html", {"intake": intake, "duplicate": bool(duplicate)})


def _form(request: HttpRequest, form: SelfReportForm, problem: str = "", status: int = 200) -> HttpResponse:
    return render(request, "monitoring/report.html", {"form": form, "problem": problem}, status=status)


@login_not_required
@require_GET
def report_places(request: HttpRequest) -> HttpResponse:
    """The township (after a county is chosen) or village (after a township) choices, for htmx."""
    chosen = {"county": request.GET.get("county", ""), "township": request.GET.get("township", "")}
    form = SelfReportForm(initial=chosen)
    level = "village" if "township" in request.GET else "township"
    return render(request, "monitoring/_report_places.html", {"form": form, "level": level})
