"""Views (pure): assessments prepared for display, one model per report and portfolio.

Templates and writers render these models and compute nothing. By job:

- labels: status, responsibility and evidence-kind labels, marks and definitions
- common: catalog look-ups with fallbacks, period labels, ordering and list helpers
- findings: each finding numbered in workbook order and labelled
- summary: counts, the chart and the key-gaps paragraph
- frameworks: certification blocks and per-framework detail with the customer checklist
- evidence: STP documents labelled and grouped by section
- provenance: workbook and catalog identity, sources, reconciliation, methodology
- report: ReportView and build_view, which assembles the above for one business unit
- report_json: the JSON contract (docs/report-schema.json)
- portfolio: the roll-up across business units and its JSON
"""
