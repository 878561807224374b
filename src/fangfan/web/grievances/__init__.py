"""Grievances (信访、12317) and public-opinion items (舆情): recorded, timed, answered, called back.

A grievance (`Grievance`) moves 登记 → 办理中 → 已答复 → 已回访办结 (`procedure.GRIEVANCE`); an
unsatisfied callback sends it back to 办理中. Its time limits come from the engine's
`sla.toml` (`deadlines`): each shows 正常 / 临期 / 超时, and a breach escalates it one
level (`manage.py escalate_grievances`). The same person within 90 days is linked to the
earlier grievances (`actions.register`). An item found online (`OpinionItem`) is verified
on site within its time limit and answered (`procedure.OPINION`). Either can open a
monitoring lead (a grievance) or a rectification problem (when true).
"""
