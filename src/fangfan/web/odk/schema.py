"""The visit form for ODK, derived from the web visit form: one set of fields, two ways to fill it.

The 算细账 amounts are `VisitForm.AMOUNTS` (= `income.AMOUNT_FIELDS`) with the web form's
labels and bounds (read from the form fields' validators), the visit date, income year
and household size likewise; the guarantees and water come from the registry's table
definition (`engine.odk.form.guarantee_questions`); the awareness question offers the
current policy year's catalogue (`awareness.policy_names`), each household its own
received policies through the preload's `received` column.

>>> spec = visit_form_spec("621226100201", "石桥村")   # doctest: +SKIP
>>> spec.question("wage_income").label                  # doctest: +SKIP
'工资性收入'
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core import validators
from django.utils import timezone

from fangfan.engine.odk.form import Choice, FormSpec, Kind, Question
from fangfan.engine.odk.visit import visit_form
from fangfan.web.monitoring import awareness
from fangfan.web.monitoring.forms import VisitForm


def _bounds(field: forms.Field) -> dict[str, float | None]:
    found: dict[str, float | None] = {"minimum": None, "maximum": None}
    for validator in field.validators:
        if isinstance(validator, validators.MinValueValidator):
            found["minimum"] = _plain(validator.limit_value)
        elif isinstance(validator, validators.MaxValueValidator):
            found["maximum"] = _plain(validator.limit_value)
    return found


def _plain(value: object) -> float:
    return float(value) if isinstance(value, (int, float, Decimal)) else float(str(value))


def _question(name: str, kind: Kind, **extra: object) -> Question:
    field = VisitForm.base_fields[name]
    label = str(field.label or name)
    return Question(name, label, kind, **{"required": field.required, **_bounds(field), **extra})  # type: ignore[arg-type]


def visit_form_spec(village_code: str, village_name: str) -> FormSpec:
    """The XLSForm's description for one village (its preload CSV is `preload.village_preload`)."""
    base = VisitForm.base_fields
    income = [_question(name, Kind.MONEY, required=True) for name in VisitForm.AMOUNTS]
    visited_on = Question(
        "visited_on",
        str(base["visited_on"].label),
        Kind.DATE,
        required=True,
        default="today()",
        extra_constraint=". <= today()",
        constraint_message="走访日期不能晚于今天",
    )
    return visit_form(
        village_code=village_code,
        village_name=village_name,
        version=timezone.localtime().strftime("%Y%m%d%H%M"),
        visited_on=visited_on,
        year_question=_question("income_year", Kind.INTEGER),
        size_question=_question("household_size", Kind.INTEGER),
        income=income,
        policies=[Choice(key, name) for key, name in awareness.policy_names().items()],
        situation_label=str(base["situation"].label),
    )
