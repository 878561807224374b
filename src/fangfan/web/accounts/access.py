"""The access gate: which records a user may see, and what they may do to them.

Every region-scoped model names the field that holds its 12-digit village code (or a
region code prefix)::

    class Household(models.Model):
        REGION_FIELD = "village_code"          # or "household__village_code"

and every view, export, upload and API call gets its objects through `scope` or
`get_scoped_or_404`. Region scoping lives here and nowhere else.

Department officers read only what they uploaded: a model they may read names its
uploader with ``OWNER_FIELD = "uploaded_by"``; on any other model they see nothing.

Which roles open which pages is named here too, once: the role groups below, passed to
`require_roles`. A region asked for in a page's address goes through `region_for_user`,
and a filter to it through `within_region` / `code_prefix`: no app compares code
prefixes itself (tests/web/test_layers.py checks).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

from fangfan.engine.schema import DEPARTMENT_FEEDS, REGISTRY_TABLES
from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region

Role = User.Role
M = TypeVar("M", bound=Model)
View = Callable[..., HttpResponseBase]  # a page, a redirect or a download (FileResponse)

ACTIONS = (
    "view",
    "assign",
    "mark_fixed",
    "mark_explained",
    "verify_close",
    "upload",
    "unmask",
    "confirm_upload",
    "monitoring_report",
    "monitoring_visit",
    "monitoring_intake",
    "monitoring_home_check",
    "monitoring_village_review",
    "monitoring_township_review",
    "monitoring_county_decision",
    "monitoring_measure",
    "monitoring_reassess",
    "monitoring_propose_elimination",
    "rectification_open",
    "rectification_fix",
    "rectification_accept",
    "rectification_close",
    "rectification_recheck",
    "grievance_record",
    "grievance_handle",
    "opinion_handle",
    "campaign_visit",
    "evidence_upload",
    # field work II: each part adds its actions on the lines under its name
    # teams
    "team_roster",
    "team_checkin",
    "team_leave_township",
    "team_leave_county",
    # jobs
    "jobs_post",
    "jobs_village_review",
    "jobs_township_check",
    "jobs_county_record",
    "jobs_appraise",
    "jobs_check",
    # projects
    "project_edit",
    "project_progress",
    "project_accept",
    # industry
    "industry_record",
    "industry_import",
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Who may do each workflow action, inside their region (docs/web.md, Roles).
# "upload", "unmask" and "confirm_upload" are decided by their own rules in `can`.
WORKFLOW_ROLES: dict[str, frozenset[str]] = {
    "view": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.INSPECTOR}),
    "assign": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP}),
    "mark_fixed": frozenset({Role.TOWNSHIP, Role.VILLAGE}),
    "mark_explained": frozenset({Role.TOWNSHIP, Role.VILLAGE}),
    "verify_close": frozenset({Role.CITY, Role.COUNTY}),
    # Relapse monitoring (fangfan.web.monitoring, docs/monitoring.md): who records a report
    # taken on the 12317 line, a visit; who takes up or sets aside a lead in the intake list;
    # who does each identification step. City offices and inspectors only read.
    "monitoring_report": frozenset({Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE}),
    "monitoring_visit": frozenset({Role.TOWNSHIP, Role.VILLAGE}),
    "monitoring_intake": frozenset({Role.TOWNSHIP}),
    "monitoring_home_check": frozenset({Role.VILLAGE}),
    "monitoring_village_review": frozenset({Role.VILLAGE}),
    "monitoring_township_review": frozenset({Role.TOWNSHIP}),
    "monitoring_county_decision": frozenset({Role.COUNTY}),
    # Assistance and follow-up: village teams and townships add and end measures, record
    # re-assessments and propose risk elimination (its check, notice and approval are
    # owned as in identification: home check and village review, county decision).
    "monitoring_measure": frozenset({Role.TOWNSHIP, Role.VILLAGE}),
    "monitoring_reassess": frozenset({Role.TOWNSHIP, Role.VILLAGE}),
    "monitoring_propose_elimination": frozenset({Role.TOWNSHIP, Role.VILLAGE}),
    # Rectification (整改销号, fangfan.web.rectification): any cadre office enters a problem and
    # reports its fix; townships up accept it (never the unit and role that fixed it, the
    # verb's own rule); counties and the city close it out (销号) and draw the 回头看 sample.
    "rectification_open": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE}),
    "rectification_fix": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE}),
    "rectification_accept": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP}),
    "rectification_close": frozenset({Role.CITY, Role.COUNTY}),
    "rectification_recheck": frozenset({Role.CITY, Role.COUNTY}),
    # Grievances (信访、12317) and public-opinion items (舆情), fangfan.web.grievances: every
    # cadre records a grievance; the offices (township up) take it up, answer it and call back;
    # they also register, verify on site and answer an item found online.
    "grievance_record": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE}),
    "grievance_handle": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP}),
    "opinion_handle": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP}),
    # Campaigns (专项行动, fangfan.web.campaigns): the teams on the ground visit the targets.
    "campaign_visit": frozenset({Role.TOWNSHIP, Role.VILLAGE}),
    # Evidence (佐证资料, fangfan.web.evidence): the teams that hold the papers upload and remove
    # a household's proof files; the city office and inspectors read them.
    "evidence_upload": frozenset({Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE}),
    # Field work II (docs/fieldwork.md): each part's actions under its name.
    # teams
    # Village work teams (驻村工作队, fangfan.web.teams): the offices keep the roster; a member
    # checks in and asks for leave with the village account linked to them; the township decides
    # a short leave, the county a longer one (`field_rules(year).team_leave_township_max_days`).
    "team_roster": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP}),
    "team_checkin": frozenset({Role.VILLAGE}),
    "team_leave_township": frozenset({Role.TOWNSHIP}),
    "team_leave_county": frozenset({Role.COUNTY}),
    # jobs: townships and counties set up posts, end them and import the cadre rosters; the
    # village records applications, its review and the monthly appraisal (the township too);
    # the township checks and posts the notice, the county records; offices run the monthly check.
    "jobs_post": frozenset({Role.COUNTY, Role.TOWNSHIP}),
    "jobs_village_review": frozenset({Role.VILLAGE}),
    "jobs_township_check": frozenset({Role.TOWNSHIP}),
    "jobs_county_record": frozenset({Role.COUNTY}),
    "jobs_appraise": frozenset({Role.TOWNSHIP, Role.VILLAGE}),
    "jobs_check": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP}),
    # projects
    # projects: counties, townships (and the city) keep the library, its payments and beneficiaries;
    # the teams on the ground report progress with photos; acceptance (验收) by another user than
    # the one who reported the finish (the verb's own rule).
    "project_edit": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP}),
    "project_progress": frozenset({Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE}),
    "project_accept": frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP}),
    # industry
    # Industry income (产业收入, fangfan.web.industry): the teams on the ground record, correct and
    # remove a household's plantings and livestock from their visits; the offices down to the
    # villages load them from an Excel list (each row into a household inside their region).
    "industry_record": frozenset({Role.TOWNSHIP, Role.VILLAGE}),
    "industry_import": frozenset({Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE}),
}

# Role groups: who may open a family of pages (`@require_roles(*REGION_READERS)`); inspectors
# read every page too (`require_roles` lets them through for reads). docs/web.md, Roles.
#
# The regional offices and village teams: registry, findings, monitoring and dashboard pages.
REGION_READERS = (Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)
# The upload pages: the offices that receive data (city, counties) and the departments, who see
# only their own uploads (`scope` with OWNER_FIELD).
IMPORT_READERS = (Role.CITY, Role.COUNTY, Role.DEPARTMENT)
# Who sends files: the city office (the national registry's export), departments (their feed).
IMPORT_SENDERS = (Role.CITY, Role.DEPARTMENT)
# The teams on the ground: visits, assistance measures, re-assessments.
FIELD_TEAMS = (Role.TOWNSHIP, Role.VILLAGE)
# Who records a lead (a report taken on the 12317 line, a tip): counties down to villages.
LEAD_RECORDERS = (Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)
# Who draws a campaign's target list (专项行动对象名单): the city and county offices.
CAMPAIGN_DRAWERS = (Role.CITY, Role.COUNTY)
# Whose accounts may be named a household's 帮扶责任人 (a cadre over its village).
RESPONSIBLE_CADRES = (Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)
# Who enters rectification problems (整改问题) and escalates findings into them: every cadre office.
RECTIFICATION_RECORDERS = (Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)
# Who draws a 回头看 sample and records its re-checks: the county and city offices.
RECHECK_DRAWERS = (Role.CITY, Role.COUNTY)
# 考核评估模拟 (fangfan.web.assessment): the city and county offices draw a round; the teams
# that visit the sample (counties down to villages) record its results.
ASSESSMENT_DRAWERS = (Role.CITY, Role.COUNTY)
ASSESSMENT_RECORDERS = (Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)
# Who handles grievances and public-opinion items (the offices, township up), and so opens
# their reports (repeat callers, skipped levels, the opinion register).
GRIEVANCE_OFFICES = (Role.CITY, Role.COUNTY, Role.TOWNSHIP)

DEPARTMENT_FEED_NAMES = frozenset(feed.name for feed in DEPARTMENT_FEEDS)
REGISTRY_TABLE_NAMES = frozenset(table.name for table in REGISTRY_TABLES)

# The prefix length of a region code at each level; a city's 6-digit code "621200"
# covers every code starting "6212".
PREFIX_LENGTH = {
    Region.Level.CITY: 4,
    Region.Level.COUNTY: 6,
    Region.Level.TOWNSHIP: 9,
    Region.Level.VILLAGE: 12,
}


def _active(user: User | AnonymousUser | None) -> User | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    assert isinstance(user, User)
    return user


def region_prefix(user: User | AnonymousUser) -> str:
    """The code prefix of the user's region: city "6212", county 6 digits, township 9, village 12.

    Raises PermissionDenied for a user without a region (they may see nothing).
    """
    active = _active(user)
    if active is None or active.region is None:
        raise PermissionDenied("该账号未设置所属区划")
    return code_prefix(active.region)


def code_prefix(region: Region) -> str:
    """The prefix every code inside `region` starts with (the city's 621200 → 6212)."""
    return level_prefix(region.code, region.level)


def prefix_length(level: str) -> int:
    """How many leading digits of a village code name its region at `level` (a township's: 9)."""
    return PREFIX_LENGTH[Region.Level(level)]


def level_prefix(code: str, level: str) -> str:
    """The prefix of the codes inside the region of `code` at `level` (`code_prefix` without a row)."""
    return code[: PREFIX_LENGTH[Region.Level(level)]]


def code_in_region(code: str, region: Region) -> bool:
    """Whether `code` (a village's, a township's) lies inside `region` (or is its own)."""
    return code.startswith(code_prefix(region))


def within_region(field: str, region: Region) -> Q:
    """`field` holds a code inside `region` (a range on the field's index, see `code_within`).

    >>> Finding.objects.filter(within_region("village_code", township))   # doctest: +SKIP
    """
    return code_within(field, code_prefix(region))


def regions_within(region: Region) -> QuerySet[Region]:
    """`region` and every region below it (a county's townships and villages)."""
    return Region.objects.filter(code__startswith=code_prefix(region))


def region_for_user(user: User | AnonymousUser, code: str | None = None) -> Region:
    """The gate for regions: the user's own region, or the region `code` inside it.

    A region outside the user's is a 404, as for every other record.
    """
    prefix = region_prefix(user)  # PermissionDenied for an account without a region
    assert isinstance(user, User) and user.region is not None
    if code is None or code == user.region.code:
        return user.region
    if not code.startswith(prefix):
        raise Http404("没有找到该区划")
    return get_object_or_404(Region, code=code)


def _region_field(model: type[Model]) -> str:
    field = getattr(model, "REGION_FIELD", None)
    if not field:
        raise TypeError(f"{model.__name__} 未声明 REGION_FIELD，不能按区划限定")
    return str(field)


def code_within(field: str, prefix: str) -> Q:
    """`field` begins with the region code `prefix`, as a range the field's ordinary index serves.

    ``code_within("village_code", "621225220")`` is ``"621225220" <= village_code < "621225221"``.
    A LIKE 'prefix%' needs a pattern index and cannot hand back rows in the order of the
    plain one, so a list sorted by village code under a LIKE reads the whole index; the
    range reads only the region. Codes are digits, so the bounds compare the same way
    under any collation.
    """
    if not prefix.isdigit():
        return Q(**{f"{field}__startswith": prefix})
    digits = prefix.rstrip("9")
    if not digits:  # all nines: nothing sorts above the prefix's own range
        return Q(**{f"{field}__gte": prefix})
    upper = digits[:-1] + str(int(digits[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


def scope(queryset: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """The records of `queryset` inside the user's region; none for a user without one.

    >>> scope(Household.objects.all(), township_user)   # doctest: +SKIP
    <QuerySet [...households whose village_code starts with the township's 9 digits...]>
    """
    field = _region_field(queryset.model)
    active = _active(user)
    if active is None or active.region is None or not active.role:
        return queryset.none()
    scoped = queryset.filter(code_within(field, region_prefix(active)))
    if active.role == Role.DEPARTMENT:
        owner = getattr(queryset.model, "OWNER_FIELD", None)
        return scoped.filter(**{owner: active}) if owner else queryset.none()
    return scoped


def get_scoped_or_404(queryset: QuerySet[M], user: User | AnonymousUser, **lookup: Any) -> M:
    """One record inside the user's region, else 404 (never 403: existence outside is not revealed)."""
    try:
        return scope(queryset, user).get(**lookup)
    except (ObjectDoesNotExist, MultipleObjectsReturned):  # the model's own are subclasses
        raise Http404("没有找到该记录") from None


def region_code_of(obj: Model) -> str:
    """The region code an object carries in its REGION_FIELD (following `__` through relations)."""
    value: Any = obj
    for part in _region_field(type(obj)).split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def _inside(user: User, obj: Model) -> bool:
    code = region_code_of(obj)
    return bool(code) and code.startswith(region_prefix(user))


def _owns(user: User, obj: Model) -> bool:
    owner = getattr(type(obj), "OWNER_FIELD", None)
    return bool(owner) and getattr(obj, f"{owner}_id", None) == user.pk


def _feed_name(obj: object) -> str:
    """The feed an upload is for: a feed name, or an object with a `feed` attribute."""
    return obj if isinstance(obj, str) else str(getattr(obj, "feed", ""))


def can(user: User | AnonymousUser | None, action: str, obj: object) -> bool:
    """Whether `user` may do workflow `action` to `obj` (docs/web.md, Roles).

    `obj` is a region-scoped record, except for "upload", where it is the feed name
    (or an object with a `feed` attribute):

    >>> can(village_team, "mark_fixed", finding_in_their_village)   # doctest: +SKIP
    True
    >>> can(school_officer, "upload", "school_roll")                 # doctest: +SKIP
    True
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {ACTIONS}")
    active = _active(user)
    if active is None or active.region is None or not active.role:
        return False
    if action == "upload":
        return _may_upload(active, _feed_name(obj))
    assert isinstance(obj, Model), "workflow actions other than upload take a record"
    if not _inside(active, obj):
        return False
    if action == "unmask":
        return active.role != Role.DEPARTMENT and active.has_perm("accounts.unmask_personal_data")
    if action == "confirm_upload":
        # An upload much poorer than the file it replaces waits for the city office alone.
        return active.role == Role.CITY
    if action == "view" and active.role == Role.DEPARTMENT:
        return _owns(active, obj)
    return active.role in WORKFLOW_ROLES[action]


def _may_upload(user: User, feed: str) -> bool:
    # A department officer uploads its own feed; the city office uploads the national
    # registry's export (户信息, 成员信息, 收入信息), which no department owns.
    if user.role == Role.DEPARTMENT:
        return feed in DEPARTMENT_FEED_NAMES and feed == user.department
    return user.role == Role.CITY and feed in REGISTRY_TABLE_NAMES


def require_roles(*roles: str) -> Callable[[View], View]:
    """View decorator: only these roles pass; inspectors pass too, for reads only.

    An anonymous visitor is sent to the login page; a signed-in user of another
    role, or an inspector sending a write (POST…), gets 403.

        @require_roles(User.Role.VILLAGE, User.Role.TOWNSHIP)
        def mark_fixed(request, finding_id): ...
    """
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = _active(request.user)
            if user is None:
                return redirect_to_login(request.get_full_path())
            reading_inspector = user.role == Role.INSPECTOR and request.method in READ_METHODS
            if user.role not in allowed and not reading_inspector:
                raise PermissionDenied("您的角色无权进行此操作")
            if user.role == Role.INSPECTOR and request.method not in READ_METHODS:
                raise PermissionDenied("督查检查人员只能查看")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
