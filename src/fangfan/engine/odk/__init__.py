"""Offline household visits with ODK Collect / KoboToolbox: the form out, the submissions in.

    form.py         the visit form as data (`FormSpec`: groups of `Question`s, choice lists)
    xlsform.py      a `FormSpec` written as an XLSForm (survey / choices / settings sheets)
    preload.py      a village's households as the CSV attachment the form selects from
    submissions.py  an ODK Central CSV or KoboToolbox XLSX export read back into answers

The web application builds the `FormSpec` from its own visit form and policy catalogue
(`fangfan.web.odk.schema`) and loads the answers as visits; nothing here knows Django.
"""
