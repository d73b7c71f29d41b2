"""The blank template's own names that intake recognizes (the template writer uses them too)."""

from __future__ import annotations

TEMPLATE_LIST_SHEET = "Framework list"  # the template's hidden dropdown source: read silently
TEMPLATE_EXAMPLE_UNIT = "Example unit (delete this row)"  # the template's example row
TEMPLATE_EXAMPLE_REASON = "the template's example row (delete it)"  # why intake skips it
