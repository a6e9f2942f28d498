"""Timesheet (C01-HD) and discipline report tables. pandas lives here.

Contract used by the API and pages (implemented by the reports work):

    timesheet(unit: OrgUnit, month: date) -> dict
        {"unit", "month", "locked", "days_in_month", "rows": [{"employee_code", "full_name",
         "position", "days": {"1": symbol, ...}, "totals": {...}}], "legend": [...]}
    discipline(unit: OrgUnit, start: date, end: date) -> dict
        {"unit", "start", "end", "rows": [{"employee_code", "full_name", "late_count",
         "late_minutes", "early_count", "early_minutes", "absent_days", "missing_punches",
         "flags": [{"rule", "metric", "threshold", "value", "action"}]}]}
"""
