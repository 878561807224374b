"""The round's forms: drawing a round, a visit's result (phone-sized), the results upload and
the sample-size calculator. The verbs re-check everything."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms

from fangfan.engine.assessment.plan import plan_names
from fangfan.engine.masking import mask_text
from fangfan.web import bounds
from fangfan.web.accounts.models import User
from fangfan.web.assessment.models import Found
from fangfan.web.assessment.results import HEADERS, POLICY_COUNT_MAX, REASON_MAX, ResultInput
from fangfan.web.assessment.rounds import counties_for_user
from fangfan.web.imports.forms import size_text

SEED_MAX = 2**31 - 1
ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
RESULTS_MAX_BYTES = 20 * 1024 * 1024
YES_NO = [("", "请选择"), ("yes", "是"), ("no", "否")]
ANSWERS = {"yes": True, "no": False, "": None}


class RoundForm(forms.Form):
    plan = forms.ChoiceField(label="抽样方案")
    seed = forms.IntegerField(
        label="随机种子（同一方案、同一种子、同一批次抽出的样本相同）",
        min_value=0,
        max_value=SEED_MAX,
        initial=1,
    )
    counties = forms.MultipleChoiceField(label="评估县区", widget=forms.CheckboxSelectMultiple)
    title = forms.CharField(label="轮次名称（可不填）", max_length=100, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan_field = self.fields["plan"]
        assert isinstance(plan_field, forms.ChoiceField)
        plan_field.choices = plan_names()
        counties = self.fields["counties"]
        assert isinstance(counties, forms.MultipleChoiceField)
        counties.choices = [(region.code, region.name) for region in counties_for_user(user)]
        counties.initial = [code for code, _ in counties.choices]


def _found_field(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=Found.choices, widget=forms.RadioSelect)


def _yes_no(label: str, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=YES_NO, required=required)


class ResultForm(forms.Form):
    visited_on = bounds.date_field(HEADERS["visited_on"])
    visitor = forms.CharField(label=HEADERS["visitor"], max_length=50)
    food = _found_field("吃（不愁吃）")
    clothing = _found_field("穿（不愁穿）")
    housing = _found_field("住房安全")
    medical = _found_field("基本医疗")
    education = _found_field("义务教育")
    water = _found_field("饮水安全")
    income_per_person = bounds.money_field("核算人均纯收入（元）")
    wrongly_exited = _yes_no("是否错退（不符合退出标准却已脱贫）", required=False)
    wrongly_exited_reason = forms.CharField(label="错退原因", max_length=REASON_MAX, required=False)
    should_register = _yes_no("是否应纳未纳（应识别为监测对象却未纳入）", required=False)
    should_register_reason = forms.CharField(label="漏评原因", max_length=REASON_MAX, required=False)
    approves = _yes_no("是否认可帮扶工作和退出结果")
    policy_count = forms.IntegerField(label="享受的政策数", min_value=0, max_value=POLICY_COUNT_MAX)
    aware_count = forms.IntegerField(label="知晓的政策数", min_value=0, max_value=POLICY_COUNT_MAX)

    def __init__(self, *args: Any, exited: bool, registered: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the questions the household is asked: 错退 for an exited one, 漏评 for a
        # household not registered.
        if not exited:
            del self.fields["wrongly_exited"], self.fields["wrongly_exited_reason"]
        if registered:
            del self.fields["should_register"], self.fields["should_register_reason"]
        self.fields["visited_on"].initial = bounds.today()
        for field in ("income_per_person", "policy_count", "aware_count"):
            self.fields[field].widget.attrs["inputmode"] = (
                "decimal" if field == "income_per_person" else "numeric"
            )

    def result_input(self) -> ResultInput:
        data = self.cleaned_data
        income = data.get("income_per_person")
        return ResultInput(
            visited_on=data.get("visited_on"),
            visitor=data.get("visitor", ""),
            **{
                name: data.get(name, "")
                for name in ("food", "clothing", "housing", "medical", "education", "water")
            },
            income_per_person=float(income) if income is not None else None,
            wrongly_exited=ANSWERS.get(data.get("wrongly_exited", "")),
            wrongly_exited_reason=data.get("wrongly_exited_reason", ""),
            should_register=ANSWERS.get(data.get("should_register", "")),
            should_register_reason=data.get("should_register_reason", ""),
            approves=ANSWERS.get(data.get("approves", "")),
            aware_count=data.get("aware_count"),
            policy_count=data.get("policy_count"),
        )


def initial_from(result: Any) -> dict[str, Any]:
    """A kept result as the form's initial values (for correcting it). The free texts come
    back masked: a form is a page too, and a number typed into a reason is not the result."""
    answers = {True: "yes", False: "no", None: ""}
    initial = {name: getattr(result, name) for name in HEADERS}
    for name in ("visitor", "wrongly_exited_reason", "should_register_reason"):
        initial[name] = mask_text(initial[name] or "")
    for name in ("wrongly_exited", "should_register", "approves"):
        initial[name] = answers[initial[name]]
    return initial


class ResultsUploadForm(forms.Form):
    file = forms.FileField(
        label="填好的入户调查表",
        help_text="本轮次下载的入户调查表（.xlsx、.xls 或 .csv），填好走访结果列后上传；未走访的户留空即可",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
        error_messages={"required": "请选择要导入的文件", "empty": "上传的文件是空的"},
    )

    def clean_file(self) -> object:
        file = self.cleaned_data["file"]
        suffix = PurePath(file.name or "").suffix.lower()
        if suffix not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError(
                f"不支持“{suffix or '无扩展名'}”文件，请上传 .xlsx、.xls 或 .csv 文件"
            )
        if (file.size or 0) > RESULTS_MAX_BYTES:
            raise forms.ValidationError(
                f"文件太大（{size_text(file.size or 0)}），不能超过 {size_text(RESULTS_MAX_BYTES)}"
            )
        return file


class SizeForm(forms.Form):
    p = forms.DecimalField(
        label="预计比例（如错退率约 2% 填 0.02）",
        min_value=0.0001,
        max_value=0.9999,
        decimal_places=4,
        initial="0.02",
    )
    margin = forms.DecimalField(
        label="允许误差（如 ±1 个百分点填 0.01）",
        min_value=0.001,
        max_value=0.5,
        decimal_places=4,
        initial="0.01",
    )
    population = forms.IntegerField(
        label="总体规模（户或人，可不填）", min_value=1, max_value=10**8, required=False
    )
    design_effect = forms.DecimalField(
        label="设计效应（分层整群抽样一般取 1.5–2）",
        min_value=1,
        max_value=10,
        decimal_places=2,
        initial="1.5",
    )
    n = forms.IntegerField(
        label="计划样本量（算出其误差，可不填）", min_value=1, max_value=10**7, required=False
    )
