"""Offline visits with ODK Collect / KoboToolbox: a village's form and preload out, submissions in.

schema.py   the visit form (`FormSpec`) derived from the web visit form and the policy catalogue
preload.py  a village's households as the form's CSV attachment (masked, no phones)
imports.py  `import_submissions`: an export's rows recorded as visits through `record_visit`
report.py   the import report's Excel: rows that could not be placed, and why
"""
