"""The grievance time limits (`engine/grievances/sla.toml`): every channel × category has a
rule, the first match wins, and a broken file is refused saying where."""

from __future__ import annotations

import itertools
from importlib import resources

import pytest

from fangfan.engine.grievances.sla import SlaError, load_sla, parse_sla

SHIPPED = resources.files("fangfan.engine.grievances").joinpath("sla.toml").read_text("utf-8")


def test_every_channel_and_category_resolves_to_a_rule_with_sane_limits():
    sla = load_sla()
    assert {"12317", "12345", "letter", "visit", "online", "mailbox", "township"} == set(sla.channel_codes)
    for channel, category in itertools.product(sla.channel_codes, sla.category_codes):
        rule = sla.rule_for(channel, category)
        assert 0 < rule.response_hours <= rule.resolution_hours, (channel, category)
        assert rule.escalation_hours > 0 and rule.at_risk_hours > 0, (channel, category)


def test_the_first_matching_rule_wins():
    sla = load_sla()
    # A housing call on 12317 is urgent; a letter about housing falls to the general rule.
    assert sla.rule_for("12317", "housing").name == "热线和当面反映的急难事项"
    assert sla.rule_for("12317", "education").name == "热线其余工单"
    assert sla.rule_for("12345", "conduct").name == "热线其余工单"
    assert sla.rule_for("letter", "conduct").name == "干部作风和项目资金"
    assert sla.rule_for("letter", "housing").name == "其余信访事项"
    assert sla.rule_for("12317", "housing").resolution_hours == 120


def test_an_unknown_channel_is_refused():
    with pytest.raises(SlaError, match="未知的信访渠道或类别"):
        load_sla().rule_for("wechat", "housing")


def test_the_opinion_limits_are_read():
    opinion = load_sla().opinion
    assert (opinion.verify_hours, opinion.answer_hours) == (24, 72)


def _without_catch_all(text: str) -> str:
    head, _, tail = text.partition('name = "其余信访事项"')
    rule_start = head.rindex("[[rule]]")
    return text[:rule_start] + tail[tail.index("[opinion]") :]


def test_a_file_leaving_a_pair_without_a_rule_is_refused_naming_it():
    with pytest.raises(SlaError, match="没有规则适用于：来信·防返贫监测"):
        parse_sla(_without_catch_all(SHIPPED))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("resolution_hours = 120", "resolution_hours = 0"), "resolution_hours 须是1到"),
        (("resolution_hours = 120", 'resolution_hours = "五天"'), "resolution_hours 须是1到"),
        (
            ("response_hours = 24\nresolution_hours = 120", "response_hours = 200\nresolution_hours = 120"),
            "受理时限不能长于答复时限",
        ),
        (('channels = ["12317", "12345", "township"]', 'channels = ["12317", "微信"]'), "未声明的 微信"),
        (("verify_hours = 24", "verify_hours = 100"), "核实时限不能长于回应时限"),
        (("[opinion]", "[opinions]"), "须有 \\[opinion\\]"),
        (("at_risk_hours = 24\n", "at_risk_hours = 24\n[[["), "不是有效的 TOML"),
    ],
)
def test_a_broken_file_is_refused_saying_where(change, message):
    old, new = change
    assert old in SHIPPED
    with pytest.raises(SlaError, match=message):
        parse_sla(SHIPPED.replace(old, new, 1))
