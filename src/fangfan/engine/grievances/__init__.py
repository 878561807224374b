"""Grievances (信访、12317) and public-opinion items (舆情): the time limits, kept as data."""
