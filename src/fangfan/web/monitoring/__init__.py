"""Relapse monitoring (防返贫动态监测帮扶): discovery and identification.

Discovery brings leads from three channels into one intake list per township: the
household's own report (the public form at /report/ and the 12317 hotline), a cadre's
visit whose worked-out income falls below the year's threshold, and the department
warnings and income or spending findings of the current run. Identification turns a
lead taken up into a `Case` that goes home check → village review and public notice →
township review → county decision within 15 days; the decision makes the household a
`MonitoredHousehold`, where assistance, re-assessment and risk elimination will attach.
"""
