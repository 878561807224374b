"""Staged procedures as declarations: one shape, one set of verbs, one page.

A procedure is a record moving through stages (the choices of its state field), one
step at a time. Each open stage has an owner, an action of the access gate
(`fangfan.web.accounts.access.WORKFLOW_ROLES`); a step is done by the owner of the
stage it starts from unless the step names its own gate. Every step re-reads the
record under a row lock, checks the gate (403) and the stage (`WorkflowError`, 409 on
the page), then in one transaction changes the record (an AuditEvent through
`update_audited`) and writes one event row::

    open ─step→ open ─step→ … ─step→ closed        (`Step`: verb, name, starts, end, gate)
              ←send_back─                          (to `send_back_to[stage]`, to be done again)
    any open stage ─reject→ closed, with the reason

- `base`: `Step`, `Procedure`, `WorkflowError` and the generic verbs (`may`, `check`,
  `begin`, `advance`, `send_back`, `reject`);
- `notice`: the village notice (公示) rules and its two verbs, `post_notice` and
  `close_notice` (which waits for the notice's end, `base.step_opens_on`);
- `pages`: one detail helper and one act view for every procedure, with the templates
  `procedures/_stepper.html` and `procedures/_steps.html`.

Declared: `fangfan.web.monitoring.procedures.IDENTIFICATION` (识别认定, `Case`) and
`ELIMINATION` (风险消除, `Elimination`), `fangfan.web.workqueue.procedure.FINDING_QUEUE`
(问题清单, `Finding`), `fangfan.web.rectification.procedure.RECTIFICATION` (整改销号, `Problem`).

Adding the next one (rectification 整改销号, grievances 信访) is a declaration:

1. models: the record, a `SoftDeleteModel` whose state field's choices are a
   `TextChoices` of its stages; an event model with a foreign key to it (related name
   `events`), `user`, `at`, `action`, `note`, `from_<state>` and `to_<state>`;
2. a `Procedure(...)` beside the app: stages open and closed, the owner of each open
   stage, send-back targets, the steps, the noun its refusals use (“该案件”);
3. its verbs, each `begin` (lock, check), the step's own rules, `advance`; reuse
   `send_back`, `reject`, `post_notice` and `close_notice` where they fit;
4. its pages: a `pages.Page` with a `pages.StepForm` per verb, the detail view calling
   `pages.detail`, one URL per verb calling `pages.act`;
5. the declaration added to `tests/web/test_procedures.py`, which checks it is whole.
"""
