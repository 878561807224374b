"""An office's roster workbook (驻村工作队花名册) → teams and members, all or nothing.

    outcome = import_roster(user, path, "礼县花名册.xlsx")

The engine reads and checks every cell (`fangfan.engine.fieldwork.roster`); here each row's
village is placed among the regions inside the uploader's (by 行政区划代码, or by the names
县区/乡镇/行政村), and a village outside them is a problem of its row. Any problem and
nothing is loaded. Otherwise, in one transaction, each village's rows join its team in
post (or a new team: the first secretary's unit, the earliest start, the latest end)
through the verbs. The problems are kept as a workbook for the uploader alone, under a
token (`report_file`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from fangfan.engine.fieldwork.roster import LABELS, Problem, Roster, RosterRow, read_roster
from fangfan.web.accounts.access import regions_within
from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region
from fangfan.web.shared.excel import import_problem_columns, write_workbook
from fangfan.web.shared.import_reports import keep_report, open_report
from fangfan.web.teams import actions
from fangfan.web.teams.models import FIRST_SECRETARIES, Team, TeamMember, active_on

REPORTS = "teams/import-reports"
PROBLEM_COLUMNS = import_problem_columns(with_value=False)


@dataclass(frozen=True)
class Outcome:
    roster: Roster
    teams: int
    members: int
    token: str

    @property
    def loaded(self) -> bool:
        return not self.roster.problems


def _places(user: User) -> tuple[set[str], dict[tuple[str, str, str], str]]:
    """The village codes inside the user's region, and the same by (县区, 乡镇, 行政村) names."""
    assert user.region is not None
    villages = regions_within(user.region).filter(level=Region.Level.VILLAGE).select_related("parent__parent")
    codes: set[str] = set()
    names: dict[tuple[str, str, str], str] = {}
    for village in villages:
        codes.add(village.code)
        township = village.parent
        county = township.parent if township else None
        if township is not None and county is not None:
            names[(county.name, township.name, village.name)] = village.code
    return codes, names


def _place_rows(user: User, roster: Roster) -> dict[str, list[RosterRow]]:
    codes, names = _places(user)
    by_village: dict[str, list[RosterRow]] = defaultdict(list)
    for row in roster.rows:
        code = row.village_code or names.get((row.county, row.township, row.village), "")
        if code not in codes:
            column = LABELS["village_code"] if row.village_code else LABELS["village"]
            place = row.village_code or f"{row.county}{row.township}{row.village}"
            roster.refuse(row.sheet, row.row, column, f"“{place}”不是您所辖区域内的行政村")
            continue
        by_village[code].append(row)
    return by_village


def _team_for(user: User, code: str, rows: list[RosterRow]) -> tuple[Team, bool]:
    today = timezone.localdate()
    team = (
        Team.objects.filter(village_code=code)
        .filter(active_on(today, "term_start", "term_end"))
        .order_by("-term_start", "-pk")
        .first()
    )
    if team is not None:
        return team, False
    lead = next((row for row in rows if row.duty in FIRST_SECRETARIES), rows[0])
    ends = [row.term_end for row in rows if row.term_end]
    made = actions.create_team(
        user,
        code,
        lead.unit,
        lead.unit_level,
        min(row.term_start for row in rows),
        max(ends) if len(ends) == len(rows) else None,
    )
    return made, True


def _load(user: User, by_village: dict[str, list[RosterRow]]) -> tuple[int, int]:
    teams = members = 0
    for code, rows in sorted(by_village.items()):
        team, created = _team_for(user, code, rows)
        teams += created
        for row in rows:
            new = actions.NewMember(row.name, row.id_number, row.duty, row.term_start, row.phone, row.unit)
            actions.add_member(user, team, new)
            members += 1
    return teams, members


def import_roster(user: User, path: Path, name: str) -> Outcome:
    """Read, check, place and load the roster at `path` (called `name`); all or nothing."""
    roster = read_roster(path, name)
    by_village = _place_rows(user, roster) if not roster.problems else {}
    for code, rows in by_village.items():
        in_post = set(
            TeamMember.objects.filter(village_code=code, left__isnull=True).values_list(
                "id_number", flat=True
            )
        )
        for row in rows:
            if row.id_number in in_post:
                roster.refuse(row.sheet, row.row, LABELS["id_number"], f"{row.name}已是该村工作队的在岗队员")
    teams = members = 0
    if not roster.problems:
        try:
            with transaction.atomic():
                teams, members = _load(user, by_village)
        except actions.Refused as refused:  # a verb's own rule: nothing stays loaded
            roster.refuse("", 0, "", str(refused))
            teams = members = 0
    roster.problems.sort(key=lambda problem: (problem.sheet, problem.row, problem.column))
    return Outcome(roster, teams, members, _keep_report(user, roster.problems))


def _keep_report(user: User, problems: list[Problem]) -> str:
    return keep_report(
        REPORTS, user, lambda handle: write_workbook(handle, "导入问题", PROBLEM_COLUMNS, problems)
    )


def report_file(user: User, token: str) -> bytes:
    """The problems workbook of the user's own import (another's token, or none: 404)."""
    with open_report(REPORTS, user, token) as handle:
        data: bytes = handle.read()
    return data
