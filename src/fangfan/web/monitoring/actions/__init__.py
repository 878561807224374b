"""Every write of relapse monitoring goes through a verb here: the gate, the rules, one
transaction, an AuditEvent (and an event row for a procedure's steps).

- `discovery`: leads into the intake list (self-report, 12317, visit, run findings),
  taking a lead up or setting it aside;
- `identification`: the steps of a case, from home check to the county's decision;
- `assistance`: measures and re-assessments;
- `elimination`: risk elimination, from the proposal to the county's approval.

Identification and elimination are declared in `fangfan.web.monitoring.procedures` and
run by the shared verbs of `fangfan.web.procedures`, whose `WorkflowError` is the one
refusal every verb raises.
"""
