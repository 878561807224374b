"""Relapse monitoring's tables, split by domain; import them from here."""

from __future__ import annotations

from fangfan.web.monitoring.models.cases import Case, CaseEvent, MonitoredHousehold
from fangfan.web.monitoring.models.choices import Category, RiskType, Source
from fangfan.web.monitoring.models.intake import Intake, IntakeFinding
from fangfan.web.monitoring.models.visits import Visit

__all__ = [
    "Case",
    "CaseEvent",
    "Category",
    "Intake",
    "IntakeFinding",
    "MonitoredHousehold",
    "RiskType",
    "Source",
    "Visit",
]
