"""The domain: typed models, errors and text helpers shared by every layer (pure)."""
