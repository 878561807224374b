"""The visit form (种植 or 养殖 row, phone-sized), the removal form and the Excel upload."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from fangfan.web.industry.actions import RowInput
from fangfan.web.industry.ledger import this_year

KIND_CHOICES = (("planting", "种植"), ("livestock", "养殖"))


def _decimal(label: str, *, required: bool, places: int = 2) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=places,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )


class RowForm(forms.Form):
    """One row from a visit: a crop with its mu, or a kind of livestock with its head; the income."""

    kind = forms.ChoiceField(label="类别", choices=KIND_CHOICES, widget=forms.HiddenInput)
    year = forms.IntegerField(
        label="年度", min_value=2000, max_value=2100, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    name = forms.CharField(label="作物或畜禽种类", max_length=20)
    mu = _decimal("面积（亩）", required=False)
    head = forms.IntegerField(
        label="数量（头、只、箱）",
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    income = _decimal("收入（元）", required=True)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, kind: str = "planting", **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"kind": kind, "year": this_year(), **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        planting = (self.data.get("kind") if self.is_bound else kind) != "livestock"
        self.fields["name"].label = "作物" if planting else "畜禽种类"
        self.fields["name"].widget.attrs["list"] = "industry-crops" if planting else "industry-kinds"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") == "livestock" and cleaned.get("head") is None:
            self.add_error("head", "请填写养殖数量")
        return cleaned

    @property
    def entry(self) -> RowInput:
        data = self.cleaned_data
        return RowInput(
            kind=data["kind"],
            year=data["year"],
            name=data["name"],
            income=data["income"],
            mu=data["mu"] if data["kind"] == "planting" else None,
            head=(data["head"] or 0) if data["kind"] == "livestock" else 0,
            note=data["note"],
        )


class RemoveForm(forms.Form):
    reason = forms.CharField(label="删除原因", max_length=200)


class ImportForm(forms.Form):
    upload = forms.FileField(label="产业收入清单（Excel）")
    year = forms.IntegerField(
        label="年度（表中未填年度的行）", min_value=2000, max_value=2100, required=False
    )
