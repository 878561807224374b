"""The visit form as data: groups of questions and their choice lists, nothing ODK-specific.

One description serves both directions: `xlsform.write_xlsform` writes it as the XLSForm
a phone fills in, and `submissions.read_submissions` reads the exports back against the
same questions (their names, kinds, bounds and choices), so a question added here is
asked and validated without a second list.

The guarantees (两不愁三保障) and drinking-water questions are the registry's own
household fields (`engine.schema.HOUSEHOLDS`: header, choices, bounds), asked again at
the door (`guarantee_questions`).

>>> question = Question("wage_income", "工资性收入", Kind.MONEY, required=True, minimum=0)
>>> question.xlsform_type, question.constraint
('decimal', '. >= 0')
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from fangfan.engine.schema import HOUSEHOLDS, YES_NO
from fangfan.engine.schema import Kind as ColumnKind

YES_NO_LIST = "yes_no"
# The registry fields a visit asks again, in the order of the census form.
GUARANTEE_FIELDS = (
    "food_enough",
    "food_protein",
    "seasonal_clothes",
    "winter_bedding",
    "house_grade",
    "water_supply",
    "water_quantity_ok",
    "water_quality_ok",
    "water_trip_minutes",
    "water_short_days",
)
# Asked per household at the door; the registry keeps these per member.
EXTRA_GUARANTEES = (
    ("children_in_school", "义务教育阶段适龄子女都在校就读（或送教上门、经认定不具备学习条件）"),
    ("all_medically_insured", "家庭成员都参加了基本医疗保险"),
)
NOT_APPLICABLE = "无适龄子女"


class Kind(StrEnum):
    """What an answer holds; decides its XLSForm type and how an export's cell is read."""

    MONEY = "money"
    INTEGER = "integer"
    DATE = "date"
    TEXT = "text"
    YES_NO = "yes_no"
    SELECT_ONE = "select_one"
    SELECT_MULTIPLE = "select_multiple"
    SELECT_FROM_FILE = "select_one_from_file"  # `list_name` is the attached CSV file
    IMAGE = "image"
    CALCULATE = "calculate"
    NOTE = "note"


@dataclass(frozen=True)
class Choice:
    name: str
    label: str


@dataclass(frozen=True)
class Question:
    """One question (or a calculation or note) of the form."""

    name: str
    label: str
    kind: Kind
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    list_name: str = ""  # a select's choice list (YES_NO_LIST for yes/no)
    hint: str = ""
    relevant: str = ""
    calculation: str = ""
    default: str = ""
    appearance: str = ""
    choice_filter: str = ""
    parameters: str = ""  # e.g. an image's "max-pixels=1280"
    extra_constraint: str = ""  # besides the bounds, e.g. ". <= today()"
    constraint_message: str = ""

    @property
    def xlsform_type(self) -> str:
        kinds = {
            Kind.MONEY: "decimal",
            Kind.INTEGER: "integer",
            Kind.DATE: "date",
            Kind.TEXT: "text",
            Kind.YES_NO: f"select_one {YES_NO_LIST}",
            Kind.SELECT_ONE: f"select_one {self.list_name}",
            Kind.SELECT_MULTIPLE: f"select_multiple {self.list_name}",
            Kind.SELECT_FROM_FILE: f"select_one_from_file {self.list_name}",
            Kind.IMAGE: "image",
            Kind.CALCULATE: "calculate",
            Kind.NOTE: "note",
        }
        return kinds[self.kind]

    @property
    def constraint(self) -> str:
        parts = []
        if self.minimum is not None:
            parts.append(f". >= {_number(self.minimum)}")
        if self.maximum is not None:
            parts.append(f". <= {_number(self.maximum)}")
        if self.extra_constraint:
            parts.append(self.extra_constraint)
        return " and ".join(parts)

    @property
    def answered(self) -> bool:
        """Whether a person answers it (a calculation or note is not read back)."""
        return self.kind not in (Kind.CALCULATE, Kind.NOTE)


@dataclass(frozen=True)
class Group:
    name: str
    label: str
    questions: tuple[Question, ...]
    relevant: str = ""


@dataclass(frozen=True)
class FormSpec:
    """The whole form: its id, title and version, its groups, and the choice lists they use."""

    form_id: str
    title: str
    version: str
    groups: tuple[Group, ...]
    choices: dict[str, tuple[Choice, ...]] = field(default_factory=dict)

    def questions(self) -> Iterator[tuple[Group, Question]]:
        for group in self.groups:
            for question in group.questions:
                yield group, question

    def question(self, name: str) -> Question:
        for _, question in self.questions():
            if question.name == name:
                return question
        raise KeyError(name)

    def answered(self) -> Iterator[tuple[Group, Question]]:
        return ((group, question) for group, question in self.questions() if question.answered)

    def choice_names(self, list_name: str) -> frozenset[str]:
        return frozenset(choice.name for choice in self.choices.get(list_name, ()))


def guarantee_questions() -> tuple[Question, ...]:
    """The 两不愁三保障 and water questions: the registry's household fields, then the door's."""
    questions = [_from_registry(name) for name in GUARANTEE_FIELDS]
    questions += [
        Question(name, label, Kind.SELECT_ONE, list_name="yes_no_none", required=True)
        for name, label in EXTRA_GUARANTEES
    ]
    return tuple(questions)


def guarantee_choices() -> dict[str, tuple[Choice, ...]]:
    """The choice lists the guarantee questions use (yes/no, the registry's enumerations)."""
    lists = {
        YES_NO_LIST: tuple(Choice(value, value) for value in YES_NO),
        "yes_no_none": (*(Choice(value, value) for value in YES_NO), Choice("none", NOT_APPLICABLE)),
    }
    for name in GUARANTEE_FIELDS:
        column = HOUSEHOLDS.field(name)
        if column.kind == ColumnKind.ENUM:
            lists[name] = tuple(Choice(_choice_name(value), value) for value in column.choices)
    return lists


def _from_registry(name: str) -> Question:
    column = HOUSEHOLDS.field(name)
    label = column.header
    if column.kind == ColumnKind.BOOLEAN:
        return Question(name, label, Kind.YES_NO, required=True)
    if column.kind == ColumnKind.ENUM:
        return Question(name, label, Kind.SELECT_ONE, list_name=name, required=True)
    return Question(name, label, Kind.INTEGER, minimum=column.minimum, maximum=column.maximum)


def _choice_name(value: str) -> str:
    """A choice's name as XLSForm wants it (no spaces); the registry's values are kept as they are."""
    return value.replace(" ", "_")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
