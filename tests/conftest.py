"""Shared pytest options and fixtures (each helper adds its own; never rewrite others')."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """--update-gold rewrites tests/gold/ from the current output (review the diff)."""
    parser.addoption(
        "--update-gold",
        action="store_true",
        default=False,
        help="rewrite golden report files in tests/gold/ instead of comparing",
    )


@pytest.fixture
def update_gold(request: pytest.FixtureRequest) -> bool:
    """Whether golden files are being rewritten in this run."""
    return bool(request.config.getoption("--update-gold"))
