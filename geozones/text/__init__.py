"""Words: every user-visible string of geozones, in English and Chinese.

* :mod:`~geozones.text.catalogue`: the messages in ``messages/en.toml`` and ``messages/zh.toml``,
  read once; ``t(key, lang, **params)``, the name tables (verdicts, zones, kinds) and
  ``article_label``.
* :mod:`~geozones.text.explain`: findings, assumptions and one-line messages from an
  :class:`~geozones.core.engine.Assessment` (the core answers in codes and numbers).

A new message is a line in both files, under the same key (``tests/test_text.py`` checks
that each key and its ``{parameters}`` are the same in both).
"""

from __future__ import annotations

from .catalogue import (
    KIND_NAMES,
    LANGS,
    VERDICT_NAMES,
    ZONE_NAMES,
    Key,
    Text,
    article_label,
    from_english,
    has_message,
    name,
    needs_cjk,
    row_number,
    t,
    text,
    zone_name,
)
from .explain import (
    Finding,
    Results,
    assumptions,
    consent_head,
    findings,
    fmt,
    notices,
    pilot_assumptions,
    pilot_findings,
    pilot_summary,
    row_messages,
)

__all__ = ["LANGS", "t", "from_english", "row_number", "has_message", "name", "text", "zone_name", "article_label", "needs_cjk",
           "Key", "Text",
           "VERDICT_NAMES", "ZONE_NAMES", "KIND_NAMES",
           "Results", "Finding", "findings", "pilot_findings", "assumptions", "pilot_assumptions", "notices",
           "consent_head", "pilot_summary", "row_messages", "fmt"]
