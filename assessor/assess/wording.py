"""The one place reasons become English: caveats and short reasons here, rationales and
lifecycle sentences in sentences.py, shared phrasing in phrases.py (all reachable from here).

Rules (rules.py) decide and return typed reasons; nothing else phrases them. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from assessor.assess.phrases import (
    _d,
    _s,
    _successors,
    _t,
    before_end,
    cap,
    dedupe,
    join,
    period_text,
    sentence,
)
from assessor.assess.sentences import (
    contractual_rationale,
    covered_rationale,
    gap_rationale,
    lifecycle_headline,
    lifecycle_note,
    lifecycle_notes,
    partial_rationale,
    portfolio_lifecycle,
    review_wording,
    supports_rationale,
    unrecognized_wording,
)
from assessor.domain.models import Period, Reason
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


# Everything that words a reason is reachable from here (the sentences and phrases included).
__all__ = [
    "BAA_CAVEAT",
    "BAA_TEXT",
    "CONTRACTUAL_CAVEAT",
    "NDA_CAVEAT",
    "SELF_ATTESTED_CAVEAT",
    "before_end",
    "cap",
    "caveat",
    "caveats",
    "contractual_rationale",
    "covered_rationale",
    "dedupe",
    "gap_rationale",
    "join",
    "lifecycle_headline",
    "lifecycle_note",
    "lifecycle_notes",
    "partial_rationale",
    "period_text",
    "portfolio_lifecycle",
    "review_wording",
    "sentence",
    "short",
    "shorts",
    "supports_rationale",
    "unrecognized_wording",
]
