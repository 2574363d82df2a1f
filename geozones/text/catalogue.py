"""The message catalogue: every word geozones itself writes, read from ``messages/<lang>.toml``.

``t(key, lang, **params)`` formats one message. The rules, as they were in ``geozones.i18n``:
a language without a file (``"fr"``) and a key its file leaves out are shown in English; a key
in no file raises :class:`KeyError`; a parameter not given shows as ``?``. Each file is read
once, on first use (a run in English never reads ``zh.toml``).

>>> t("dem_needed", "en", mode="ground"), t("dem_needed", "zh", mode="ground")
('--mode ground needs --dem', '--mode ground 需要 --dem')
>>> name(VERDICT_NAMES, "review", "zh"), name(KIND_NAMES, "tower", "zh")
('需审查', 'tower')
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator, Mapping
from importlib import resources

from ..core.text import Key, Text, row_number

__all__ = ["LANGS", "t", "from_english", "row_number", "has_message", "name", "text", "zone_name", "article_label", "needs_cjk", "Key",
           "Text", "VERDICT_NAMES", "ZONE_NAMES", "KIND_NAMES"]

#: The languages with a message file; ``--lang`` offers these.
LANGS: tuple[str, ...] = ("en", "zh")

#: Tables of display names (looked up with :func:`name`); every other table of a message file
#: is a group of messages (looked up by key alone with :func:`t`).
_NAME_TABLES = ("verdicts", "zones", "kinds")


@functools.cache
def _catalogue(lang: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The messages (key -> text) and name tables of ``lang``; empty for a language without a file."""
    if lang not in LANGS:
        return {}, {}
    source = resources.files(__package__).joinpath("messages", f"{lang}.toml")
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    names = {table: data.pop(table) for table in _NAME_TABLES}
    messages: dict[str, str] = {}
    for group, entries in data.items():
        for key, message in entries.items():
            if key in messages:
                raise ValueError(f"geozones/text/messages/{lang}.toml: message {key!r} is in [{group}] and in another table")
            messages[key] = message
    return messages, names


class _Names(Mapping[str, dict[str, str]]):
    """A name table of the catalogue as ``{key: {"en": ..., "zh": ...}}``, read on first use."""

    def __init__(self, table: str) -> None:
        self._table = table

    @functools.cached_property
    def _entries(self) -> dict[str, dict[str, str]]:
        per_lang = {lang: _catalogue(lang)[1][self._table] for lang in LANGS}
        return {key: {lang: per_lang[lang][key] for lang in LANGS if key in per_lang[lang]}
                for key in per_lang["en"]}

    def __getitem__(self, key: str) -> dict[str, str]:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


VERDICT_NAMES: Mapping[str, dict[str, str]] = _Names("verdicts")
#: Zone names for station files without their own (schema /1); the protection range and
#: control belt are named with their distances, from the station (see :func:`zone_name`).
ZONE_NAMES: Mapping[str, dict[str, str]] = _Names("zones")
KIND_NAMES: Mapping[str, dict[str, str]] = _Names("kinds")


class _Params(dict):
    """Format parameters; one not (yet) given shows as ``?`` instead of raising."""

    def __missing__(self, key: str) -> str:
        return "?"


def t(key: str, lang: str = "en", **params: object) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in.

    A parameter that is a :class:`~geozones.core.text.Key` (a word such as ``word_height``,
    or ``Key("expect_finite", range="x ≥ 0")`` with parameters of its own) is put into
    words too. Raises :class:`KeyError` when no message file has ``key``.
    """
    message = _catalogue(lang)[0].get(key) or _catalogue("en")[0].get(key)
    if message is None:
        raise KeyError(f"no message {key!r} in geozones/text/messages/en.toml")
    params = {k: t(v, lang, **v.params) if isinstance(v, Key) else v for k, v in params.items()}
    return message.format_map(_Params(params))


@functools.cache
def _templates(prefix: str) -> list[tuple[str, re.Pattern[str]]]:
    """The English messages whose key starts with ``prefix`` as patterns (each ``{name}`` a
    group), the longest literal text first, so the most specific template is tried first."""
    found = []
    for key, message in _catalogue("en")[0].items():
        if key.startswith(prefix):
            parts = re.split(r"\{(\w+)\}", message)
            pattern = "".join(f"(?P<{p}>.+?)" if i % 2 else re.escape(p) for i, p in enumerate(parts))
            found.append((-len("".join(parts[0::2])), key, re.compile(pattern, re.DOTALL)))
    return [(key, pattern) for _, key, pattern in sorted(found)]


def from_english(message: str, lang: str, prefix: str, nested: tuple[str, ...] = ("reason", "kind")) -> str:
    """Another program's English ``message`` (click's usage errors: ``prefix="click_"``) in
    ``lang``: the first English template under ``prefix`` that matches the whole message gives
    its key's text in ``lang``, the parameters in ``nested`` put into words the same way; a
    message no template matches is returned as it is.

    >>> from_english("Missing option '--footprint'.", "zh", "click_")
    "缺少选项 '--footprint'。"
    >>> from_english("Invalid value for '--lang': 'fr' is not one of 'en', 'zh'.", "zh", "click_")
    "'--lang' 的值无效：'fr' 不是 'en', 'zh' 之一。"
    """
    for key, pattern in _templates(prefix):
        found = pattern.fullmatch(message)
        if found:
            params = {k: from_english(v, lang, prefix, nested) if k in nested else v
                      for k, v in found.groupdict().items()}
            return t(key, lang, **params)
    return message


def has_message(key: str) -> bool:
    """True when the catalogue has ``key``."""
    return key in _catalogue("en")[0]


def name(table: Mapping[str, dict[str, str]], key: str, lang: str = "en") -> str:
    """A display name from one of the name tables (verdicts, zones, kinds); ``key`` itself
    when the table has no such name."""
    entry = table.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["en"]


def zone_name(station, zone: str, lang: str = "en") -> str:
    """What ``station`` calls ``zone`` (its file's ``[zones.names]``), else the catalogue's
    name, with the distance band for the protection range and control belt.

    >>> from geozones.station import load_station
    >>> zone_name(load_station(), "control"), zone_name(load_station(), "control", "zh")
    ('construction control belt (50-1000 m)', '建设控制地带')
    """
    names = getattr(station, "zone_names", None) or {}
    if zone in names:
        return names[zone].get(lang)
    base = name(ZONE_NAMES, zone, lang)
    if station is None or zone not in ("protection", "control"):
        return base
    a, b = station.zone_bounds_m[zone]
    return t("zone_span", lang, name=base, a=f"{a:g}", b=f"{b:g}")


def text(value: object, lang: str = "en") -> str:
    """Data text (a :class:`~geozones.core.text.Text`) in ``lang``; other values as they are."""
    return value.get(lang) if isinstance(value, Text) else str(value)


def needs_cjk(lang: str) -> bool:
    """True when text in ``lang`` needs a font with Chinese glyphs.

    >>> needs_cjk("zh"), needs_cjk("en")
    (True, False)
    """
    return any(ord(c) >= 0x2E80 for c in t("word_error", lang))


_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1–99 in Chinese numerals (十二, 二十, 十六)."""
    tens, ones = divmod(n, 10)
    if n < 10:
        return _CN_DIGITS[n]
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + ("" if ones == 0 else _CN_DIGITS[ones])


def article_label(article: str, lang: str = "en", zh: str = "") -> str:
    """An article label as the plan's reader writes it: unchanged in English; in Chinese
    ``Art. 12.3 (2) ⑥`` → ``第十二条 3(2)⑥``, ``Art. 13 (1); Art. 16.2`` → ``第十三条(1)；第十六条 2``.
    Labels without ``Art.`` (a pilot plan's ``§``) pass through; a rule row's own
    ``article_zh`` (``zh``) wins when given.

    >>> article_label("Art. 12.3 (2) ⑥", "zh"), article_label("Art. 12.3 (2) ⑥")
    ('第十二条 3(2)⑥', 'Art. 12.3 (2) ⑥')
    """
    if lang == "zh" and zh:
        return zh
    if lang != "zh" or "Art." not in article:
        return article

    def one(m: re.Match) -> str:
        head = f"第{_cn_number(int(m.group(1)))}条"
        return head + (f" {m.group(2)}" if m.group(2) else "")

    out = re.sub(r"Art\. (\d{1,2})(?:\.(\d+))?", one, article)
    out = re.sub(r"\s+(?=[(①-⑳])", "", out)
    return out.replace("; ", "；").replace(", ", "、")
