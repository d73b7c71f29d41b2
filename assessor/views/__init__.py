"""Views (pure): assessments prepared for display, one model per report and portfolio."""
