"""Text from inputs into files: the one place where a name, an id or a cell becomes part of a
file geozones writes.

Every writer that puts text it did not make itself (a station table's cells, a parcel file's
attributes, a station or pilot file's names and articles, a layer name, a row id) into a file
goes through here, so that the text stays text: it never closes a string, a tag, a comment or a
script, and never starts a key or a table. (A row id naming a report file goes through
:func:`geozones.assessment_report.report_file_names`.)

==========================  ==================================================================
file                        how
==========================  ==================================================================
TOML (station files)        :class:`TomlDocument`: tomlkit writes every value, comments are
                            comments (their control characters replaced)
XML (KML, QGIS QML)         :func:`xml_element` / :func:`xml_document`: ElementTree builds and
                            escapes; :func:`markup_safe` first
HTML (maps, reports)        :func:`html_text` (text and attribute values), :func:`page_text`
                            (also inside folium's JavaScript template literals),
                            :func:`script_json` (JSON inside ``<script>``; JSON text
                            as written: :func:`script_json_text`)
CSV                         :func:`write_csv_frame`: the csv module's quoting (through pandas);
                            cells are written as they are, formulas included (see below)
report file names           :func:`geozones.assessment_report.report_file_names` (their one
                            home: the id's letters and digits, no device name, no clash)
==========================  ==================================================================

What a format cannot hold is replaced, never dropped: XML 1.0 and HTML cannot carry NUL, the
other C0 control characters but tab and line feed, lone surrogates, U+FFFE and U+FFFF; each
becomes U+FFFD (the replacement character, �). A carriage return (CR LF, or CR alone) is
written as a line feed, as every XML and HTML parser reads it anyway. TOML and JSON escape
every character, so a station file and the map's data keep the text exactly.

CSV cells are written exactly as they are read, also when they begin with ``=``, ``+``, ``-``
or ``@`` (what a spreadsheet may take for a formula): a CSV geozones writes is data that
geozones, GIS software and pandas read back, and ids such as ``-12`` or ``+86 …`` must keep
their value. ``docs/exit-codes.md`` ("Text from inputs") tells how to open such a file in a
spreadsheet without evaluating anything.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

__all__ = ["REPLACEMENT", "markup_safe", "markup_safe_table", "html_text", "page_text", "script_json",
           "script_json_text", "xml_element", "xml_document", "TomlDocument", "write_csv_frame"]

#: What replaces a character a format cannot hold: U+FFFD REPLACEMENT CHARACTER.
REPLACEMENT = "\ufffd"
#: Characters XML 1.0 cannot hold (its ``Char`` production), which HTML parsers also refuse.
_NOT_XML = re.compile("[^\t\n\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: Characters a TOML comment cannot hold (control characters but tab; line breaks included).
_NOT_TOML_COMMENT = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def markup_safe(value: Any) -> str:
    """``value`` as text that XML and HTML can hold: line breaks as LF, every character XML 1.0
    has no place for as U+FFFD.

    >>> markup_safe("a\\r\\nb\\rc\\x00d\\x1fe\\ufffe😀")
    'a\\nb\\nc�d�e�😀'
    """
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub(REPLACEMENT, text)


def html_text(value: Any) -> str:
    """``value`` as HTML text or as an attribute value (quoted with ``"`` or ``'``):
    ``& < > " '`` as entities, after :func:`markup_safe`.

    >>> html_text('</script><b title="x">')
    '&lt;/script&gt;&lt;b title=&quot;x&quot;&gt;'
    """
    return html.escape(markup_safe(value), quote=True)


def page_text(value: Any) -> str:
    """Text made safe for every place folium puts it on the page: HTML text and attribute
    values (:func:`html_text`) and JavaScript template literals (folium's tooltips are
    `` `…` ``: backtick, ``$`` and backslash as entities, so ``${…}`` never runs). Leaflet
    shows the entities as the characters.

    >>> page_text("${alert(1)}`<b>")
    '&#36;{alert(1)}&#96;&lt;b&gt;'
    """
    return html_text(value).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def script_json(value: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: ``<``, ``>`` and ``&`` are written as
    ``\\u`` escapes, so no value can close the element or open another, and U+2028 and U+2029
    too (line terminators to older JavaScript engines). ``json.loads`` reads it back unchanged.

    >>> script_json({"n": "</script>\\u2028"})
    '{"n":"\\\\u003c/script\\\\u003e\\\\u2028"}'
    """
    return script_json_text(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False))


def script_json_text(text: str) -> str:
    """JSON text (as written, e.g. ``check --json``'s) made safe inside a ``<script>`` element
    as :func:`script_json` makes it: ``<``, ``>``, ``&``, U+2028 and U+2029 as ``\\u`` escapes,
    which can only stand inside JSON strings, so the JSON value is unchanged.

    >>> script_json_text('{"note": "</script><!--"}')
    '{"note": "\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def markup_safe_table(table: Any) -> Any:
    """An Arrow table whose text columns are :func:`markup_safe` (for GDAL's KML driver, which
    escapes ``& < > "`` but writes NUL-cut text and U+FFFE or control characters as they are,
    making the file unreadable to an XML parser). Other columns are kept."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = pc.replace_substring(col, "\r\n", "\n")
            col = pc.replace_substring(col, "\r", "\n")
            col = pc.replace_substring_regex(col, _NOT_XML_RE2, REPLACEMENT)
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=table.schema)


#: :data:`_NOT_XML` in RE2's syntax (Arrow's regular expressions).
_NOT_XML_RE2 = "[^\\t\\n\\x{20}-\\x{D7FF}\\x{E000}-\\x{FFFD}\\x{10000}-\\x{10FFFF}]"


# --- XML ---------------------------------------------------------------------------------------

def xml_element(parent: ET.Element | None, tag: str, text: Any = None, **attrib: Any) -> ET.Element:
    """A new element ``tag`` (under ``parent`` when given) with ``text`` and ``attrib``, each
    through :func:`markup_safe`; ElementTree escapes them when the document is written."""
    values = {k: markup_safe(v) for k, v in attrib.items()}
    el = ET.Element(tag, values) if parent is None else ET.SubElement(parent, tag, values)
    if text is not None:
        el.text = markup_safe(text)
    return el


def xml_document(root: ET.Element, doctype: str | None = None, declaration: bool = True) -> str:
    """The XML text of the tree under ``root`` (UTF-8), with the XML declaration and a
    ``doctype`` line (constant text of the format, never an input's) when given."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if declaration else ""
    if doctype:
        head += doctype + "\n"
    return head + ET.tostring(root, encoding="unicode") + "\n"


# --- TOML --------------------------------------------------------------------------------------

def _comment_safe(text: str) -> str:
    return _NOT_TOML_COMMENT.sub(REPLACEMENT, str(text))


class TomlDocument:
    """A TOML file built key by key, written by tomlkit (a TOML serialiser): every value is
    escaped by it, so no text of a value can end its string and start a key or a table; a
    comment's control characters (line breaks included) become U+FFFD, so a comment stays one
    comment line.

    >>> doc = TomlDocument()
    >>> doc.table("station")
    >>> doc.kv("name", 'A\\nbuildings.storey_height_m = 0.5', comment="from the table")
    >>> import tomllib
    >>> tomllib.loads(doc.text())["station"]["name"]
    'A\\nbuildings.storey_height_m = 0.5'
    """

    def __init__(self) -> None:
        import tomlkit

        self._tomlkit = tomlkit
        self._doc: Any = tomlkit.document()
        self._at: Any = self._doc

    def comment(self, text: str) -> None:
        """A comment line at the current place."""
        self._at.add(self._tomlkit.comment(_comment_safe(text)))

    def blank(self) -> None:
        """An empty line at the current place."""
        self._at.add(self._tomlkit.nl())

    def kv(self, key: str, value: Any, comment: str = "") -> None:
        """``key = value`` in the current table (a dict is written as an inline table), with an
        end-of-line ``comment``."""
        tk = self._tomlkit
        if isinstance(value, dict):
            item: Any = tk.inline_table()
            item.update(value)
        else:
            item = tk.item(value)
        if comment:
            item.comment(_comment_safe(comment))
        self._at.add(key, item)

    def table(self, dotted: str) -> None:
        """Start the table ``[dotted]`` (``"zones.names"``: a table in the table ``zones``,
        which must exist); the keys that follow go into it."""
        *parents, last = dotted.split(".")
        at = self._doc
        for p in parents:
            at = at[p]
        new = self._tomlkit.table()
        at.add(last, new)
        self._at = new

    def array_table(self, name: str) -> None:
        """Start a new table of the array of tables ``[[name]]``."""
        new = self._tomlkit.table()
        if name in self._doc:
            self._doc[name].append(new)
        else:
            self._doc.add(name, self._tomlkit.aot())
            self._doc[name].append(new)
        self._at = new

    def text(self) -> str:
        """The document as TOML text."""
        return self._tomlkit.dumps(self._doc)


# --- CSV ---------------------------------------------------------------------------------------

def write_csv_frame(frame: Any, path: str | Path | None = None, *, header: bool = True,
                    mode: str = "w") -> str | None:
    """A pandas frame as CSV (UTF-8, no index), by the csv module's quoting: a cell holding the
    delimiter, a quote or a line break is quoted, quotes doubled. Cells are written as they
    are (a leading ``=``, ``+``, ``-`` or ``@`` too: see the module's docstring). Returns the
    text when ``path`` is None."""
    return frame.to_csv(None if path is None else str(path), header=header, index=False,
                        encoding="utf-8", mode=mode)
