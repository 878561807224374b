"""Campaigns (专项行动): a target list drawn from the published registry, a visit with a
checklist per household, progress per village, township and county (issue 15, part 4)."""
