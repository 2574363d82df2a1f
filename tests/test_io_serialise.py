"""Text from inputs into files (geozones/io/serialise.py): each helper against values worked
out by hand from the format's own rules (XML 1.0's Char production and end-of-line handling,
JSON, TOML comments). The files themselves are tested where they are
written: station files (test_cli_stations.py), KML and QML (test_styles.py, test_io_vector.py),
CSV (test_io_csv.py), maps (test_maps.py), reports (test_assessment_report.py,
test_cli_screen.py)."""

from __future__ import annotations

import json
import tomllib

import pytest
from geometries import HOSTILE_TEXT

from geozones.io.serialise import TomlDocument, html_text, markup_safe, script_json


@pytest.mark.parametrize("label", list(HOSTILE_TEXT))
def test_markup_safe_is_what_xml_can_hold(label):
    text, as_markup = HOSTILE_TEXT[label]
    assert markup_safe(text) == as_markup


def test_html_text_escapes_the_five():
    assert html_text("<a href=\"x\" title='y'>&</a>") == "&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;&amp;&lt;/a&gt;"


def test_script_json_reads_back_and_cannot_end_a_script():
    value = {t: [t] for t, _m in HOSTILE_TEXT.values()}
    text = script_json(value)
    assert json.loads(text) == value
    for c in ("<", ">", "&", "\u2028", "\u2029"):
        assert c not in text


def test_toml_comments_stay_comments():
    doc = TomlDocument()
    doc.comment("line one\nkey = 1\r\n[table]\x00")
    doc.table("t")
    doc.kv("k", "v", comment="end\nother = 2")
    text = doc.text()
    assert tomllib.loads(text) == {"t": {"k": "v"}}
    assert text.startswith("# line one\ufffdkey = 1\ufffd\ufffd[table]\ufffd\n")
