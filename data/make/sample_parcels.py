"""Generate the sample parcel file data/sample/parcels.gpkg (deterministic).

    python data/make/sample_parcels.py

About 400 land parcels in blocks around the Jiangxian station, plus a residential quarter
inside Pinglu's pilot area, in CGCS2000 Gauss-Krüger zone 37 (EPSG:4546) as county survey
data is, with Chinese attribute names and values: 编号 (id), 名称 (name), 类型 (kind),
用途 (use), 高度 (height, m), 层数 (storeys). A few rows are awkward on purpose (a
self-intersecting outline, a missing height, an unknown type) to show how screening reports
them. Not real parcels.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

OUT = Path(__file__).resolve().parents[1] / "sample" / "parcels.gpkg"
STATION = (111.571, 35.504)
PINGLU = (111.206, 34.838)


def _to_4546(lon0: float, lat0: float, geoms: list) -> np.ndarray:
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=GRS80 +units=m")
    tr = Transformer.from_crs(local, CRS.from_epsg(4546), always_xy=True)
    return shapely.transform(np.array(geoms, dtype=object), lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))


def station_parcels(rng: np.random.Generator) -> list[dict]:
    rows = []
    kinds = [("建筑物", "住宅", 0.55), ("建筑物", "公共建筑", 0.15), ("构筑物", None, 0.05),
             ("道路", None, 0.08), ("水体", None, 0.04), ("植被", None, 0.06), ("工业用地", None, 0.04),
             ("垃圾场", None, 0.03)]
    probs = np.array([k[2] for k in kinds])
    n = 0
    for bx in range(-6, 7):
        for by in range(-6, 7):
            if abs(bx) <= 0 and abs(by) <= 0:
                continue  # the station's own block
            cx, cy = bx * 450.0 + rng.uniform(-60, 60), by * 450.0 + rng.uniform(-60, 60)
            for _ in range(int(rng.integers(1, 4))):
                k = kinds[int(rng.choice(len(kinds), p=probs))]
                w, h = rng.uniform(20, 90), rng.uniform(15, 60)
                x, y = cx + rng.uniform(-150, 150), cy + rng.uniform(-150, 150)
                storeys = int(rng.integers(1, 19)) if k[0] == "建筑物" else None
                height = round(storeys * 3.0 + rng.uniform(0, 2), 1) if storeys else (
                    round(float(rng.uniform(15, 60)), 1) if k[0] == "构筑物" else
                    round(float(rng.uniform(2, 12)), 1) if k[0] == "植被" else None)
                n += 1
                rows.append({"编号": f"JX-{n:04d}", "名称": f"{k[1] or k[0]}地块{n}", "类型": k[0],
                             "用途": k[1] or "", "高度": height, "层数": storeys,
                             "geometry": shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)})
    # a parcel right beside the field, a tower in the sunrise direction, a road 40 m south
    rows.append({"编号": "JX-9001", "名称": "观测场旁仓库", "类型": "建筑物", "用途": "公共建筑", "高度": 6.0,
                 "层数": 2, "geometry": shapely.box(20, -10, 45, 10)})
    rows.append({"编号": "JX-9002", "名称": "通信铁塔", "类型": "构筑物", "用途": "", "高度": 45.0,
                 "层数": None, "geometry": shapely.box(420, -5, 430, 5)})
    rows.append({"编号": "JX-9003", "名称": "规划道路", "类型": "道路", "用途": "", "高度": None,
                 "层数": None, "geometry": shapely.box(-400, -60, 400, -52)})
    # awkward rows: a bow-tie outline, a missing height, an unknown type
    rows.append({"编号": "JX-9004", "名称": "自相交地块", "类型": "建筑物", "用途": "住宅", "高度": 12.0,
                 "层数": 4, "geometry": shapely.Polygon([(600, 600), (660, 640), (660, 600), (600, 640)])})
    rows.append({"编号": "JX-9005", "名称": "缺高度地块", "类型": "建筑物", "用途": "住宅", "高度": None,
                 "层数": None, "geometry": shapely.box(-700, 300, -660, 330)})
    rows.append({"编号": "JX-9006", "名称": "类型不明", "类型": "飞船", "用途": "", "高度": 10.0,
                 "层数": None, "geometry": shapely.box(-800, -800, -770, -780)})
    return rows


def pinglu_parcels(rng: np.random.Generator) -> list[dict]:
    rows = []
    for i in range(40):
        x, y = rng.uniform(-2500, 2500), rng.uniform(-1000, 1000)
        storeys = int(rng.choice([3, 4, 5, 6, 6, 6, 7, 9, 11, 12, 15, 18, 20]))
        rows.append({"编号": f"PL-{i + 1:04d}", "名称": f"平陆住宅{i + 1}", "类型": "建筑物", "用途": "住宅",
                     "高度": round(storeys * 3.0 + 0.6, 1), "层数": storeys,
                     "geometry": shapely.box(x, y, x + rng.uniform(30, 70), y + rng.uniform(12, 18))})
    return rows


def main() -> None:
    rng = np.random.default_rng(20241126)
    jx, pl = station_parcels(rng), pinglu_parcels(rng)
    geoms = np.concatenate([_to_4546(*STATION, [r.pop("geometry") for r in jx]),
                            _to_4546(*PINGLU, [r.pop("geometry") for r in pl])])
    gdf = gpd.GeoDataFrame(jx + pl, geometry=geoms, crs=4546)
    gdf["geometry"] = shapely.set_precision(gdf.geometry.values, 0.01, mode="pointwise")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    if OUT.exists():
        OUT.unlink()
    gdf.to_file(OUT, layer="parcels", engine="pyogrio")
    print(f"{OUT}: {len(gdf)} parcels")


if __name__ == "__main__":
    main()
