"""The knowledge catalog: loading and checking requirements/*.yaml, and where data lives."""
