"""The assessment report (geozones/assessment_report.py), HTML and PDF.

The proposal is placed by construction: a 10 m square whose south edge is 200 m north of the
fence (outside the sun sectors), 25 m high. By Art. 12.3 (2) ⑥, H ≤ D / 10 = 20 m, so it
exceeds by 5 m and fails.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import square_north, to_wgs84

from geozones.assessment_report import has_cjk_font, report_file_names, report_for, safe_filename
from geozones.check import ZoneSet
from geozones.cli import main

if shutil.which("pdftoppm") is None:  # poppler-utils: installed by .ci/run
    raise RuntimeError("pdftoppm is missing: apt-get install poppler-utils")


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


@pytest.fixture(scope="module")
def proposal(frame):
    return to_wgs84(frame, square_north(200.0))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_report_says_what_the_planner_needs(zones, proposal, tmp_path, lang):
    out = tmp_path / "r.html"
    report_for(proposal, out, zones=zones, height=25.0, kind="building", lang=lang)
    page = out.read_text(encoding="utf-8")
    assert "20.00" in page and "5.00" in page and "200.00" in page  # permitted, exceedance, D
    assert ("不通过" if lang == "zh" else ">fail<") in page
    rule = zones.station.rule("height_ratio")
    article = "第十二条 3(2)⑥" if lang == "zh" else "Art. 12.3 (2) ⑥"  # the article in the page's language
    assert rule.article == "Art. 12.3 (2) ⑥" and article in page
    assert rule.quote_zh in page and rule.quote_en in page
    assert "未经气象主管部门书面同意" in page and "第十五条" in page  # Art. 14 and 15.1 verbatim
    assert len(re.findall(r'src="data:image/png;base64,', page)) == 2  # map and horizon
    assert "@page" in page and "size: A4" in page
    assert not re.search(r'(src|href)="https?://', page)  # self-contained
    assert "sha256" in page and "geozones" in page
    assert f"{proposal.exterior.coords[0][0]:.6f}" in page  # coordinates listed


def _not_blank(png: bytes) -> None:
    import io

    import matplotlib.image as mpimg

    img = mpimg.imread(io.BytesIO(png), format="png")[..., :3]
    ink = (img.mean(axis=2) < 0.9).mean()
    assert 0.02 < ink < 0.6 and len(np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 30


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_first_page_renders(zones, proposal, tmp_path, lang):
    out = tmp_path / "r.pdf"
    if lang == "zh" and not has_cjk_font():
        r = CliRunner().invoke(main, ["report", "--footprint", proposal.wkt, "--height", "25", "-o", str(out),
                                      "--lang", "zh"])
        assert r.exit_code == 3 and "fonts-noto-cjk" in r.output and not out.exists()
        return
    report_for(proposal, out, zones=zones, height=25.0, lang=lang)
    assert out.read_bytes()[:5] == b"%PDF-"
    png = subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(out)],
                         capture_output=True, check=True).stdout
    _not_blank(png)
    text = subprocess.run(["pdftotext", "-l", "2", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    # the words are real text in the PDF (a missing CJK font would give empty boxes)
    assert ("不通过" if lang == "zh" else "fail") in text and "20.00" in text


def test_safe_filename():
    assert safe_filename("../../etc/passwd", "x") == "etc_passwd"
    assert safe_filename("地块 A/7", "x") == "地块_A_7"
    assert safe_filename("...", "row3") == "row3"


def test_report_file_names_as_windows_and_macos_compare_them():
    """café in NFC and in NFD (as macOS stores it; the combining accent is no letter, so it is
    read composed) is one name; so are B and b; files already
    there and the index are never taken; LPT1 is a device on Windows."""
    ids = ["café", "cafe\u0301", "B", "b", "mine", "LPT1"]
    names = report_file_names(ids, [f"row{i}" for i in range(len(ids))], taken={"index.html", "MINE.html"})
    assert names == ["café.html", "café_2.html", "B.html", "b_2.html", "mine_2.html", "LPT1_2.html"]
    assert safe_filename("𠀀" * 80, "x") == "𠀀" * 50   # 4 bytes each: 200 bytes at most


def test_hostile_names_stay_text_of_the_report(proposal, tmp_path):
    """Issue 23 item 1: the station's name (from a station file, made from anyone's table) and
    the footprint label (a row id) are text of the page, as an HTML parser reads it: the
    title, the heading and the project table hold them as XML/HTML can (HOSTILE_TEXT's second
    column, worked by hand), and the page has no element they would have opened: its one script
    is the check's JSON (ledger add --from-report), data and not code, read whole."""
    import dataclasses
    from html.parser import HTMLParser

    from geometries import HOSTILE_TEXT

    from geozones.core.text import Text

    raw = " | ".join(t for t, _m in HOSTILE_TEXT.values())
    shown = " | ".join(m for _t, m in HOSTILE_TEXT.values())
    base = ZoneSet(pilots=())
    zones = ZoneSet(dataclasses.replace(base.station, name=Text(raw, raw)), pilots=())
    out = tmp_path / "r.html"
    report_for(proposal, out, zones=zones, height=25.0, label=raw[:200])
    texts: dict[str, str] = {}
    tags: list[str] = []
    scripts: list[dict] = []
    open_: list[str] = []

    class Page(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)
            if tag == "script":
                scripts.append(dict(attrs))
            if tag not in ("meta", "img", "br"):
                open_.append(tag)
                texts.setdefault(tag, "")

        def handle_endtag(self, tag):
            open_.pop()

        def handle_data(self, data):
            if open_ and open_[-1] in ("title", "h1", "td", "script"):
                texts[open_[-1]] += data

    p = Page(convert_charrefs=True)
    p.feed(out.read_text(encoding="utf-8"))
    p.close()
    assert texts["title"] == texts["h1"] == f"Assessment of a proposal near {shown}"
    # the one script element is the check's data (never run by a browser), its JSON whole
    assert scripts == [{"type": "application/json", "id": "geozones-check"}]
    assert json.loads(texts["script"])["max_height_m"] == 20.0   # D / 10, as the module says
    # the project table's first cell: the label as given, cut to 200 characters
    assert texts["td"].startswith(" | ".join(m for _t, m in HOSTILE_TEXT.values())[:150])
