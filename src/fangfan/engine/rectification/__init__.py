"""Rectification (整改销号) in the engine: feedback lists in, office workbooks out. No Django.

- `feedback.read_feedback`: an inspection's feedback list (Excel or CSV, messy as offices
  receive it) → the problems to load, placed in region codes, or a report of the rows
  that cannot be placed (nothing half-loaded).
- `places.Places`: place names as lists write them (武都, 汉王乡, 武都区汉王镇) → codes.
- `deadlines.read_deadline`: 整改时限 as written (2021年3月底, 立行立改, 长期坚持) → a date.
- `workbooks`: the three lists (问题清单, 任务清单, 责任清单), a 整改台账 per county, the
  progress report by source and region, and the feedback problems report.
"""
