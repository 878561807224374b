"""驻村工作队 pages: the region's roster and warnings, the monthly attendance report (page and
Excel), a team's page, the member's phone pages (check in, ask for leave), leave decisions,
the roster import and the dashboard panel. Every record comes through the gate."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangfan.engine.fieldwork.attendance import parse_month, previous_month
from fangfan.engine.fieldwork.rules import field_rules
from fangfan.web.accounts.access import (
    REGION_READERS,
    WORKFLOW_ROLES,
    can,
    get_scoped_or_404,
    region_for_user,
    require_roles,
    scope,
    within_region,
)
from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region
from fangfan.web.shared.excel import CONTENT_TYPE, Sheet, workbook_response
from fangfan.web.teams import actions, columns, imports, reports
from fangfan.web.teams.forms import (
    CheckInForm,
    DecisionForm,
    EndForm,
    ImportForm,
    LeaveForm,
    MemberForm,
    TeamForm,
)
from fangfan.web.teams.models import Leave, Team, TeamMember, active_on

Role = User.Role
# Who opens the roster's writing pages and who decides leave: the gate's own cells for these
# actions (accounts/access.py), not a second list.
ROSTER_KEEPERS = tuple(sorted(WORKFLOW_ROLES["team_roster"]))
LEAVE_DECIDERS = tuple(sorted(WORKFLOW_ROLES["team_leave_township"] | WORKFLOW_ROLES["team_leave_county"]))
MEMBERS = tuple(sorted(WORKFLOW_ROLES["team_checkin"]))
TEAMS_PER_PAGE = 50
CHECKIN_PERMISSIONS = "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # require_roles let only a signed-in account through
    return request.user


def _month(text: str) -> dt.date:
    try:
        return parse_month(text)
    except ValueError:
        raise Http404("月份应写成 年-月") from None


def _region_context(request: HttpRequest, code: str | None) -> dict[str, Any]:
    region = region_for_user(request.user, code)
    today = timezone.localdate()
    return {"region": region, "today": today, "last_month": previous_month(today)}


@require_GET
@require_roles(*REGION_READERS)
def home(request: HttpRequest) -> HttpResponse:
    """驻村工作队: the user's own region."""
    return redirect("teams:region", code=region_for_user(request.user).code)


@require_GET
@require_roles(*REGION_READERS)
def region(request: HttpRequest, code: str) -> HttpResponse:
    """The region's teams in post, a page at a time, with their members counted."""
    context = _region_context(request, code)
    user, found = _user(request), context["region"]
    teams = reports.active_teams(user, found, context["today"])
    page = Paginator(teams, TEAMS_PER_PAGE).get_page(request.GET.get("page"))
    names = reports.village_names(found)
    context |= {
        "page": page,
        "rows": [(team, names.get(team.village_code, team.village_code)) for team in page],
        "names": names,
        "may_keep": user.role in ROSTER_KEEPERS,
        "form": TeamForm(sorted(names.items()))
        if user.role in ROSTER_KEEPERS and len(names) <= 500
        else None,
    }
    return render(request, "teams/region.html", context)


@require_GET
@require_roles(*REGION_READERS)
def warnings(request: HttpRequest, code: str) -> HttpResponse:
    """驻村工作队预警: villages without a team, small teams, short terms, no first secretary."""
    context = _region_context(request, code)
    found = reports.roster_warnings(_user(request), context["region"], context["today"])
    context |= {"page": Paginator(found, 200).get_page(request.GET.get("page")), "count": len(found)}
    context["rules"] = field_rules(context["today"].year)
    return render(request, "teams/warnings.html", context)


@require_GET
@require_roles(*REGION_READERS)
def warnings_excel(request: HttpRequest, code: str) -> FileResponse:
    context = _region_context(request, code)
    found = reports.roster_warnings(_user(request), context["region"], context["today"])
    title = f"{context['region'].name}驻村工作队预警（{context['today']:%Y年%m月%d日}）"
    return workbook_response(title, [Sheet("预警", columns.WARNING_COLUMNS, found)])


@require_GET
@require_roles(*REGION_READERS)
def roster_excel(request: HttpRequest, code: str) -> FileResponse:
    """The members in post today (ID numbers and phones masked)."""
    context = _region_context(request, code)
    members = (
        scope(TeamMember.objects.filter(within_region("village_code", context["region"])), request.user)
        .filter(active_on(context["today"], "joined", "left"))
        .select_related("team")
        .order_by("village_code", "duty", "name")
    )
    names = reports.village_names(context["region"])
    rows = [(member, names.get(member.village_code, member.village_code)) for member in members]
    title = f"{context['region'].name}驻村工作队花名册（{context['today']:%Y年%m月%d日}）"
    return workbook_response(title, [Sheet("花名册", columns.ROSTER_COLUMNS, rows)])


@require_GET
@require_roles(*REGION_READERS)
def report(request: HttpRequest, code: str, month: str) -> HttpResponse:
    """驻村考勤月报: the month per village (and per person from a township down)."""
    context = _region_context(request, code)
    first, region, today = _month(month), context["region"], context["today"]
    people = None
    if region.level in (Region.Level.TOWNSHIP, Region.Level.VILLAGE):
        people = reports.attendance(_user(request), region, first, today)
        villages, total = reports.by_village(people)
    else:  # a county's townships or the city's counties, kept a few minutes (reports.village_months)
        villages, total = reports.village_months(_user(request), region, first, today)
        villages = reports.by_child_region(villages, region)
    context |= {
        "month": first,
        "villages": villages,
        "total": total,
        "previous": previous_month(first),
        "rules": field_rules(first.year),
        "people": people,
        "areas_title": {Region.Level.COUNTY: "各乡镇", Region.Level.CITY: "各县区"}.get(region.level, "各村"),
    }
    return render(request, "teams/report.html", context)


@require_GET
@require_roles(*REGION_READERS)
def report_excel(request: HttpRequest, code: str, month: str) -> FileResponse:
    """The month as a workbook: 各村 and 各人 (masked)."""
    context = _region_context(request, code)
    first = _month(month)
    rows = reports.attendance(_user(request), context["region"], first, context["today"])
    villages, total = reports.by_village(rows)
    title = f"{context['region'].name}驻村工作队{first:%Y年%m月}考勤"
    sheets = [
        Sheet("各村", columns.VILLAGE_COLUMNS, [*villages, total]),
        Sheet("各人", columns.PERSON_COLUMNS, rows),
    ]
    return workbook_response(title, sheets)


def _team(request: HttpRequest, team_id: int) -> Team:
    return get_scoped_or_404(Team.objects.all(), request.user, pk=team_id)


def _team_page(
    request: HttpRequest, team: Team, form: MemberForm | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    members = team.members.select_related("user").order_by("left", "duty", "name")
    context = {
        "team": team,
        "village": Region.objects.filter(code=team.village_code).first(),
        "members": members,
        "today": today,
        "may_keep": can(request.user, "team_roster", team),
        "form": form or MemberForm(initial={"joined": today}),
        "leaves": scope(Leave.objects.filter(member__team=team), request.user).select_related("member")[:20],
        "last_month": previous_month(today),
    }
    return render(request, "teams/team.html", context, status=status)


@require_GET
@require_roles(*REGION_READERS)
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team: its unit and term, its members (masked), their recent leave."""
    return _team_page(request, _team(request, team_id))


@require_POST
@require_roles(*ROSTER_KEEPERS)
def team_new(request: HttpRequest, code: str) -> HttpResponse:
    """登记工作队 in a village of the region."""
    found = region_for_user(request.user, code)
    villages = sorted(reports.village_names(found).items())
    form = TeamForm(villages, request.POST)
    if not form.is_valid():
        messages.error(
            request, "请填写完整：" + "；".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return HttpResponseRedirect(reverse("teams:region", args=[found.code]))
    data = form.cleaned_data
    try:
        made = actions.create_team(
            _user(request),
            data["village_code"],
            data["unit"],
            data["unit_level"],
            data["term_start"],
            data["term_end"],
        )
    except actions.Refused as refused:
        messages.error(request, str(refused))
        return HttpResponseRedirect(reverse("teams:region", args=[found.code]))
    messages.success(request, "已登记驻村工作队")
    return HttpResponseRedirect(reverse("teams:team", args=[made.pk]))


@require_POST
@require_roles(*ROSTER_KEEPERS)
def member_add(request: HttpRequest, team_id: int) -> HttpResponse:
    """A member joins the team (optionally linked to the village account they sign in with)."""
    found = _team(request, team_id)
    form = MemberForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        account = None
        if data["account"]:
            # Only the village's own accounts are looked up: whether a name exists elsewhere is
            # not this office's to learn.
            account = User.objects.filter(
                username=data["account"], is_active=True, role=Role.VILLAGE, region__code=found.village_code
            ).first()
        try:
            if data["account"] and account is None:
                raise actions.Refused(f"该村没有村级账号“{data['account']}”")
            new = actions.NewMember(
                data["name"], data["id_number"], data["duty"], data["joined"], data["phone"]
            )
            member = actions.add_member(_user(request), found, new, account)
        except actions.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"已添加队员：{member.name}")
            return HttpResponseRedirect(reverse("teams:team", args=[found.pk]))
    return _team_page(request, found, form, status=400)


@require_POST
@require_roles(*ROSTER_KEEPERS)
def member_end(request: HttpRequest, member_id: int) -> HttpResponse:
    """离队: the member leaves the team on the date given."""
    member = get_scoped_or_404(TeamMember.objects.select_related("team"), request.user, pk=member_id)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写离队日期")
    else:
        try:
            actions.end_membership(_user(request), member, form.cleaned_data["left"])
            messages.success(request, f"{member.name}已离队")
        except actions.Refused as refused:
            messages.error(request, str(refused))
    return HttpResponseRedirect(reverse("teams:team", args=[member.team_id]))


def _member(request: HttpRequest) -> TeamMember | None:
    return actions.member_of(_user(request))


@require_http_methods(["GET", "POST"])
@require_roles(*MEMBERS)
def checkin(request: HttpRequest) -> HttpResponse:
    """签到 from a phone: one big button; the time is the server's, the position optional."""
    member = _member(request)
    if request.method == "POST" and member is not None:
        form = CheckInForm(request.POST)
        position = None
        if (
            form.is_valid()
            and form.cleaned_data["latitude"] is not None
            and form.cleaned_data["longitude"] is not None
        ):
            data = form.cleaned_data
            position = actions.Position(data["latitude"], data["longitude"], data["accuracy"])
        made = actions.check_in(_user(request), member, position)
        if made.first_of_day:
            messages.success(request, f"签到成功：{timezone.localtime(made.at):%H:%M}")
        else:
            messages.info(request, f"今天已签到，本次（{timezone.localtime(made.at):%H:%M}）记为重复签到")
        return HttpResponseRedirect(reverse("teams:checkin"))
    today = timezone.localdate()
    context: dict[str, Any] = {"member": member, "today": today}
    if member is not None:
        context["today_check_ins"] = member.check_ins.filter(day=today).order_by("at")
        home = region_for_user(request.user)
        context["month"] = reports.attendance(_user(request), home, today.replace(day=1), today)
        context["mine"] = next((row for row in context["month"] if row.member.pk == member.pk), None)
        context["leaves"] = member.leaves.order_by("-start")[:5]
    response = render(
        request, "teams/checkin.html", context, status=200 if member or request.method == "GET" else 403
    )
    # The site denies every page the browser's location (accounts/middleware.py); this page
    # alone may ask for it, from its own origin, when the member ticks 记录我的位置.
    response.headers["Permissions-Policy"] = CHECKIN_PERMISSIONS
    return response


@require_http_methods(["GET", "POST"])
@require_roles(*MEMBERS)
def leave_new(request: HttpRequest) -> HttpResponse:
    """请假 from a phone: dates and reason; says who will decide."""
    member = _member(request)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and member is not None and form.is_valid():
        data = form.cleaned_data
        try:
            leave = actions.request_leave(_user(request), member, data["start"], data["end"], data["reason"])
        except actions.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"已提交请假{leave.days}天，由{leave.get_approver_display()}审批")
            return HttpResponseRedirect(reverse("teams:checkin"))
    rules = field_rules(timezone.localdate().year)
    status = 400 if request.method == "POST" else 200
    if member is None and request.method == "POST":
        status = 403
    return render(
        request, "teams/leave_new.html", {"member": member, "form": form, "rules": rules}, status=status
    )


@require_GET
@require_roles(*REGION_READERS)
def leaves(request: HttpRequest) -> HttpResponse:
    """请假审批: the region's leave requests, those waiting first."""
    found = scope(Leave.objects.all(), request.user).select_related("member", "member__team")
    ordered = found.order_by("status", "-requested_at", "-pk")  # 'approved' < 'pending' < 'rejected'
    pending = ordered.filter(status=Leave.Status.PENDING)
    decided = ordered.exclude(status=Leave.Status.PENDING)
    page = Paginator(decided, 50).get_page(request.GET.get("page"))
    return render(request, "teams/leaves.html", {"pending": pending[:200], "page": page})


def _leave(request: HttpRequest, leave_id: int) -> Leave:
    return get_scoped_or_404(
        Leave.objects.select_related("member", "member__team"), request.user, pk=leave_id
    )


@require_GET
@require_roles(*REGION_READERS)
def leave(request: HttpRequest, leave_id: int) -> HttpResponse:
    found = _leave(request, leave_id)
    context = {
        "leave": found,
        "may_decide": can(request.user, f"team_leave_{found.approver}", found),
        "may_cancel": found.member.user_id == request.user.pk,
        "form": DecisionForm(),
        "rules": field_rules(found.start.year),
    }
    return render(request, "teams/leave.html", context)


def _decide(request: HttpRequest, leave_id: int, approve: bool) -> HttpResponse:
    found = _leave(request, leave_id)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if approve:
            actions.approve_leave(_user(request), found, note)
        else:
            actions.reject_leave(_user(request), found, note)
    except actions.Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"已{'批准' if approve else '不批准'}：{found}")
    return HttpResponseRedirect(reverse("teams:leave", args=[found.pk]))


@require_POST
@require_roles(*LEAVE_DECIDERS)
def leave_approve(request: HttpRequest, leave_id: int) -> HttpResponse:
    return _decide(request, leave_id, approve=True)


@require_POST
@require_roles(*LEAVE_DECIDERS)
def leave_reject(request: HttpRequest, leave_id: int) -> HttpResponse:
    return _decide(request, leave_id, approve=False)


@require_POST
@require_roles(*MEMBERS)
def leave_cancel(request: HttpRequest, leave_id: int) -> HttpResponse:
    """撤销请假: the member's own, while it waits for a decision."""
    found = _leave(request, leave_id)
    try:
        actions.cancel_leave(_user(request), found)
    except actions.Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"已撤销请假：{found}")
    return HttpResponseRedirect(reverse("teams:leave", args=[found.pk]))


@require_http_methods(["GET", "POST"])
@require_roles(*ROSTER_KEEPERS)
def import_roster(request: HttpRequest) -> HttpResponse:
    """导入花名册: all rows or none; every problem by file, sheet, row and column."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(
            request, "teams/import.html", {"form": form}, status=400 if request.method == "POST" else 200
        )
    upload = form.cleaned_data["file"]
    name = Path(upload.name or "花名册.xlsx").name
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("roster" + (Path(name).suffix.lower() or ".xlsx"))
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        outcome = imports.import_roster(_user(request), path, name)
    if outcome.loaded:
        messages.success(request, f"已导入《{name}》：新建工作队{outcome.teams}个，队员{outcome.members}人")
        return HttpResponseRedirect(reverse("teams:home"))
    return render(
        request, "teams/import.html", {"form": ImportForm(), "outcome": outcome, "name": name}, status=400
    )


@require_GET
@require_roles(*ROSTER_KEEPERS)
def import_report(request: HttpRequest, token: str) -> HttpResponse:
    """The problems of the user's own import, as a workbook."""
    data = imports.report_file(_user(request), token)
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E5%AF%BC%E5%85%A5%E9%97%AE%E9%A2%98.xlsx"
    return response


@require_GET
@require_roles(*REGION_READERS)
def panel(request: HttpRequest) -> HttpResponse:
    """The dashboard's 驻村工作队 panel (htmx, after the page)."""
    found = region_for_user(request.user, request.GET.get("region") or None)
    context = {
        "panel": reports.panel(_user(request), found, timezone.localdate()),
        "member": _member(request),
    }
    return render(request, "teams/_panel.html", context)
