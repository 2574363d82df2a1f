"""Bilingual text from data files (names, quotes, sources): one type for every such field.

Words made by geozones itself live in :mod:`geozones.text`; a :class:`Text` carries text that
comes from a station or pilot file, in English and Chinese.
"""

from __future__ import annotations

__all__ = ["Text", "Key", "row_number"]


def row_number(index: int) -> int:
    """An input row's number as a person counts it, the first row 1, from its position
    counted from 0 (``gz_row``, the ``row`` of ``screen --report``): the one place that
    converts, for every message, summary and sheet that names a row (``第 1 行``, ``row 1``).

    >>> row_number(0), row_number(41)
    (1, 42)
    """
    return int(index) + 1


class Text(str):
    """A string that is its English text and also carries a Chinese one.

    Being a ``str`` (the English), it works wherever text is expected; ``get(lang)`` picks
    the language and ``zh`` is the Chinese (the English when the file gives none).

    Parameters
    ----------
    en : str
        The English text.
    zh : str, optional
        The Chinese text (default: the English).

    Examples
    --------

    >>> name = Text("Jiangxian station", "绛县气象站")
    >>> name, name.get("zh"), name.get("en"), Text("only English").zh
    ('Jiangxian station', '绛县气象站', 'Jiangxian station', 'only English')
    """

    zh: str

    def __new__(cls, en: str, zh: str | None = None) -> Text:
        obj = super().__new__(cls, en)
        obj.zh = en if zh is None else zh
        return obj

    def __init__(self, en: str, zh: str | None = None) -> None:  # the signature documented above
        super().__init__()

    def __reduce__(self):  # pickles (e.g. to dask workers) with both languages
        return (Text, (str(self), self.zh))

    @property
    def en(self) -> str:
        return str(self)

    def get(self, lang: str = "en") -> str:
        """The text in ``lang`` ("zh" for Chinese; any other language gets English)."""
        return self.zh if lang == "zh" else str(self)


class Key(str):
    """A message key standing for words in a parameter of another message (e.g. the
    ``what`` of "{what} '{value}' is not a number"), with its own parameters, if any:
    the core says what it means in a code and numbers, :func:`geozones.text.t` words it.

    >>> Key("word_height"), Key("expect_finite", range="x ≥ 0").params
    (Key('word_height'), {'range': 'x ≥ 0'})
    """

    params: dict[str, object]

    def __new__(cls, key: str, **params: object) -> Key:
        obj = super().__new__(cls, key)
        obj.params = params
        return obj

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Key({str(self)!r}{args})"
