"""The selection of a post's holder as a procedure (`fangfan.web.procedures`) on a `Selection`::

    已申请待村评议 ─village_review→ 待乡镇审核 ─township_check→ 待公示 ─post_notice→ 公示中
        ─close_notice→ 待县备案 ─county_record→ 在岗 ─end_post→ 已离岗
    待乡镇审核 / 待公示 ─send_back→ 已申请待村评议;  any stage before 在岗 ─reject→ 未聘用

The post's announcement (岗位公告) is the post itself (`Post.announced_on`); the application
(申请) creates the selection, refused with every reason when the person is not eligible
(`actions.apply`); the township check checks again. The notice keeps the national rules
(`procedures.notice`).
"""

from __future__ import annotations

from fangfan.web.jobs.models import Selection, SelectionEvent, Stage
from fangfan.web.procedures.base import BACK, Notice, Procedure, Step

BEFORE_POST = (Stage.APPLIED, Stage.REVIEWED, Stage.CHECKED, Stage.NOTICE, Stage.NOTICED)

SELECTION: Procedure[Selection, SelectionEvent] = Procedure(
    model=Selection,
    state_field="stage",
    stages=Stage,
    open_stages=(*BEFORE_POST, Stage.IN_POST),
    closed_stages=(Stage.ENDED, Stage.REJECTED),
    owner={
        Stage.APPLIED: "jobs_village_review",
        Stage.REVIEWED: "jobs_township_check",
        Stage.CHECKED: "jobs_township_check",
        Stage.NOTICE: "jobs_township_check",
        Stage.NOTICED: "jobs_county_record",
        Stage.IN_POST: "jobs_post",
    },
    send_back_to={Stage.REVIEWED: Stage.APPLIED, Stage.CHECKED: Stage.APPLIED},
    steps=(
        Step("village_review", "村评议", (Stage.APPLIED,), Stage.REVIEWED),
        Step("township_check", "乡镇审核", (Stage.REVIEWED,), Stage.CHECKED),
        Step("post_notice", "公示", (Stage.CHECKED,), Stage.NOTICE),
        Step("close_notice", "公示期满", (Stage.NOTICE,), Stage.NOTICED),
        Step("county_record", "县备案", (Stage.NOTICED,), Stage.IN_POST),
        Step("end_post", "离岗", (Stage.IN_POST,), Stage.ENDED),
        Step("send_back", "退回", (Stage.REVIEWED, Stage.CHECKED), BACK),
        Step("reject", "不予聘用", BEFORE_POST, Stage.REJECTED),
    ),
    event_model=SelectionEvent,
    event_record_field="selection",
    noun="该岗位人选",
    notice=Notice(),
)
