"""Every write of relapse monitoring goes through a verb here: the gate, the rules, one
transaction, an AuditEvent (and a CaseEvent for a case's steps).

- `discovery`: leads into the intake list (self-report, 12317, visit, run findings),
  taking a lead up or setting it aside;
- `identification`: the steps of a case, from home check to the county's decision.
"""

from __future__ import annotations

from fangfan.web.monitoring.actions.common import WorkflowError

__all__ = ["WorkflowError"]
