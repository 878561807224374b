"""Relapse monitoring's tables, split by domain; import them from here."""

from __future__ import annotations

from fangfan.web.monitoring.models.assistance import Measure, current_on
from fangfan.web.monitoring.models.cases import Case, CaseEvent, MonitoredHousehold
from fangfan.web.monitoring.models.choices import (
    MEASURE_ITEMS,
    AmountPeriod,
    Category,
    MeasureKind,
    RiskType,
    Source,
)
from fangfan.web.monitoring.models.elimination import Elimination, EliminationEvent
from fangfan.web.monitoring.models.followup import Reassessment
from fangfan.web.monitoring.models.intake import FurtherReport, Intake, IntakeFinding
from fangfan.web.monitoring.models.public import PublicCounter, UsedFillToken
from fangfan.web.monitoring.models.signals import IntakeSignal, MonitoringSignal
from fangfan.web.monitoring.models.visits import Visit

__all__ = [
    "MEASURE_ITEMS",
    "AmountPeriod",
    "Case",
    "CaseEvent",
    "Category",
    "Elimination",
    "EliminationEvent",
    "FurtherReport",
    "Intake",
    "IntakeFinding",
    "IntakeSignal",
    "Measure",
    "MeasureKind",
    "MonitoredHousehold",
    "MonitoringSignal",
    "PublicCounter",
    "Reassessment",
    "RiskType",
    "Source",
    "UsedFillToken",
    "Visit",
    "current_on",
]
