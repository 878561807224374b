"""The household visit form (入户走访，算细账) for one village, from the parts the web app derives.

The caller hands in what lives with the web form (`income`: the 算细账 amounts with the
web form's labels and bounds; `size_question` and `year_question` likewise) and the
policy catalogue's choices; this module puts them together with the preload look-ups,
the guarantees (`form.guarantee_questions`), the awareness question, a photo and the
notes. Every answered question keeps the web form's field name, so a submission's
answers are a visit's fields as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

from fangfan.engine.odk.form import (
    Choice,
    FormSpec,
    Group,
    Kind,
    Question,
    guarantee_choices,
    guarantee_questions,
)
from fangfan.engine.odk.preload import PRELOAD_FILE, PRELOAD_INSTANCE

POLICY_LIST = "policies"
HOUSEHOLD = "household_id"
KNOWN = "policies_known"
# A photo's longer side on the phone: enough to see a house, small enough to send on a weak line.
PHOTO_MAX_PIXELS = 1600


def _preloaded(column: str) -> str:
    return f"instance('{PRELOAD_INSTANCE}')/root/item[name=${{{HOUSEHOLD}}}]/{column}"


def visit_form(
    *,
    village_code: str,
    village_name: str,
    version: str,
    visited_on: Question,
    year_question: Question,
    size_question: Question,
    income: Sequence[Question],
    policies: Sequence[Choice],
    situation_label: str,
) -> FormSpec:
    """The whole form of one village: its households come from the preload CSV."""
    amounts = [question.name for question in income if question.name != "rigid_spending"]
    earned = " + ".join(f"${{{name}}}" for name in amounts if name != "business_cost")
    net = f"({earned} - ${{business_cost}})" if "business_cost" in amounts else f"({earned})"
    typed_size = f"${{{size_question.name}}}"
    household = Group(
        "household",
        "走访农户",
        (
            Question(
                HOUSEHOLD,
                "选择走访的农户（户主姓名 · 户编号）",
                Kind.SELECT_FROM_FILE,
                list_name=PRELOAD_FILE,
                required=True,
                appearance="autocomplete",
            ),
            Question("head_name", "", Kind.CALCULATE, calculation=_preloaded("head_name")),
            Question("registered_size", "", Kind.CALCULATE, calculation=_preloaded("size")),
            Question("received", "", Kind.CALCULATE, calculation=_preloaded("received")),
            Question("head_id", "", Kind.CALCULATE, calculation=_preloaded("head_id")),
            Question("members", "", Kind.CALCULATE, calculation=_preloaded("members")),
            Question(
                "household_note", "户主：${head_name}；证件号码：${head_id}；家庭成员：${members}", Kind.NOTE
            ),
        ),
    )
    visit = Group(
        "visit",
        "走访",
        (
            visited_on,
            year_question,
            Question(
                size_question.name,
                size_question.label,
                size_question.kind,
                required=True,
                minimum=size_question.minimum,
                maximum=size_question.maximum,
                relevant="${registered_size} = ''",
                hint="系统中没有该户的在册人数时才问",
            ),
            Question(
                "size",
                "",
                Kind.CALCULATE,
                calculation=f"if(${{registered_size}} != '', ${{registered_size}}, {typed_size})",
            ),
        ),
    )
    account = Group(
        "income",
        "算细账（近12个月，单位：元）",
        (
            *income,
            Question("net_income", "", Kind.CALCULATE, calculation=net),
            Question("per_capita", "", Kind.CALCULATE, calculation="round(${net_income} div ${size}, 2)"),
            Question("account_note", "家庭纯收入 ${net_income} 元，人均纯收入 ${per_capita} 元", Kind.NOTE),
        ),
    )
    guarantees = Group("guarantees", "两不愁三保障及饮水安全", guarantee_questions())
    awareness = Group(
        "awareness",
        "政策知晓",
        (
            Question(
                KNOWN,
                "该户能说出自己享受的哪些政策？（只列出系统中该户享受的政策）",
                Kind.SELECT_MULTIPLE,
                list_name=POLICY_LIST,
                choice_filter="selected(${received}, name)",
                hint="请户主或家庭成员说出享受的政策，说得出的才勾选；都说不出可不勾选",
            ),
        ),
        relevant="${received} != ''",
    )
    closing = Group(
        "closing",
        "照片和走访情况",
        (
            Question("photo", "入户照片（可选）", Kind.IMAGE, parameters=f"max-pixels={PHOTO_MAX_PIXELS}"),
            Question("situation", situation_label, Kind.TEXT, appearance="multiline"),
        ),
    )
    return FormSpec(
        form_id=f"fangfan_visit_{village_code}",
        title=f"{village_name}入户走访（算细账）",
        version=version,
        groups=(household, visit, account, guarantees, awareness, closing),
        choices={**guarantee_choices(), POLICY_LIST: tuple(policies)},
    )
