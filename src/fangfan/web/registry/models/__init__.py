"""The registry's tables, split by domain; import them from here."""

from __future__ import annotations

from fangfan.web.registry.models.departments import DepartmentRecord
from fangfan.web.registry.models.findings import CLOSED_STILL_FLAGGED, Finding, FindingEvent
from fangfan.web.registry.models.households import Household, HouseholdRunSummary, Member
from fangfan.web.registry.models.runs import Run
from fangfan.web.registry.models.stats import VillageFindingCount, VillageHouseholdCount

__all__ = [
    "CLOSED_STILL_FLAGGED",
    "DepartmentRecord",
    "Finding",
    "FindingEvent",
    "Household",
    "HouseholdRunSummary",
    "Member",
    "Run",
    "VillageFindingCount",
    "VillageHouseholdCount",
]
