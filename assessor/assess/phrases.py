"""Small phrasing helpers the wording modules share: lists, sentences, periods, reason facts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from assessor.domain.models import Period, Reason
from assessor.domain.text import long_date

# ---------------------------------------------------------------------------
# Small helpers


def join(items: Sequence[str], conj: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conj} {items[-1]}"


def dedupe(items: Iterable[str]) -> tuple[str, ...]:
    """Drop empty and repeated strings, keeping the first occurrence's position."""
    seen: dict[str, None] = {}
    for item in items:
        text = item.strip()
        if text and text not in seen:
            seen[text] = None
    return tuple(seen)


def cap(text: str) -> str:
    """First letter upper case, the rest untouched (str.capitalize lowers the rest)."""
    return text[:1].upper() + text[1:]


def sentence(text: str) -> str:
    """Trimmed, with a capital first letter and a final full stop."""
    text = cap(text.strip())
    return text if text.endswith((".", "!", "?")) else f"{text}."


def period_text(period: Period) -> str:
    """`the audit period 1 January 2024 to 31 December 2024` or `the as-of date 1 May 2025`."""
    if period.basis == "as-of" and period.start is None:
        return f"the as-of date {long_date(period.end)}"
    if period.start is None:
        return f"the audit period ending {long_date(period.end)}"
    label = "audit period" if period.basis == "audit-period" else "period"
    return f"the {label} {long_date(period.start)} to {long_date(period.end)}"


def before_end(period: Period) -> str:
    """`before the as-of date 1 May 2025` or `before the audit period ... ends`."""
    if period.basis == "as-of" and period.start is None:
        return f"before the as-of date {long_date(period.end)}"
    return f"before {period_text(period)} ends"


def _s(reason: Reason, key: str) -> str:
    value = reason.data.get(key, "")
    return value if isinstance(value, str) else ""


def _t(reason: Reason, key: str) -> list[str]:
    value = reason.data.get(key, ())
    return list(value) if isinstance(value, tuple) else []


def _d(reason: Reason, key: str) -> str:
    return long_date(date.fromisoformat(_s(reason, key)))


def _successors(names: Sequence[str]) -> str:
    return f"; assess {join(list(names), 'or')} instead" if names else ""


def _held_verb(reason: Reason) -> str:
    return "held" if reason.data.get("service_retired") is True else "holds"
