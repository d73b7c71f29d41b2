"""Recognition: framework names as people write them, resolved against the catalog (pure)."""
