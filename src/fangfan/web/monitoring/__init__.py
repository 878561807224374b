"""Relapse monitoring (防返贫动态监测帮扶): from the first warning to risk elimination.

Discovery brings leads from three channels into one intake list per township: the
household's own report (the public form at /report/ and the 12317 hotline), a cadre's
visit whose worked-out income falls below the year's threshold, and the department
warnings, income or spending findings and monitoring signals of the current run.
Identification turns a lead taken up into a `Case` that goes home check → village
review and public notice → township review → county decision within 15 days; the
decision makes the household a `MonitoredHousehold`. Then assistance measures for the
household and each person, periodic re-assessments, and risk elimination (proposal,
only when `readiness` allows → home check → village review and notice → county
approval); the dashboard (`dashboard`) counts it all per region.
"""
