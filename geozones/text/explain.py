"""Words from results: findings, assumptions and one-line messages, in English or Chinese.

The core (:mod:`geozones.core`) answers in codes and numbers; this module turns an
:class:`~geozones.core.engine.Assessment` into text with the message catalogue
(:mod:`geozones.text.catalogue`). Nothing here decides anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from ..core.arrays import NONE
from ..core.engine import Assessment
from ..core.kinds import kinds_of_families
from ..core.rules import NA, VERDICTS
from ..core.text import Text
from .catalogue import KIND_NAMES, VERDICT_NAMES, article_label, has_message, name, t, zone_name

__all__ = ["Results", "Finding", "findings", "pilot_findings", "assumptions", "pilot_assumptions", "notices",
           "consent_head", "pilot_summary", "row_messages", "fmt"]


def fmt(value: float) -> str:
    """A number as people write it: thousands separated, at most two decimals, no trailing 0.

    >>> fmt(1234.5), fmt(50.0), fmt(0.125)
    ('1,234.5', '50', '0.12')
    """
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _round(value: float | None, ndigits: int = 3) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), ndigits)


@dataclass
class Finding:
    """One rule that applies to a proposal, with its outcome and numbers.

    Attributes
    ----------
    rule : str
        The rule row's id (``height_ratio``, ``sun_sector`` …).
    severity : {"fail", "review", "pass", "info"}
        Its outcome (``pass``: the rule is met).
    article : str
        The article it implements (e.g. Jiangxian plan Art. 12.3 ⑥).
    message : str
        The finding in words, in the language asked for.
    quote : str
        The plan's text, in that language.
    distance_m : float or None
        The distance D the rule used. [m]
    allowed_height_m : float or None
        The permitted height under the rule. [m]
    height_m : float or None
        The height used. [m]
    exceedance_m : float or None
        How far the height exceeds the permitted one. [m]
    word : str
        The plan's deciding word (禁止, 不应, 应 …) behind the severity.
    quote_zh, quote_en : str
        The plan's own text, verbatim, and its translation.
    reading : str
        The project's reading of the rule, where the text leaves it open.
    """

    rule: str
    severity: str          #: "fail", "review", "pass" (the rule is met) or "info"
    article: str
    message: str
    quote: str
    distance_m: float | None = None
    allowed_height_m: float | None = None
    height_m: float | None = None
    exceedance_m: float | None = None
    word: str = ""          #: the plan's deciding word (禁止, 不应, 应 ...) behind the severity
    quote_zh: str = ""      #: the plan's own text, verbatim
    quote_en: str = ""      #: its translation
    reading: str = ""       #: the project's reading of the rule, where the text leaves it open


class _RuleTexts(TypedDict):
    """The rule's own words a :class:`Finding` carries (keyword arguments of ``Finding``)."""

    quote: str
    quote_zh: str
    quote_en: str
    reading: str
    word: str


def _finding(a: Assessment, j: int, i: int, lang: str) -> Finding:
    rule = a.outcomes.rules[j]
    code = int(a.outcomes.outcome[j, i])
    severity = "info" if rule.severity == "info" else VERDICTS[code - 1]
    texts = _RuleTexts(quote=rule.quote.get(lang), quote_zh=rule.quote_zh, quote_en=rule.quote_en,
                       reading=rule.reading.get(lang), word=rule.word)
    if rule.limit == "storeys":
        n = float(a.storeys[i])
        above = fmt(rule.storeys_above) if rule.storeys_above is not None else ""
        at_most = fmt(rule.storeys_at_most) if rule.storeys_at_most is not None else ""
        if np.isnan(n):
            msg = t("pilot_storeys_unknown", lang, above=above)
        else:
            own = f"pilot_msg_{rule.id}"  # a rule's own wording, where the catalogue has one
            key = own if has_message(own) else f"pilot_storeys_{rule.severity}"
            msg = t(key, lang, n=fmt(n), above=above, at_most=at_most)
        return Finding(rule=rule.id, severity=severity, article=article_label(rule.article, lang, rule.article_zh),
                       message=msg, **texts)
    s = a.station
    m = a.measurements
    kind_name = name(KIND_NAMES, a.kinds[i], lang)
    h = float(a.height_m[i])
    d = float(a.outcomes.distance_m[j, i])
    allowed = float(a.outcomes.allowed_m[j, i])
    exc = max(h - allowed, 0.0) if np.isfinite(h) and np.isfinite(allowed) else np.nan
    if rule.limit == "forbid" and rule.within_m == 0:
        msg = t("finding_body", lang, kind=kind_name)
    elif rule.limit == "forbid" and rule.where == "band" and rule.within_m is not None:  # parse_rule: always
        key = "finding_forbid" if severity == "fail" else "finding_forbid_review"
        msg = t(key, lang, kind=kind_name, d=fmt(d), within=fmt(rule.within_m))
    elif rule.limit == "forbid" and severity == "fail":
        msg = t("finding_forbid_area", lang, kind=kind_name, d=fmt(d))
    elif rule.limit in ("advise", "forbid"):
        msg = t("finding_advise", lang, kind=kind_name, d=fmt(d))
    elif not np.isfinite(h):
        msg = t("finding_height_unknown", lang, d=fmt(d), allowed=fmt(allowed))
    else:
        msg = t(f"finding_height_{severity}", lang, d=fmt(d), allowed=fmt(allowed), h=fmt(h),
                exc=fmt(exc))
    if (rule.where in ("general", "protected") and m.maybe_upwind is not None and m.maybe_upwind[i]
            and not m.in_protected[i]):
        msg = t("finding_maybe_upwind", lang, general=fmt(s.general_m),
                upwind=fmt(s.general_upwind_m)) + " " + msg
    return Finding(rule=rule.id, severity=severity, article=article_label(rule.article, lang, rule.article_zh), message=msg,
                   distance_m=_round(d), allowed_height_m=_round(allowed), height_m=_round(h),
                   exceedance_m=_round(exc), **texts)


def findings(a: Assessment, i: int, lang: str = "en") -> list[Finding]:
    """The findings of row ``i`` under the station's rules: one per rule that applies."""
    return [_finding(a, j, i, lang) for j in a.applied(i) if a.outcomes.rules[j].where != "area"]


def pilot_findings(a: Assessment, i: int, lang: str = "en") -> list[Finding]:
    """Findings of the pilot area row ``i`` is in (empty outside every area)."""
    return [_finding(a, j, i, lang) for j in a.applied(i) if a.outcomes.rules[j].where == "area"]


def assumptions(a: Assessment, i: int | None = None, lang: str = "en") -> list[str]:
    """What the results rest on (for row ``i``, or for the whole batch)."""
    s = a.station
    notes = [t("assume_flat", lang)]
    if s.position_is_default:
        notes.append(t("assume_position", lang, lat=s.latitude_deg, lon=s.longitude_deg,
                       source=s.position_source.get(lang)))
    notes.append(t("assume_rotation", lang, rot=fmt(s.field_rotation_deg),
                   source=s.sources.get("field", Text("")).get(lang)))
    if s.prevailing_wind_from_deg is None and s.general_upwind_m > s.general_m:
        notes.append(t("assume_no_wind", lang, general=fmt(s.general_m),
                       upwind=fmt(s.general_upwind_m)))
    if s.rules_incomplete:
        notes.append(t("assume_incomplete", lang))
    notes.append(t("assume_tolerance", lang, tol=f"{s.tolerance_m * 1000:g}"))
    rows = slice(None) if i is None else slice(i, i + 1)
    if a.is_line is not None and a.width_m is not None:
        line = a.is_line[rows] & a.ok[rows]
        edge = np.isin(a.kinds[rows], list(kinds_of_families(["road", "railway", "water"])))
        no_width = line & np.isnan(a.width_m[rows])
        if (no_width & edge).any():
            notes.append(t("assume_line_as_drawn", lang))
        widths = a.width_m[rows][line & ~np.isnan(a.width_m[rows])]
        if widths.size:
            notes.append(t("assume_line_width", lang, w=fmt(widths[0]), half=fmt(widths[0] / 2)))
    seen = set()
    for j, rule in enumerate(a.outcomes.rules):
        if rule.note and rule.note not in seen and (a.outcomes.outcome[j, rows] != NA).any():
            seen.add(rule.note)
            notes.append(t(rule.note, lang))
    limited = np.isfinite(a.max_height_m[rows]) & np.isnan(a.height_m[rows])
    if limited.any():
        notes.append(t("assume_no_height", lang))
    return notes


def pilot_assumptions(a: Assessment, i: int, lang: str = "en") -> list[str]:
    """What row ``i``'s pilot-area result rests on (boundary, use, storeys)."""
    pilot = a.pilot(i)
    if pilot is None:
        # Outside a provisional boundary is provisional too: the official one may differ.
        return [t("assume_provisional_outside", lang, name=p.name.get(lang), src=p.boundary_source)
                for p in a.zones.pilots if p.provisional]
    notes = []
    if pilot.provisional:
        notes.append(t("assume_provisional", lang, name=pilot.name.get(lang), src=pilot.boundary_source))
    if a.use_assumed[i]:
        notes.append(t("assume_use", lang))
    n = a.storeys[i]
    if np.isnan(a.storeys_given[i]) and not np.isnan(n):
        notes.append(t("assume_storeys", lang, h=fmt(a.proposals.height_m[i]),
                       sh=fmt(a.zones.storey_height_m or np.nan), n=fmt(n)))
    return notes


def pilot_summary(a: Assessment, i: int, lang: str) -> dict | None:
    """Row ``i``'s pilot-area part of a check result (None without pilot areas)."""
    from dataclasses import asdict

    if not a.zones.pilots:
        return None
    p = a.pilot(i)
    if p is None:
        return {"inside": False, "id": None, "name": None, "verdict": "pass", "storeys": None,
                "provisional_boundary": any(q.provisional for q in a.zones.pilots), "findings": []}
    return {
        "inside": True,
        "id": p.id,
        "name": p.name.get(lang),
        "verdict": VERDICTS[int(a.pilot_verdict_code[i]) - 1],
        "storeys": _round(a.storeys[i], 0),
        "use": a.uses[i],
        "provisional_boundary": p.provisional,
        "findings": [asdict(f) for f in pilot_findings(a, i, lang)],
    }


def consent_head(case: str, lang: str = "en") -> str:
    """The approval notice's headline for a case of
    :meth:`~geozones.core.engine.Assessment.consent_case` (``"inside"`` or ``"maybe"``)."""
    return t(f"consent_{case}", lang)


def notices(a: Assessment, i: int, lang: str = "en") -> list[str]:
    """The approval duty (Art. 14, 15.1) for a row inside the protection area (written consent
    needed) or possibly inside it (wind unknown: ask the authority), whatever its verdict;
    empty elsewhere."""
    case = str(a.consent_case()[i])
    if not case:
        return []
    s = a.station
    key = "notice_approval" if case == "inside" else "notice_approval_maybe"
    return [t(key, lang, head=consent_head(case, lang), upwind=fmt(s.general_upwind_m),
              d=fmt(float(a.measurements.distance_m[i])))]


def row_messages(a: Assessment, verdict: np.ndarray, lang: str) -> np.ndarray:
    """One short line per row: verdict · zone · permitted height · excess · pilot · rules.

    Built from parts shared by many rows (text per distinct verdict/zone and per distinct set
    of rules), so only the numbers are formatted row by row, and the parts of a row are
    joined in one pass. Rows not assessed get "".
    """
    ok = a.ok
    n = len(ok)
    sep = " · "
    unit = t("unit_m", lang)
    # verdict and zone as small integers (hashed by pandas' factorize, no string sorting)
    import pandas as pd

    v_code, v_names = pd.factorize(np.asarray(verdict, dtype=object))   # None: -1
    z_code, z_names = pd.factorize(np.asarray(a.zone, dtype=object))
    key = (v_code + 1) * (len(z_names) + 1) + (z_code + 1)
    v_all, z_all = [None, *v_names], [None, *z_names]
    heads = np.array([name(VERDICT_NAMES, str(v_all[k // (len(z_names) + 1)]), lang) + sep
                      + zone_name(a.station, str(z_all[k % (len(z_names) + 1)]), lang)
                      for k in range((len(v_names) + 1) * (len(z_names) + 1))], dtype=object)
    max_h = np.where(ok, a.max_height_m, np.nan)
    exc = np.where(ok, a.exceedance_m, np.nan)
    has_max = ok & ~np.isnan(max_h)
    limit_word, over_word = t("msg_max", lang), t("msg_over", lang)
    mx = np.full(n, "", dtype=object)
    mx[has_max] = [f"{sep}{limit_word} {v:.2f} {unit}" for v in max_h[has_max].tolist()]
    over = ok & (np.nan_to_num(exc) > 0)
    ov = np.full(n, "", dtype=object)
    ov[over] = [f"{sep}{over_word} {v:.2f} {unit}" for v in exc[over].tolist()]
    pil = np.full(n, "", dtype=object)
    storeys = a.storeys
    for i in np.flatnonzero(ok & a.in_pilot):
        p = a.pilot(int(i))
        assert p is not None  # in_pilot: the row touches a pilot area
        s = storeys[i]
        pil[i] = sep + p.name.get(lang) + ("" if np.isnan(s) else t("msg_storeys", lang, n=f"{s:.0f}"))
    # Art. 14, 15.1: inside the protection area, approval needs written consent; possibly
    # inside (wind unknown), ask the authority, with the reason
    case = a.consent_case()
    appr = np.full(n, "", dtype=object)
    appr[case == "inside"] = sep + consent_head("inside", lang)
    appr[case == "maybe"] = sep + t("consent_maybe_row", lang, head=consent_head("maybe", lang),
                                    upwind=fmt(a.station.general_upwind_m))
    group, sets = a.flag_groups
    tails = np.array(["" if not rules else sep + "; ".join(f"{r.id} ({article_label(r.article, lang, r.article_zh)})" for r in rules)
                      for rules in sets], dtype=object)[group]
    out = np.empty(n, dtype=object)
    out[:] = [f"{h}{m}{o}{q}{ap}{tl}" if k else ""
              for h, m, o, q, ap, tl, k in zip(heads[key].tolist(), mx.tolist(), ov.tolist(), pil.tolist(),
                                                appr.tolist(), tails.tolist(), ok.tolist())]
    return out


class Results(Assessment):
    """An :class:`~geozones.core.engine.Assessment` with its words: what
    :func:`geozones.assess` returns. The methods call this module's functions."""

    @classmethod
    def of(cls, a: Assessment) -> Results:
        return cls(a.zones, a.proposals, a.measurements, a.outcomes)

    def findings(self, i: int, lang: str = "en") -> list[Finding]:
        return findings(self, i, lang)

    def pilot_findings(self, i: int, lang: str = "en") -> list[Finding]:
        return pilot_findings(self, i, lang)

    def assumptions(self, i: int | None = None, lang: str = "en") -> list[str]:
        return assumptions(self, i, lang)

    def pilot_assumptions(self, i: int, lang: str = "en") -> list[str]:
        return pilot_assumptions(self, i, lang)

    def notices(self, i: int, lang: str = "en") -> list[str]:
        return notices(self, i, lang)

    def to_frame(self, lang: str = "en"):
        """The results as a pandas DataFrame, one row per proposal, in input order.

        Columns: ``kind``, ``verdict`` (None where not assessed), ``zone``, ``distance_m``,
        ``max_height_m``, ``height_m``, ``exceedance_m`` [m], ``in_sun_sector``, ``in_pilot``,
        ``storeys``, ``rules`` (ids, comma-separated) and ``problem`` (why a row was not
        assessed, in ``lang``). For the ``gz_*`` columns of ``screen`` on a GeoDataFrame use
        :func:`geozones.assess_frame`.
        """
        import pandas as pd

        ok = self.ok
        group, sets = self.flag_groups
        rules = np.array([",".join(r.id for r in rs) for rs in sets], dtype=object)[group]
        return pd.DataFrame({
            "kind": np.where(ok, self.kinds, NONE),
            "verdict": self.verdict,
            "zone": self.zone,
            "distance_m": np.where(ok, self.measurements.distance_m, np.nan),
            "max_height_m": np.where(ok, self.max_height_m, np.nan),
            "height_m": np.where(ok, self.height_m, np.nan),
            "exceedance_m": np.where(ok, self.exceedance_m, np.nan),
            "in_sun_sector": np.where(ok, self.measurements.in_sun_sector, False),
            "in_pilot": np.where(ok, self.in_pilot, False),
            "storeys": np.where(ok, self.storeys, np.nan),
            "rules": np.where(ok, rules, ""),
            "problem": [None if p is None else p.localized(lang) for p in self.problems],
        })
