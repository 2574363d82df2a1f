"""English and Chinese words (geozones/i18n.py): article labels, messages and assumptions in Chinese."""

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geozones.core.coords import from_frame


def _gdf(frame, geoms, **cols):
    out = from_frame(np.array(geoms, dtype=object), frame.crs, CRS.from_epsg(4546))
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(out, crs=4546), crs=4546)


def test_article_labels_in_chinese():
    from geozones.i18n import article_label

    # Art. N.M (k) ⑥: 第N条 M(k)⑥, numerals written out by hand
    assert article_label("Art. 12.3 (2) ⑥", "zh") == "第十二条 3(2)⑥"
    assert article_label("Art. 12.1", "zh") == "第十二条 1"
    assert article_label("Art. 13 (1); Art. 16.2", "zh") == "第十三条(1)；第十六条 2"
    assert article_label("Art. 12.3 (2) ④; Art. 10", "zh") == "第十二条 3(2)④；第十条"
    assert article_label("Art. 12.3 (2) ⑥", "en") == "Art. 12.3 (2) ⑥"


def test_check_and_gz_message_name_articles_in_chinese(frame):
    import geozones
    from geozones.i18n import article_label
    from geozones.pilot import load_pilots

    # 300 m north of the fence, 31 m: over H <= D / 10 = 30 m (Art. 12.3 (2) ⑥)
    g = _gdf(frame, [shapely.box(-5, 12.5 + 300, 5, 12.5 + 310)])
    r = geozones.check(g, height=31, lang="zh")
    arts = [f.article for f in r.findings]
    assert "第十二条 3(2)⑥" in arts and not any("Art." in a for a in arts)
    assert "Art." in geozones.assess_frame(g, height=31)["gz_message"].iloc[0]
    assert "Art." not in geozones.assess_frame(g, height=31, lang="zh")["gz_message"].iloc[0]
    rules = {x.id: x for p in load_pilots() for x in p.rules}
    chifeng = next(x for x in rules.values() if x.article.startswith("Chifeng"))
    assert article_label(chifeng.article, "zh", chifeng.article_zh).startswith("赤峰市 2023 年规划")
    assert article_label(chifeng.article, "en", chifeng.article_zh) == chifeng.article


def test_field_rotation_assumption_reads_source_zh_with_english_fallback(frame):
    import geozones
    from geozones.station import load_station

    g = _gdf(frame, [shapely.box(-5, 312.5, 5, 322.5)])
    zh = geozones.check(g, height=10, lang="zh").assumptions
    assert any("方位未知，假定为 0°" in a for a in zh) and not any("rotation unknown" in a for a in zh)
    en = geozones.check(g, height=10).assumptions
    assert any("rotation unknown, assumed 0°" in a for a in en)
    old = load_station("tests/data/station_v1.toml")  # an old file without source_zh still loads
    assert old.sources["field"].get("zh") == "Art. 12.1 (1); rotation unknown, assumed 0°"
