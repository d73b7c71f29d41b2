"""Assessment (pure): requirements x catalog x period to findings with typed reasons."""
