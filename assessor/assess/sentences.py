"""Whole sentences: why a finding has its status (rationales) and the lifecycle statements of
the cover, the report and the portfolio. Part of the wording, built on its phrases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from assessor.assess.phrases import (
    _d,
    _held_verb,
    _s,
    _successors,
    _t,
    join,
    period_text,
)
from assessor.domain.models import Period, Reason, ServiceProfile
from assessor.domain.text import long_date

# ---------------------------------------------------------------------------
# Rationales: one sentence on why the finding has its status


def _names(services: str | Sequence[str]) -> str:
    """`Microsoft Intune` or `Microsoft Intune and Windows Autopatch`."""
    return services if isinstance(services, str) else join(list(services))


def covered_rationale(
    service: str | Sequence[str],
    retired: bool,
    certs: Sequence[str],
    asked: str | None,
    period: Period,
    *,
    customer_part: bool,
) -> str:
    """Why a finding is covered: the attestation, the services in its confirmed scope."""
    verb = "held" if retired else "holds"
    text = (
        f"Microsoft {verb} {join(list(certs))}"
        + (f" to {asked}" if asked is not None else "")
        + f", with {_names(service)} in confirmed scope for {period_text(period)}."
    )
    return text + (" The customer must still evidence its own part." if customer_part else "")


def supports_rationale(
    service: str | Sequence[str],
    retired: bool,
    framework: str,
    certs: Sequence[str],
    blockers: Sequence[str],
) -> str:
    """Why a framework the services' certifications only support is partial."""
    verb = "held" if retired else "holds"
    text = (
        f"Microsoft {verb} no {framework} certification for {_names(service)}; "
        f"{join(list(certs))} only {'support' if len(certs) > 1 else 'supports'} {framework}, "
        "and the customer must evidence its own controls."
    )
    return text + (f" Also, {'; '.join(blockers)}." if blockers else "")


def partial_rationale(
    service: str | Sequence[str], retired: bool, certs: Sequence[str], blockers: Sequence[str]
) -> str:
    """Why a held framework is only partial, naming the service that falls short."""
    verb = "held" if retired else "holds"
    return (
        f"Microsoft {verb} {join(list(certs))}, but for {_names(service)} it cannot count as "
        f"covered: {'; '.join(blockers)}."
    )


def contractual_rationale(service: str, reason: Reason, blockers: Sequence[str]) -> str:
    """Why a framework resting on a contractual commitment is partial: no certification exists."""
    label, commitment = _s(reason, "label"), _s(reason, "commitment")
    backed = join(_t(reason, "evidenced_by"))
    others = [b for b in blockers if b and not b.startswith(f"{label} rests on")]
    return (
        f"No {label} certification exists: for {service}, Microsoft's commitment is contractual "
        f"({commitment})"
        + (f", its safeguards evidenced by {backed}" if backed else "")
        + "; a contract is not an audit, so it cannot count as covered"
        + (f". Also, {'; '.join(others)}." if others else ".")
    )


def review_wording(reason: Reason) -> tuple[str, str]:
    """(rationale, lead caveat) for a name the words around it negate or doubt."""
    text, names = _s(reason, "text"), join(_t(reason, "frameworks"))
    if _s(reason, "why") == "negated":
        said = f"the words around {names} say it is not required"
    else:
        said = f"the words around {names} leave it in doubt"
    return (
        f"'{text}' names {names}, but {said}: flagged for review, not assessed.",
        f"Flagged for review: confirm whether {names} is required; until then it is not "
        "assessed and counts toward nothing covered.",
    )


def gap_rationale(reason: Reason, period: Period | None = None) -> str:
    """Why a recognized framework is a gap."""
    svc, fw = _s(reason, "service"), _s(reason, "framework")
    if reason.code == "service-retired":
        eol = _d(reason, "end_of_life") if _s(reason, "end_of_life") else "an undated day"
        what = period_text(period) if period is not None else "the period"
        return (
            f"{svc} was retired on {eol}, before {what}, so its certifications cover nothing "
            f"for it{_successors(_t(reason, 'successors'))}; until then the evidence is the "
            "customer's to provide."
        )
    if reason.code == "no-certification":
        return (
            f"{svc} {_held_verb(reason)} no certification that supports {fw}, so its evidence "
            "is the customer's to provide."
        )
    return (
        f"No source read shows {svc} in scope for what {fw} rests on "
        f"({join(_t(reason, 'labels') or _t(reason, 'certifications'))}), so its evidence is "
        "the customer's to provide."
    )


def unrecognized_wording(reason: Reason) -> tuple[str, str]:
    """(rationale, lead caveat) for a name the catalog does not know or that names a family."""
    text, names = _s(reason, "text"), _t(reason, "suggestions")
    if reason.code == "ambiguous":
        choices = join(names, "or") or "a specific framework"
        return (
            f"'{text}' names a family of frameworks, not one; the row must say which ({choices}).",
            f"'{text}' is ambiguous: state which framework is meant ({choices}).",
        )
    lead = (
        f"Closest known frameworks: {join(names, 'or')}."
        if names
        else "No close match in the catalog; check the spelling or add the framework."
    )
    return f"'{text}' names no framework the catalog knows.", lead


# ---------------------------------------------------------------------------
# Lifecycle sentences (cover, report box, portfolio)


def lifecycle_note(
    service: ServiceProfile, period: Period, as_of: date, window_months: int = 12
) -> str:
    """One plain sentence for the cover: the service's lifecycle relative to the period."""
    life = service.lifecycle
    what = period_text(period)
    succ = _successors(service.successors)
    if life.status != "end-of-life":
        return (
            f"{service.name} is available; a certification counts for {what} only where a "
            f"source dated within {window_months} months of it shows {service.name} in "
            "confirmed scope."
        )
    if life.end_of_life is None:
        return (
            f"{service.name} is documented as end-of-life without a date, so no finding for "
            f"{what} is marked covered."
        )
    eol = life.end_of_life
    verb = "reached" if as_of >= eol else "is due to reach"
    if period.end <= eol:
        return (
            f"{service.name} {verb} end of life on {long_date(eol)}; {what} lies inside "
            "the service's life, so its certifications can evidence it."
        )
    if period.start is not None and period.start <= eol:
        return (
            f"{service.name} {verb} end of life on {long_date(eol)}, during {what}, so its "
            f"certifications cannot evidence the part after that date and no finding is "
            f"covered{succ}."
        )
    return (
        f"{service.name} was retired on {long_date(eol)}, before {what}, so its "
        f"certifications cover nothing for it: no audit after that date covers "
        f"{service.name}{succ}."
    )


def lifecycle_notes(
    services: Sequence[ServiceProfile], period: Period, as_of: date, window_months: int = 12
) -> str:
    """The lifecycle sentence of each service a unit uses, in order."""
    return " ".join(lifecycle_note(svc, period, as_of, window_months) for svc in services)


def lifecycle_headline(service: ServiceProfile, as_of: date) -> str:
    """`X reached end of life on D.` or the service's own lifecycle statement."""
    life = service.lifecycle
    if life.status == "end-of-life" and life.end_of_life is not None:
        verb = "reached" if as_of >= life.end_of_life else "is due to reach"
        return f"{service.name} {verb} end of life on {long_date(life.end_of_life)}."
    return life.statement


def portfolio_lifecycle(service: ServiceProfile) -> str:
    """The lifecycle paragraph of the portfolio: what periods the certifications can support."""
    life = service.lifecycle
    if life.status != "end-of-life" or life.end_of_life is None:
        return life.statement
    note = (
        f"{service.name} reached end of life on {long_date(life.end_of_life)}. Its "
        "certifications can support audits of periods that ended on or before that "
        f"date; no audit after it covers {service.name}, so later periods are at most "
        "partial."
    )
    if service.successors:
        note += " Successor services to assess instead: " + ", ".join(service.successors) + "."
    return note
