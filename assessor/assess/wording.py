"""The one place reasons become English: caveats, short reasons, rationales, lifecycle sentences.

Rules (rules.py) decide and return typed reasons; nothing else phrases them. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

from assessor.domain.models import Period, Reason, ServiceProfile
from assessor.domain.text import long_date

NDA_CAVEAT = (
    "SOC 1 and SOC 2 reports are shared under a non-disclosure agreement and their "
    "redistribution is restricted: cite them by title and period; never quote or attach them."
)
SELF_ATTESTED_CAVEAT = (
    "Bridge letters are Microsoft's own self-attested statements, not an auditor's opinion: "
    "they do not extend the audited period."
)
CONTRACTUAL_CAVEAT = (
    "{name} has no certification: Microsoft's commitment is contractual{how}, and it does not by "
    "itself make the customer compliant."
)
BAA_TEXT = "the Business Associate Agreement, part of the Microsoft Product Terms"
BAA_CAVEAT = (
    "Microsoft's commitment is the Business Associate Agreement, part of the Microsoft Product "
    "Terms (no separate contract to sign); it does not by itself make the customer compliant."
)


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


# ---------------------------------------------------------------------------
# Caveats (the full sentence) and short reasons (a few words, for the rationale)


def _eol_period(r: Reason, p: Period) -> tuple[str, str]:
    svc, eol, succ = _s(r, "service"), _d(r, "end_of_life"), _successors(_t(r, "successors"))
    if r.data.get("straddles") is True:
        return (
            f"{cap(period_text(p))} runs past {svc}'s end of life on {eol}: no audit after that "
            f"date covers {svc}, so its certifications cannot evidence the rest of the "
            f"period{succ}.",
            f"the period runs past {svc}'s end of life on {eol}",
        )
    return (
        f"{svc} reached end of life on {eol}; no audit after that date covers {svc}{succ}.",
        f"{svc} reached end of life on {eol}, before {period_text(p)}",
    )


def _eol_undated(r: Reason, p: Period) -> tuple[str, str]:
    svc = _s(r, "service")
    return (
        f"{svc} is documented as end-of-life but without a date; no finding can be covered "
        f"until the date is known{_successors(_t(r, 'successors'))}.",
        f"{svc}'s end-of-life date is unknown",
    )


def _scope(state: str) -> Callable[[Reason, Period], tuple[str, str]]:
    def word(r: Reason, p: Period) -> tuple[str, str]:
        head = f"{_s(r, 'service')}'s scope for {_s(r, 'label')} is {state}"
        seen = f" Last shown on {_d(r, 'last_seen')}{_by(r)}." if _s(r, "last_seen") else ""
        return f"{head}: {sentence(_s(r, 'note'))}{seen}", head

    return word


def _cert_not_listed(r: Reason, p: Period) -> tuple[str, str]:
    missing, svc = join(_t(r, "missing")), _s(r, "service")
    return (
        f"No source read lists {svc} in scope for {missing}.",
        f"no source read lists {svc} in scope for {missing}",
    )


def _by(r: Reason) -> str:
    """` by <source title>` when the reason names the source."""
    title = _s(r, "source_title") or _s(r, "source")
    return f" by {title}" if title else ""


def _service_retired(r: Reason, p: Period) -> tuple[str, str]:
    svc, succ = _s(r, "service"), _successors(_t(r, "successors"))
    if not _s(r, "end_of_life"):
        return f"{svc} was retired before {period_text(p)}{succ}.", f"{svc} was retired"
    eol = _d(r, "end_of_life")
    return (
        f"{svc} was retired on {eol}, before {period_text(p)}: its certifications cover "
        f"nothing for it{succ}.",
        f"{svc} was retired on {eol}",
    )


def _scope_last_seen(r: Reason, p: Period) -> tuple[str, str]:
    svc, label, doc = _s(r, "service"), _s(r, "label"), _s(r, "document")
    seen = _d(r, "last_seen") if _s(r, "last_seen") else "an undated source"
    head = f"{svc} was last shown in scope for {label} on {seen}{_by(r)}"
    window = (
        f" (a source counts for {period_text(p)} only if dated between "
        f"{_d(r, 'window_start')} and {_d(r, 'window_end')})"
        if _s(r, "window_start")
        else ""
    )
    return (
        f"{head}{window}: confirm {svc} in the current {doc}.",
        f"{head}: confirm in the current {doc}",
    )


def _scope_not_listed(r: Reason, p: Period) -> tuple[str, str]:
    svc, label = _s(r, "service"), _s(r, "label")
    when = f"the {_d(r, 'last_seen')} list" if _s(r, "last_seen") else "the list read"
    head = f"{svc} is not on {when} for {label}"
    note = _s(r, "note")
    return (f"{head}{_by(r)}" + (f": {sentence(note)}" if note else "."), head)


def _supports_only(r: Reason, p: Period) -> tuple[str, str]:
    fw = _s(r, "framework")
    return (
        f"{_s(r, 'label')} supports {fw} but is not a {fw} certification. "
        f"What it proves: {sentence(_s(r, 'proves'))} "
        f"What it does not prove: {sentence(_s(r, 'does_not_prove'))}",
        "",
    )


def _edition_unconfirmed(r: Reason, p: Period) -> tuple[str, str]:
    label = _s(r, "label")
    documented = join(_t(r, "documented")) or "no edition"
    return (
        f"The edition of {label} is not confirmed: the sources name {documented} without "
        "confirming it.",
        f"the edition of {label} is not confirmed",
    )


def _edition_retired_held(r: Reason, p: Period) -> tuple[str, str]:
    label, retired = _s(r, "label"), join(_t(r, "retired"))
    return (
        f"{label} is documented only to {retired}, retired {before_end(p)}; a certificate to "
        "the current edition is not confirmed.",
        f"{label} is documented only to {retired}, since retired",
    )


def _edition_superseded_held(r: Reason, p: Period) -> tuple[str, str]:
    return (
        f"{_s(r, 'label')} is documented to {_s(r, 'edition')}; a newer edition, "
        f"{_s(r, 'newer')}, exists.",
        "",
    )


def _edition_unstated(r: Reason, p: Period) -> tuple[str, str]:
    asked, label = _s(r, "asked"), _s(r, "label")
    return (
        f"{asked} was asked for, but the sources do not say which edition {label} is held to.",
        f"the sources do not say which edition of {label} is held",
    )


def _edition_not_held(r: Reason, p: Period) -> tuple[str, str]:
    asked, label = _s(r, "asked"), _s(r, "label")
    documented = join(_t(r, "documented")) or "no edition"
    return (
        f"{asked} was asked for, but the sources document {label} to {documented} only.",
        f"{asked} is not documented as held",
    )


def _edition_not_confirmed(r: Reason, p: Period) -> tuple[str, str]:
    asked, label = _s(r, "asked"), _s(r, "label")
    confirmed = join(_t(r, "confirmed")) or "no edition"
    return (
        f"{asked} was asked for, but the sources do not confirm that {label} is held to it; "
        f"they confirm {confirmed} only.",
        f"{asked} is not confirmed",
    )


def _use(r: Reason) -> str:
    successor = _s(r, "successor")
    return f"; use {successor}" if successor else ""


def _asked_retired(r: Reason, p: Period) -> tuple[str, str]:
    asked = _s(r, "asked")
    if not _s(r, "retired_on"):
        return f"{asked} is retired{_use(r)}.", f"{asked} is retired"
    on = _d(r, "retired_on")
    return (
        f"{asked} was retired on {on}, {before_end(p)}{_use(r)}.",
        f"{asked} was retired on {on}",
    )


def _asked_retiring(r: Reason, p: Period) -> tuple[str, str]:
    return f"{_s(r, 'asked')} is retired from {_d(r, 'retired_on')}{_use(r)}.", ""


def _asked_superseded(r: Reason, p: Period) -> tuple[str, str]:
    return f"{_s(r, 'asked')} has been superseded: {_s(r, 'newer')} exists.", ""


def _edition_unknown(r: Reason, p: Period) -> tuple[str, str]:
    ed, fw = _s(r, "edition"), _s(r, "framework")
    return (
        f"The edition '{ed}' is not one the catalog knows for {fw}.",
        f"the edition '{ed}' is not one the catalog knows",
    )


def _version_unknown(r: Reason, p: Period) -> tuple[str, str]:
    version, fw = _s(r, "version"), _s(r, "framework")
    return (
        f"The version asked for, '{version}', is not an edition of {fw} the catalog knows; it "
        "cannot be confirmed as covered.",
        f"'{version}' is not an edition of {fw} the catalog knows",
    )


def _editions_conflict(r: Reason, p: Period) -> tuple[str, str]:
    return (
        f"The row names conflicting editions ({join(_t(r, 'editions'))}); state one.",
        "the row names conflicting editions",
    )


def _approximate(r: Reason, p: Period) -> tuple[str, str]:
    return (
        f"'{_s(r, 'text')}' was read as {_s(r, 'framework')} by approximate match; confirm that "
        "this is the framework meant.",
        "the name was recognized only by approximate match",
    )


def _typo(r: Reason, p: Period) -> tuple[str, str]:
    text, fw = _s(r, "text"), _s(r, "framework")
    return (
        f"Read '{text}' as {fw}: confirm.",
        f"'{text}' was read as {fw} from a misspelling: confirm",
    )


def _contractual_only(r: Reason, p: Period) -> tuple[str, str]:
    label, commitment = _s(r, "label"), _s(r, "commitment")
    backed = join(_t(r, "evidenced_by"))
    backing = f"; the safeguards it promises are evidenced by {backed}" if backed else ""
    todo = " ".join(sentence(t) for t in _t(r, "customer"))
    text = (
        f"{label} has no certification: Microsoft's commitment is contractual ({commitment})"
        f"{backing}. It does not by itself make the customer compliant."
    )
    if todo:
        text += f" What the customer must do: {todo}"
    return text, f"{label} rests on a contractual commitment, not a certification"


def _overlay(r: Reason, p: Period) -> tuple[str, str]:
    who, on, what = _s(r, "decided_by"), _s(r, "decided_on"), _s(r, "what")
    note = _s(r, "note")
    day = long_date(date.fromisoformat(on)) if on else "undated"
    return (
        f"{cap(what)} rests on the organization's decision, {who}, {day}"
        + (f": {note}" if note else "")
        + "; it is not Microsoft's evidence.",
        f"the organization's decision, {who}, {day}",
    )


def _contractual(r: Reason, p: Period) -> tuple[str, str]:
    how = f" ({BAA_TEXT})" if r.data.get("baa") is True else ""
    return CONTRACTUAL_CAVEAT.format(name=_s(r, "label"), how=how), ""


def _text(r: Reason, p: Period) -> tuple[str, str]:
    return _s(r, "text"), ""


def _fixed(text: str) -> Callable[[Reason, Period], tuple[str, str]]:
    return lambda r, p: (text, "")


def _row_name(r: Reason) -> str:
    return f"'{_s(r, 'title')}' ({_s(r, 'sheet')} row {_s(r, 'row')})"


_SCOPE_WORD = {
    "scope-claimed": "only claimed",
    "scope-unconfirmed": "unconfirmed",
    "scope-last-seen": "last seen before the period",
}
_SHORT_WORD = {
    "period-gap": "does not cover the whole period",
    "expired": "expired before the period ends",
    "service-not-listed": "does not list {svc}",
}


def _evidence_on_file(r: Reason, p: Period) -> tuple[str, str]:
    svc, label = _s(r, "service"), _s(r, "label")
    was = _SCOPE_WORD.get(_s(r, "lifted"), "not confirmed")
    bridged = (
        "; part of the period rests on a bridge letter, Microsoft's own statement"
        if r.data.get("bridged") is True
        else ""
    )
    return (
        f"{svc}'s scope for {label} is confirmed for {period_text(p)} by the document on file "
        f"{_row_name(r)}, which covers the period and lists {svc} (the catalog's sources show "
        f"the scope as {was}){bridged}.",
        "",
    )


def _evidence_falls_short(r: Reason, p: Period) -> tuple[str, str]:
    svc, label = _s(r, "service"), _s(r, "label")
    why = _SHORT_WORD.get(_s(r, "state"), "falls short").format(svc=svc)
    return (
        f"The document on file {_row_name(r)} {why}, so it does not confirm {svc}'s scope for "
        f"{label} for {period_text(p)}.",
        f"the {label} document on file {why}",
    )


def _no_caveat(r: Reason, p: Period) -> tuple[str, str]:
    return "", ""


_WORDS: dict[str, Callable[[Reason, Period], tuple[str, str]]] = {
    "eol-period": _eol_period,
    "eol-undated": _eol_undated,
    "service-retired": _service_retired,
    "scope-last-seen": _scope_last_seen,
    "scope-not-listed": _scope_not_listed,
    "scope-claimed": _scope("only claimed"),
    "scope-unconfirmed": _scope("unconfirmed"),
    "cert-not-listed": _cert_not_listed,
    "supports-only": _supports_only,
    "edition-unconfirmed": _edition_unconfirmed,
    "edition-retired-held": _edition_retired_held,
    "edition-unstated": _edition_unstated,
    "edition-not-held": _edition_not_held,
    "edition-not-confirmed": _edition_not_confirmed,
    "asked-edition-retired": _asked_retired,
    "edition-unknown": _edition_unknown,
    "version-unknown": _version_unknown,
    "editions-conflict": _editions_conflict,
    "approximate-read": _approximate,
    "typo-read": _typo,
    "contractual-only": _contractual_only,
    "overlay-decision": _overlay,
    "evidence-on-file": _evidence_on_file,
    "evidence-falls-short": _evidence_falls_short,
    "edition-superseded-held": _edition_superseded_held,
    "asked-edition-retiring": _asked_retiring,
    "asked-edition-superseded": _asked_superseded,
    "contractual": _contractual,
    "baa": _fixed(BAA_CAVEAT),
    "self-attested": _fixed(SELF_ATTESTED_CAVEAT),
    "restricted": _fixed(NDA_CAVEAT),
    "catalog-caveat": _text,
    "recognizer-note": _text,
    "no-certification": _no_caveat,
    "certifications-not-listed": _no_caveat,
    "unrecognized": _no_caveat,
    "ambiguous": _no_caveat,
    "needs-review": _no_caveat,
}


def caveat(reason: Reason, period: Period) -> str:
    """The reason as a full sentence for the report's caveats ("" when it only decides)."""
    return _WORDS[reason.code](reason, period)[0]


def short(reason: Reason, period: Period) -> str:
    """The reason in a few words, for a rationale ("" when it has none)."""
    return _WORDS[reason.code](reason, period)[1]


def caveats(reasons: Sequence[Reason], period: Period) -> tuple[str, ...]:
    """Every reason's sentence, blockers before notes before what decided, each once."""
    ordered = [r for r in reasons if r.effect == "blocks"]
    ordered += [r for r in reasons if r.effect == "informs"]
    ordered += [r for r in reasons if r.effect == "decides"]  # most decide with no sentence
    return dedupe(caveat(r, period) for r in ordered)


def shorts(reasons: Sequence[Reason], period: Period) -> list[str]:
    """The blockers' short reasons, in order."""
    found = (short(r, period) for r in reasons if r.effect == "blocks")
    return [text for text in found if text]


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
