"""Running: one workbook end to end, the worker pool, the batch, the manifest, files."""
