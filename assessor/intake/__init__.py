"""Intake: workbooks (safety pre-check, tables, units, dates) to typed requirements."""
