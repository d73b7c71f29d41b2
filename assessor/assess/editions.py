"""Which edition a requirement asks for: by the recognizer, the Version column, or both, as
current during the period when several editions share a spelling."""

from __future__ import annotations

import re

from assessor.assess import rules
from assessor.domain.models import (
    Candidate,
    Catalog,
    Edition,
    Framework,
    Period,
    Reason,
    Requirement,
)
from assessor.recognize import match as recognize


def _norm_version(value: str) -> str:
    """Compare versions loosely: lower case, no spaces/punctuation, no leading `v`/`version`."""
    text = value.lower().strip()
    text = re.sub(r"^(version|revision|ver\.?|rev\.?|v)\s*", "", text)
    return re.sub(r"[^0-9a-z]", "", text)


def resolve_version(
    fw: Framework, version: str, catalog: Catalog | None = None, period: Period | None = None
) -> Edition | None:
    """The framework edition a typed version names (by id, label, alias or label suffix).

    A spelling several editions share ("v4": PCI DSS 4.0 and 4.0.1) names the edition current
    during the period (the last published by its end). With the catalog, a version the keys
    miss is read by the recognizer after the framework's short name ("SOC 2" + "Type II").
    """
    wanted = _norm_version(version)
    if not wanted:
        return None
    for ed in fw.editions:
        if _norm_version(ed.id) == wanted or _norm_version(ed.label) == wanted:
            return ed
    named: list[Edition] = []
    for ed in fw.editions:
        names = [*ed.aliases]
        if ":" in ed.label:
            names.append(ed.label.rsplit(":", 1)[1])
        if any(_norm_version(name) == wanted for name in names):
            named.append(ed)
    if not named:
        keys = recognize.edition_keys(version)
        named = [
            ed
            for ed in fw.editions
            if any(keys & recognize.edition_keys(name) for name in (ed.id, *ed.aliases))
        ]
    if named:
        return rules.current_edition(named, period)
    if catalog is not None and fw.editions:
        read = recognize.match_text(f"{fw.short_name} {version}", catalog)
        if read.status == "matched" and len(read.frameworks) == 1:
            cand = read.frameworks[0]
            if cand.framework == fw.id and cand.edition is not None:
                found = rules.edition(fw, cand.edition)
                if found is None and _norm_version(cand.edition) != wanted:
                    return resolve_version(fw, cand.edition, None, period)
                return found
    return None


def asked_edition(
    req: Requirement, candidate: Candidate, fw: Framework, catalog: Catalog, period: Period
) -> tuple[Edition | None, list[Reason]]:
    """Which edition was asked for, by the recognizer, the Version column or both."""
    found: list[Reason] = []
    asked_ids: list[str] = []
    if candidate.edition is not None:
        ed = rules.edition(fw, candidate.edition) or resolve_version(
            fw, candidate.edition, catalog, period
        )
        if ed is None:
            found.append(
                rules.reason(
                    "edition-unknown", "blocks", edition=candidate.edition, framework=fw.short_name
                )
            )
        else:
            asked_ids.append(ed.id)
    if req.version:
        ed = resolve_version(fw, req.version, catalog, period)
        if ed is None:
            found.append(
                rules.reason(
                    "version-unknown", "blocks", version=req.version, framework=fw.short_name
                )
            )
        elif ed.id not in asked_ids:
            asked_ids.append(ed.id)
    if len(asked_ids) > 1:
        labels = tuple(rules.edition_label(fw, i) for i in asked_ids)
        found.append(rules.reason("editions-conflict", "blocks", editions=labels))
    return (rules.edition(fw, asked_ids[0]) if asked_ids else None), found
