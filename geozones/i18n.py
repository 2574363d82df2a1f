"""Every user-visible string, in English and Chinese (``lang="zh"``).

``t(key, lang, **params)`` formats one message; unknown languages fall back to English.
"""

from __future__ import annotations

from .core.text import Key, Text

__all__ = ["LANGS", "t", "has_message", "name", "text", "zone_name", "Key", "Text", "VERDICT_NAMES",
           "ZONE_NAMES", "KIND_NAMES"]

LANGS: tuple[str, ...] = ("en", "zh")

VERDICT_NAMES = {
    "pass": {"en": "pass", "zh": "通过"},
    "review": {"en": "review", "zh": "需审查"},
    "fail": {"en": "fail", "zh": "不通过"},
    "error": {"en": "error", "zh": "错误"},
    "info": {"en": "info", "zh": "提示"},
}
#: Zone names for station files without their own (schema /1); the protection range and
#: control belt are named with their distances, from the station (see :func:`zone_name`).
ZONE_NAMES = {
    "body": {"en": "observation field (body)", "zh": "观测场本体"},
    "protection": {"en": "construction protection range", "zh": "建设保护范围"},
    "control": {"en": "construction control belt", "zh": "建设控制地带"},
    "general": {"en": "general protection zone", "zh": "一般保护区"},
    "outside": {"en": "outside the protection zones", "zh": "保护区外"},
    "sunrise": {"en": "sunrise sector", "zh": "日出方向"},
    "sunset": {"en": "sunset sector", "zh": "日落方向"},
}
KIND_NAMES = {
    "building": {"en": "building", "zh": "建筑物"},
    "structure": {"en": "structure", "zh": "构筑物"},
    "road": {"en": "road", "zh": "道路"},
    "railway": {"en": "railway", "zh": "铁路"},
    "water": {"en": "water body", "zh": "水体"},
    "earthworks": {"en": "earthworks (blasting, quarrying, sand or soil taking)", "zh": "爆破/采石/挖砂/取土"},
    "vegetation": {"en": "vegetation", "zh": "植物"},
    "industrial": {"en": "industrial building", "zh": "工业建筑"},
    "transmitter": {"en": "mast or radio transmitter", "zh": "铁塔/基站/无线电发射台"},
    "powerline": {"en": "high-voltage line or pylon", "zh": "高压输电线/输电塔"},
    # --- issue 10: kinds ---
    "interference": {"en": "interference source", "zh": "干扰源"},
    "chimney": {"en": "chimney", "zh": "烟囱"},
    "boiler": {"en": "boiler house", "zh": "锅炉房"},
    "dangerous_goods": {"en": "dangerous-goods storage", "zh": "危险物品堆放/储存"},
    "mining": {"en": "quarry or mine", "zh": "采石场/矿山"},
    "drilling": {"en": "drilling", "zh": "钻探"},
    "burning": {"en": "burning", "zh": "焚烧"},
    "grazing": {"en": "grazing", "zh": "放牧"},
}

_MESSAGES: dict[str, dict[str, str]] = {
    # --- errors -------------------------------------------------------------------------
    "station_field": {
        "en": "station file {path}: field {field} must be {expected}; fix that field",
        "zh": "站点文件 {path}：字段 {field} 应为 {expected}，请修改该字段",
    },
    "station_missing": {
        "en": "station file {path} does not exist: pass --station with the path of a station file",
        "zh": "站点文件 {path} 不存在：请用 --station 指定站点文件路径",
    },
    "station_syntax": {
        "en": "station file {path} is not valid TOML ({why}): fix the line named",
        "zh": "站点文件 {path} 不是有效的 TOML（{why}）：请修改所指的行",
    },
    "crs_unknown": {
        "en": "unknown CRS '{crs}': give an EPSG code such as EPSG:4326 (lon/lat degrees) or EPSG:4546 (CGCS2000 Gauss-Krüger zone 37)",
        "zh": "无法识别的坐标系“{crs}”：请给出 EPSG 代码，如 EPSG:4326（经纬度）或 EPSG:4546（CGCS2000 高斯-克吕格 37 带）",
    },
    "axis_order": {
        "en": "axis order '{value}' unknown: use xy (easting/longitude first) or yx (northing/latitude first)",
        "zh": "坐标轴顺序“{value}”无效：请用 xy（先东坐标/经度）或 yx（先北坐标/纬度）",
    },
    "coords_swapped_geo": {
        "en": "coordinates in {crs} look like latitude and longitude swapped: put longitude first, or pass --axis-order {order}",
        "zh": "{crs} 坐标似乎经纬度颠倒：请先写经度，或使用 --axis-order {order}",
    },
    "coords_swapped_projected": {
        "en": "coordinates in {crs} look like northing first (surveyor X = northing): pass --axis-order {order}, or swap them",
        "zh": "{crs} 坐标似乎是北坐标在前（测量 X 为北坐标）：请使用 --axis-order {order}，或交换坐标顺序",
    },
    "coords_other_crs": {
        "en": "coordinates do not fit {crs} but fit {fit} (axis order {order}): pass --crs {fit} --axis-order {order}",
        "zh": "坐标与 {crs} 不符，但与 {fit}（轴序 {order}）相符：请使用 --crs {fit} --axis-order {order}",
    },
    "coords_not_degrees": {
        "en": "coordinates ({x}, {y}) are not degrees although {crs} is geographic: they look like projected metres; pass the CRS they are in, e.g. --crs EPSG:4546",
        "zh": "坐标 ({x}, {y}) 不是度，但 {crs} 是地理坐标系：它们像投影坐标（米），请指定实际坐标系，如 --crs EPSG:4546",
    },
    "coords_are_degrees": {
        "en": "coordinates ({x}, {y}) look like degrees although {crs} is projected (metres): pass --crs EPSG:4326",
        "zh": "坐标 ({x}, {y}) 像是经纬度，但 {crs} 是投影坐标系（米）：请使用 --crs EPSG:4326",
    },
    "coords_far": {
        "en": "the site is {km} km from the nearest station or pilot area (more than {limit_km} km): check --crs (given {crs}) and the axis order",
        "zh": "该地块距最近的气象站或试点区 {km} 公里（超过 {limit_km} 公里）：请检查 --crs（当前 {crs}）和坐标轴顺序",
    },
    "geometry_parse": {
        "en": "{what}: '{text}' is neither WKT nor an existing file: give WKT such as 'POLYGON((lon lat, ...))' or the path of a GeoJSON/GPKG/Shapefile/KML file",
        "zh": "{what}：“{text}”既不是 WKT 也不是已存在的文件：请给出 WKT（如 'POLYGON((经度 纬度, ...))'）或 GeoJSON/GPKG/Shapefile/KML 文件路径",
    },
    "geometry_empty": {
        "en": "{what}: the geometry is empty: give a point, line or polygon with coordinates",
        "zh": "{what}：几何为空：请给出有坐标的点、线或面",
    },
    "file_read": {
        "en": "cannot read {path}: {why}; check that it is a complete GeoJSON/GPKG/Shapefile/KML file",
        "zh": "无法读取 {path}：{why}；请检查文件是否为完整的 GeoJSON/GPKG/Shapefile/KML",
    },
    "file_no_features": {
        "en": "{path} has no features with a geometry: give a file with at least one",
        "zh": "{path} 中没有带几何的要素：请提供至少含一个要素的文件",
    },
    "file_no_crs": {
        "en": "{path} has no CRS: pass --crs with the CRS its coordinates are in",
        "zh": "{path} 没有坐标系信息：请用 --crs 指定其坐标系",
    },
    "crs_conflict": {
        "en": "{path} is in {file_crs} but --crs says {crs}: drop --crs (the file's own CRS is used) or reproject the file",
        "zh": "{path} 的坐标系是 {file_crs}，但 --crs 指定为 {crs}：请去掉 --crs（将使用文件自带坐标系）或先重投影",
    },
    "kind_unknown": {
        "en": "unknown kind '{kind}': use one of {choices}",
        "zh": "未知类型“{kind}”：请使用 {choices} 之一",
    },
    "height_invalid": {
        "en": "height {value}: must be a finite number of metres ≥ 0",
        "zh": "高度 {value}：应为不小于 0 的有限数值（米）",
    },
    "input_missing": {
        "en": "input {path} does not exist: check the path",
        "zh": "输入文件 {path} 不存在：请检查路径",
    },
    "csv_no_wkt": {
        "en": "{path} is a CSV: name its geometry column with --wkt-column (WKT text)",
        "zh": "{path} 是 CSV：请用 --wkt-column 指定几何列（WKT 文本）",
    },
    "column_missing": {
        "en": "{path} has no column '{column}': its columns are {columns}",
        "zh": "{path} 中没有“{column}”列：现有列为 {columns}",
    },
    "column_unwritable": {
        "en": "column '{column}' cannot be written to the output ({why}): drop it, or convert it to text, and run again",
        "zh": "“{column}”列无法写入输出（{why}）：请删除该列或将其转为文本后重试",
    },
    "tianditu_key": {
        "en": "Tianditu tiles need a key: pass --tianditu-key or set TIANDITU_KEY",
        "zh": "天地图底图需要密钥：请使用 --tianditu-key 或设置环境变量 TIANDITU_KEY",
    },
    "tiles_url": {
        "en": "--tiles '{tiles}' is neither one of {choices} nor a tile URL with {{z}}, {{x}} and {{y}}",
        "zh": "--tiles “{tiles}”既不是 {choices} 之一，也不是含 {{z}}、{{x}}、{{y}} 的瓦片地址",
    },
    "parcels_not_screened": {
        "en": "the parcels have no gz_verdict column: screen them first (geozones screen ... --map OUT.html)",
        "zh": "地块没有 gz_verdict 列：请先筛查（geozones screen ... --map 输出.html）",
    },
    "dem_missing": {"en": "DEM {path} does not exist: check --dem", "zh": "DEM 文件 {path} 不存在：请检查 --dem"},
    "dem_no_crs": {
        "en": "DEM {path} has no CRS: add one (e.g. gdal_edit.py -a_srs EPSG:4546) and try again",
        "zh": "DEM {path} 没有坐标系：请先设置坐标系（如 gdal_edit.py -a_srs EPSG:4546）",
    },
    "dem_outside": {
        "en": "the footprint lies outside the DEM {path}: give a DEM that covers the site",
        "zh": "地块位于 DEM {path} 范围之外：请提供覆盖该地块的 DEM",
    },
    "dem_nodata": {
        "en": "the DEM {path} has no data under the footprint ({cells} cells, all nodata): fill the gap or use another DEM",
        "zh": "DEM {path} 在地块下无数据（{cells} 个像元均为 nodata）：请补全或换用其他 DEM",
    },
    "dem_no_field": {
        "en": "the DEM {path} has no data at the field centre: pass --field-elevation station",
        "zh": "DEM {path} 在观测场中心无数据：请使用 --field-elevation station",
    },
    "horizon_nothing": {
        "en": "nothing to draw: give --buildings (footprints with heights) and/or --dem",
        "zh": "没有可绘制的内容：请提供 --buildings（带高度的建筑轮廓）和/或 --dem",
    },
    "dem_needed": {"en": "--mode {mode} needs --dem", "zh": "--mode {mode} 需要 --dem"},
    "assume_dem": {
        "en": "Terrain from {path}: ground under the footprint {ground} m (highest of {cells} cells), field {field} m ({field_source}); effective height = {h} + {ground} − {field} = {eff} m, elevations in {datum}.",
        "zh": "地形取自 {path}：地块下最高地面 {ground} 米（{cells} 个像元中最高），观测场 {field} 米（{field_source}）；有效高度 = {h} + {ground} − {field} = {eff} 米，高程基准：{datum}。",
    },
    "assume_dem_partial": {
        "en": "{nodata} of the {cells} DEM cells under the footprint have no data; the highest of the others is used.",
        "zh": "地块下 {cells} 个 DEM 像元中有 {nodata} 个无数据，取其余像元的最高值。",
    },
    # --- issue 11: nothing destroyed, nothing lost ---
    "output_is_input": {
        "en": "the output {path} is the input {input} (the same file, a link to it, a part of "
              "its shapefile or a name differing only in case): choose another output; an input "
              "is never replaced, not even with --overwrite",
        "zh": "输出 {path} 就是输入 {input}（同一文件、其链接、同一 Shapefile 的组成文件或仅大小写不同的文件名）："
              "请换一个输出文件；输入文件永不被覆盖，即使加 --overwrite",
    },
    "output_twice": {
        "en": "{path} and {other} are the same file: give each output its own name",
        "zh": "{path} 与 {other} 是同一个文件：请为每个输出指定不同的文件名",
    },
    "input_changed": {
        "en": "the input {path} changed while it was being read: nothing was written; run again "
              "when no other program is writing it",
        "zh": "输入 {path} 在读取过程中被修改：未写入任何输出；请在没有其他程序写入它时重新运行",
    },
    "interrupted": {
        "en": "interrupted by {signal}: nothing was written (temporary files removed)",
        "zh": "被 {signal} 中断：未写入任何输出（临时文件已删除）",
    },
    "layer_choose": {
        "en": "{path} has {n} layers ({layers}): choose one with --layer",
        "zh": "{path} 含 {n} 个图层（{layers}）：请用 --layer 选择其一",
    },
    "geometry_nonfinite": {
        "en": "coordinates not finite (NaN or infinite)",
        "zh": "坐标不是有限数（NaN 或无穷大）",
    },
    "geometry_failed": {
        "en": "geometry cannot be measured ({why})",
        "zh": "几何无法量算（{why}）",
    },
    "geometry_curve_failed": {
        "en": "curved geometry cannot be linearised ({why})",
        "zh": "曲线几何无法转为折线（{why}）",
    },
    "pilot_field": {
        "en": "pilot file {path}: field {field} must be {expected}; fix that field",
        "zh": "试点文件 {path}：字段 {field} 应为 {expected}，请修改该字段",
    },
    # --- a folder of stations (load_stations) ---
    "stations_empty": {
        "en": "station folder {path} holds no station file (*.toml): pass --stations with a folder of station files",
        "zh": "站点文件夹 {path} 中没有站点文件（*.toml）：请用 --stations 指定存放站点文件的文件夹",
    },
    "stations_duplicate_id": {
        "en": "station files {first} and {path} both have id '{id}': give each station its own [station].id",
        "zh": "站点文件 {first} 与 {path} 的站点编号均为“{id}”：请为每个站点设置不同的 [station].id",
    },
    # --- branch stations: many stations in one run (issue 15) ---
    "stations_none": {
        "en": "no station to check against: pass --stations with a folder of station files (*.toml)",
        "zh": "没有可用于核查的站点：请用 --stations 指定存放站点文件（*.toml）的文件夹",
    },
    "stations_and_station": {
        "en": "--station and --stations exclude each other: pass one station file with --station, or a folder of them with --stations",
        "zh": "--station 与 --stations 不能同时使用：单站用 --station 指定站点文件，多站用 --stations 指定文件夹",
    },
    "stations_dem": {
        "en": "--dem with --stations is not supported yet (the field elevation differs per station): run each station with --station and --dem",
        "zh": "暂不支持 --dem 与 --stations 同用（各站观测场高程不同）：请逐站使用 --station 与 --dem",
    },
    "stations_option": {
        "en": "{option} is not available with --stations yet: run it per station with --station",
        "zh": "{option} 暂不能与 --stations 同用：请逐站使用 --station",
    },
    "long_needs_stations": {
        "en": "--long needs --stations (it writes one row per parcel and station in reach)",
        "zh": "--long 须与 --stations 同用（按“地块 × 可及站点”逐行输出）",
    },
    "msg_no_station": {"en": "no station within {km} km", "zh": "{km} 公里内无气象站"},
    "msg_also_in_reach": {"en": "also in reach: {stations}", "zh": "其他可及站点：{stations}"},
    "sum_stations": {
        "en": "stations: {n}; (row, station) pairs assessed: {pairs}; rows in reach of no station: {none}",
        "zh": "站点数：{n}；已评估的“行 × 站点”组合：{pairs}；不在任何站点影响范围内的行：{none}",
    },
    "assume_sun_reach": {
        "en": "Many stations: the {angle}° sun-sector limit is evaluated out to {km} km from each station's fence for rows of unknown height (the limit there is {h} m, above any structure in China: the Shanghai Tower is 632 m) and out to H / tan {angle}° for a known height H; beyond that no station is quoted (--sun-reach).",
        "zh": "多站核查：对高度未知的行，日出日落方向 {angle}° 限制评估至各站围栏外 {km} 公里（该处限高 {h} 米，高于国内任何建筑，上海中心大厦为 632 米）；已知高度 H 的行评估至 H / tan {angle}°；超出此范围不再引用任何站点（--sun-reach）。",
    },
    "sum_long": {"en": "per-station rows: {path}", "zh": "逐站结果：{path}"},
    "check_governing": {
        "en": "Governing station: {station}; stations in reach: {stations}",
        "zh": "起决定作用的站点：{station}；可及站点：{stations}",
    },
    "check_no_station": {
        "en": "No station within {km} km: no station's zones or sun rule reach this proposal.",
        "zh": "{km} 公里内无气象站：没有任何站点的保护区或日出日落方向条款涉及本项目。",
    },
    "check_station_line": {
        "en": "{station}: {verdict} · {zone} · {d} m from the fence · permitted height {max}",
        "zh": "{station}：{verdict} · {zone} · 距围栏 {d} 米 · 允许高度 {max}",
    },
    "report_stations": {"en": "Stations in reach", "zh": "可及站点"},
    # --- end branch stations ---
    "station_unknown_key": {
        "en": "station file {path}: unknown field {field} (known: {known}); remove it or fix its spelling",
        "zh": "站点文件 {path}：未知字段 {field}（可用字段：{known}）；请删除或改正拼写",
    },
    "pilot_missing": {
        "en": "pilot file {path} does not exist: check the path of the pilot file",
        "zh": "试点文件 {path} 不存在：请检查试点文件路径",
    },
    "pilot_syntax": {
        "en": "pilot file {path} is not valid TOML ({why}): fix the line named",
        "zh": "试点文件 {path} 不是有效的 TOML（{why}）：请修改所指的行",
    },
    "pilot_unknown_key": {
        "en": "pilot file {path}: unknown field {field} (known: {known}); remove it or fix its spelling",
        "zh": "试点文件 {path}：未知字段 {field}（可用字段：{known}）；请删除或改正拼写",
    },
    "pilot_path_escape": {
        "en": "pilot file {path}: boundary '{boundary}' leaves the pilot file's folder; name a file in "
              "that folder (or pass --pilot-boundary)",
        "zh": "试点文件 {path}：边界“{boundary}”不在试点文件所在文件夹内；请指定该文件夹中的文件（或用 --pilot-boundary）",
    },
    "fail_on": {
        "en": "{n} of {rows} rows are {outcome} (--fail-on {outcome}): exit 4",
        "zh": "{rows} 行中有 {n} 行为 {outcome}（--fail-on {outcome}）：退出码 4",
    },
    "all_errors": {
        "en": "every row ({rows}) is an error, first: {why}; check --height-field, --kind-field, "
              "--crs and --encoding (output written, exit 5)",
        "zh": "全部 {rows} 行均为错误，第一行：{why}；请检查 --height-field、--kind-field、--crs 与 --encoding（已写出输出，退出码 5）",
    },
    "gz_clash": {
        "en": "{path} already has columns named like geozones' own: {columns}; rename them, or pass "
              "--replace-gz to replace them (re-screening a screened file)",
        "zh": "{path} 已有与 geozones 输出同名的列：{columns}；请改名，或加 --replace-gz 替换它们（重新筛查已筛查的文件）",
    },
    "row_text_undecodable": {
        "en": "text not valid {encoding}, read as {fallback}",
        "zh": "文本不是有效的 {encoding} 编码，已按 {fallback} 读取",
    },
    "assume_below_field": {
        "en": "The top ({eff} m) is below the observation field's ground: nothing obstructs; height used 0 m.",
        "zh": "顶部（{eff} 米）低于观测场地面：不构成遮挡；按 0 米计。",
    },
    "status_below_field": {"en": "top below field ground", "zh": "顶部低于观测场地面"},
    "output_exists": {
        "en": "{path} exists: pass --overwrite to replace it, or choose another output",
        "zh": "{path} 已存在：如需覆盖请加 --overwrite，或换一个输出文件",
    },
    "output_format": {
        "en": "cannot tell the format of {path} from its extension: use one of {choices}",
        "zh": "无法从扩展名判断 {path} 的格式：请使用 {choices} 之一",
    },
    "output_write": {
        "en": "cannot write {path}: {why}",
        "zh": "无法写入 {path}：{why}",
    },
    "worker_died": {
        "en": "a screening worker process stopped ({why}); nothing was written. If memory ran "
              "short, rerun with a smaller --chunk-size, or on threads with GEOZONES_PROCESSES=0",
        "zh": "筛查工作进程意外终止（{why}），未写入任何内容。如内存不足，请减小 --chunk-size 后重试，"
              "或设置 GEOZONES_PROCESSES=0 改用线程",
    },
    "boundary_missing": {
        "en": "pilot boundary {path} does not exist: pass --pilot-boundary with an existing file",
        "zh": "试点边界文件 {path} 不存在：请用 --pilot-boundary 指定已存在的文件",
    },
    "boundary_no_crs": {
        "en": "pilot boundary {path} has no CRS: save it with its CRS (a .prj for a shapefile) and try again",
        "zh": "试点边界 {path} 没有坐标系信息：请带坐标系保存（shapefile 需 .prj）后重试",
    },
    "boundary_not_polygon": {
        "en": "pilot boundary {path} is not a polygon layer: give a file of polygons",
        "zh": "试点边界 {path} 不是面图层：请提供面要素文件",
    },
    "boundary_invalid": {
        "en": "pilot boundary {path} is not a valid polygon ({why}): repair it in GIS (e.g. Fix geometries) and try again",
        "zh": "试点边界 {path} 不是有效的面（{why}）：请在 GIS 中修复几何后重试",
    },
    "boundary_area": {
        "en": "pilot boundary {path}: geodesic area {area} km², not {expected} km² (off by more than {tol}); check it is the right boundary",
        "zh": "试点边界 {path}：椭球面积 {area} 平方公里，而非 {expected} 平方公里（偏差超过 {tol}）；请确认边界是否正确",
    },
    "boundary_gcj": {
        "en": "pilot boundary {path} looks shifted into GCJ-02 (about {shift} m off against the {ref}): pass --pilot-boundary-crs GCJ-02, or convert it to WGS84 before use",
        "zh": "试点边界 {path} 似乎是 GCJ-02（火星坐标，相对{ref}偏移约 {shift} 米）：请使用 --pilot-boundary-crs GCJ-02，或先转换为 WGS84",
    },
    "use_unknown": {
        "en": "unknown use '{use}': use one of {choices}",
        "zh": "未知用途“{use}”：请使用 {choices} 之一",
    },
    "floors_invalid": {
        "en": "floors {value}: must be a whole number ≥ 1",
        "zh": "层数 {value}：应为不小于 1 的整数",
    },
    "pilot_storeys_fail": {
        "en": "{n} storeys, more than {above}: not allowed without strict justification.",
        "zh": "{n} 层，超过 {above} 层：未经严格论证不得建设。",
    },
    "pilot_storeys_review": {
        "en": "{n} storeys, above the {above}-storey norm.",
        "zh": "{n} 层，高于以 {above} 层为主的要求。",
    },
    "pilot_storeys_info": {
        "en": "{n} storeys (at most {at_most}): this applies.",
        "zh": "{n} 层（不超过 {at_most} 层）：适用本条。",
    },
    "pilot_storeys_unknown": {
        "en": "Storeys unknown (give floors or a height): at most {above} cannot be confirmed.",
        "zh": "层数未知（请给出层数或高度）：无法确认是否不超过 {above} 层。",
    },
    "assume_storeys": {
        "en": "Storeys estimated from height: round({h} m ÷ {sh} m) = {n}.",
        "zh": "层数由高度估算：{h} 米 ÷ {sh} 米取整 = {n} 层。",
    },
    "assume_use": {
        "en": "Use not given: treated as residential, the use the pilot rules concern.",
        "zh": "未给出用途：按居住建筑计（试点条款针对住宅）。",
    },
    "assume_provisional": {
        "en": "The {name} boundary is PROVISIONAL (the official one is not published): {src}.",
        "zh": "{name}边界为临时边界（官方边界未公布）：{src}。",
    },
    "row_not_number": {"en": "{what} '{value}' is not a number", "zh": "{what}“{value}”不是数值"},
    "row_negative": {"en": "{what} {value} is negative or infinite", "zh": "{what} {value} 为负数或无穷大"},
    "row_floors": {"en": "floors {value} is not a whole number ≥ 1", "zh": "层数 {value} 不是不小于 1 的整数"},
    "row_unknown": {"en": "{what} '{value}' unknown (use {choices})", "zh": "{what}“{value}”无法识别（可用：{choices}）"},
    "row_geom_unreadable": {"en": "geometry unreadable", "zh": "几何无法读取"},
    "row_geom_empty": {"en": "empty or null geometry", "zh": "几何为空"},
    "word_height": {"en": "height", "zh": "高度"},
    "word_floors": {"en": "floors", "zh": "层数"},
    "word_kind": {"en": "kind", "zh": "类型"},
    "word_use": {"en": "use", "zh": "用途"},
    # --- findings -----------------------------------------------------------------------
    "finding_forbid": {
        "en": "{kind} at {d} m from the fence, within {within} m: prohibited.",
        "zh": "{kind}距观测场围栏 {d} 米，位于 {within} 米范围内：禁止。",
    },
    "finding_body": {
        "en": "{kind} touches or lies inside the observation field: prohibited.",
        "zh": "{kind}触及或位于观测场内：禁止。",
    },
    "finding_advise": {
        "en": "{kind} at {d} m from the fence, inside the protected area: advisable to avoid; needs the meteorological authority's consent (Art. 7, 14).",
        "zh": "{kind}距观测场围栏 {d} 米，位于探测环境保护范围内：不宜建设，须事先征得气象主管机构书面同意（第七、十四条）。",
    },
    "finding_height_pass": {
        "en": "D = {d} m allows {allowed} m; proposed {h} m: complies.",
        "zh": "D = {d} 米，允许高度 {allowed} 米；拟建 {h} 米：符合。",
    },
    "finding_height_fail": {
        "en": "D = {d} m allows {allowed} m; proposed {h} m exceeds it by {exc} m.",
        "zh": "D = {d} 米，允许高度 {allowed} 米；拟建 {h} 米，超出 {exc} 米。",
    },
    "finding_height_review": {
        "en": "D = {d} m allows {allowed} m; proposed {h} m exceeds it by {exc} m: needs the meteorological authority's consent.",
        "zh": "D = {d} 米，允许高度 {allowed} 米；拟建 {h} 米，超出 {exc} 米：须征得气象主管机构同意。",
    },
    "finding_height_unknown": {
        "en": "D = {d} m allows {allowed} m; height not given, so compliance cannot be confirmed.",
        "zh": "D = {d} 米，允许高度 {allowed} 米；未给出高度，无法确认是否符合。",
    },
    # --- assumptions --------------------------------------------------------------------
    "assume_flat": {
        "en": "Flat ground: heights are taken as above the observation-field ground (no DEM given).",
        "zh": "假定地面平坦：高度按高于观测场地面计（未提供 DEM）。",
    },
    "assume_position": {
        "en": "Station position is the default ({lat:.4f} N, {lon:.4f} E) from {source}; replace it with the surveyed fence in the station file.",
        "zh": "气象站位置采用默认值（北纬 {lat:.4f}，东经 {lon:.4f}），来源：{source}；请在站点文件中改为实测位置。",
    },
    "assume_no_wind": {
        "en": "Prevailing wind direction unknown: the general zone is modelled as {general} m all round; the {upwind} m upwind sector is not drawn, so from {general} to {upwind} m the general zone's rules give review (the site may be upwind).",
        "zh": "主导风向未知：一般保护区按四周 {general} 米计，未划定上风方 {upwind} 米扇区；{general} 至 {upwind} 米之间按一般保护区条款判为需审查（可能位于上风方）。",
    },
    "assume_rotation": {
        "en": "Field rotation {rot}° from north (source: {source}).",
        "zh": "观测场方位按偏北 {rot}° 计（来源：{source}）。",
    },
    "assume_no_height": {
        "en": "Height not given: height limits are reported but compliance with them is not confirmed.",
        "zh": "未给出高度：仅给出限高，未判断是否符合。",
    },
    "assume_union": {
        "en": "{path} has {n} features: they are checked together as one proposal (use `geozones screen` to check each).",
        "zh": "{path} 含 {n} 个要素：按一个项目合并检查（逐个检查请用 `geozones screen`）。",
    },
    "assume_repaired": {
        "en": "The footprint was not a valid geometry ({why}); it was repaired with make_valid before checking.",
        "zh": "地块几何无效（{why}），已用 make_valid 修复后检查。",
    },
    "assume_crs_default": {
        "en": "No CRS given: coordinates read as {crs}.",
        "zh": "未指定坐标系：坐标按 {crs} 读取。",
    },
    "assume_general_height": {
        "en": "General zone height read as H ≤ D / 10 at review severity (Art. 13 (1) says only 'meet the national basic station standard').",
        "zh": "一般保护区高度按 H ≤ D/10 判定，超出为“需审查”（第十三条第(1)项仅要求“满足国家基本气象站标准”）。",
    },
    # --- report -------------------------------------------------------------------------
    "report_title": {"en": "geozones check — {station}", "zh": "geozones 检查 — {station}"},
    "report_verdict": {"en": "Verdict", "zh": "结论"},
    "report_zone": {"en": "Zone", "zh": "所在区域"},
    "report_distance": {"en": "Distance from fence", "zh": "距观测场围栏"},
    "report_max_height": {"en": "Permitted height", "zh": "允许高度"},
    "report_height": {"en": "Proposed height", "zh": "拟建高度"},
    "report_exceedance": {"en": "Exceedance", "zh": "超出"},
    "report_sun": {"en": "In sunrise/sunset sector", "zh": "位于日出/日落方向"},
    "report_findings": {"en": "Rules that apply", "zh": "适用条款"},
    "report_assumptions": {"en": "Assumptions", "zh": "假定"},
    "report_none": {"en": "none", "zh": "无"},
    "report_unlimited": {"en": "no height limit", "zh": "无高度限制"},
    "report_yes": {"en": "yes", "zh": "是"},
    "report_no": {"en": "no", "zh": "否"},
    "report_pilot": {"en": "Pilot area", "zh": "试点范围"},
    "report_pilot_outside": {"en": "outside every pilot area", "zh": "不在试点范围内"},
    "report_storeys": {"en": "storeys", "zh": "层"},
    "report_no_rules": {"en": "No rule of the station applies here.", "zh": "该处不适用气象站的任何条款。"},
    "unit_m": {"en": "m", "zh": "米"},
    # --- screen summary and horizon -----------------------------------------------------
    "sum_rows": {"en": "screened {n} rows → {out}", "zh": "已筛查 {n} 行 → {out}"},
    "sum_encoding": {"en": "attribute encoding: {enc}", "zh": "属性编码：{enc}"},
    "sum_verdicts": {"en": "verdicts: {counts}", "zh": "结论：{counts}"},
    "sum_worst": {"en": "worst exceedances:", "zh": "超出最多的行："},
    "sum_errors": {"en": "rows with errors: {n}", "zh": "出错行：{n}"},
    "sum_renamed": {"en": "fields renamed to fit shapefile's 10-byte names: {pairs}",
                    "zh": "为适应 shapefile 10 字节字段名而改名：{pairs}"},
    "sum_pilot": {
        "en": "pilot-area housing: {share} of floor area in buildings of ≤ {storeys} storeys (target ≥ {target}: {met})",
        "zh": "试点范围内住宅：{storeys} 层及以下建筑面积占 {share}（目标 ≥ {target}，{met}）",
    },
    "sum_met": {"en": "met", "zh": "达到"},
    "sum_not_met": {"en": "not met", "zh": "未达到"},
    "hz_highest": {"en": "{out}: highest obstruction {deg}°", "zh": "{out}：最大遮蔽仰角 {deg}°"},
    "hz_sun": {"en": "azimuths above {limit}° in the sunrise/sunset sectors ({article}): {list}",
               "zh": "日出/日落方向超过 {limit}° 的方位：{list}"},
    "hz_no_cjk_font": {
        "en": "no Chinese font found: diagram labels drawn in English (install fonts-noto-cjk for Chinese)",
        "zh": "未找到中文字体：图中文字以英文绘制（安装 fonts-noto-cjk 后可显示中文）",
    },
    "hz_other": {"en": "other azimuths above {limit}°: {list}", "zh": "其他方向超过 {limit}° 的方位：{list}"},
    # --- maps ---------------------------------------------------------------------------
    "map_title": {"en": "{station}: protection zones", "zh": "{station}气象探测环境保护范围"},
    "map_permitted": {"en": "Permitted height here", "zh": "此处允许高度"},
    "map_rule": {"en": "Set by", "zh": "依据"},
    "map_zone": {"en": "Zone", "zh": "区域"},
    "map_distance": {"en": "Distance from fence", "zh": "距观测场围栏"},
    "map_sun": {"en": "in a sunrise/sunset sector", "zh": "位于日出/日落方向"},
    "map_verdict": {"en": "Verdict", "zh": "结论"},
    "map_height": {"en": "Height", "zh": "高度"},
    "map_exceedance": {"en": "Exceedance", "zh": "超出"},
    "map_rules": {"en": "Rules", "zh": "条款"},
    "map_parcels": {"en": "Parcels (by verdict)", "zh": "地块（按结论着色）"},
    "map_contours": {"en": "Height limits (m)", "zh": "限高等值线（米）"},
    "map_station": {"en": "Station", "zh": "气象站"},
    "map_pilot": {"en": "Pilot area", "zh": "试点范围"},
    "map_click": {"en": "Click anywhere for the permitted height.", "zh": "点击地图任意处查看允许高度。"},
    "map_provisional": {"en": "provisional boundary", "zh": "临时边界"},
    # --- issue 9: words at the edge ---
    "msg_max": {"en": "max", "zh": "限高"},
    "map_tianditu": {"en": "Tianditu", "zh": "天地图"},
    "html_lang": {"en": "en", "zh": "zh-CN"},
    "msg_over": {"en": "over by", "zh": "超出"},
    "msg_storeys": {"en": " {n} storeys", "zh": " {n}层"},
    "word_warning": {"en": "warning", "zh": "警告"},
    "word_error": {"en": "error", "zh": "错误"},
    "zone_span": {"en": "{name} ({a}-{b} m)", "zh": "{name}"},
    "hz_sunrise": {"en": "sunrise sector", "zh": "日出方向"},
    "hz_sunset": {"en": "sunset sector", "zh": "日落方向"},
    "hz_obstruction": {"en": "obstruction seen from the field centre (instrument view)",
                       "zh": "障碍物遮蔽（自观测场中心，仪器视角）"},
    "hz_fence_angle": {"en": "angle from the fence, atan(H/D) (the plan's D, as check uses)",
                       "zh": "自围栏量距的仰角 atan(H/D)（规划口径，check 采用）"},
    "hz_fence_breaks": {"en": "breaks {article} (D from the fence)", "zh": "违反{article}（自围栏量距）"},
    "hz_limit": {"en": "{limit}° limit ({article})", "zh": "{limit}° 限值（{article}）"},
    "hz_title": {"en": "{station}: horizon obstruction", "zh": "{station} 地平圈障碍物遮蔽图"},
    # --- issue 14: maps, draw-and-check, reports ---
    "report_no_cjk_font": {
        "en": "{path}: a Chinese PDF needs a Chinese font and none is installed: install fonts-noto-cjk (Debian), or write -o report.html, or use --lang en",
        "zh": "{path}：中文 PDF 需要中文字体，但未安装：请安装 fonts-noto-cjk（Debian），或输出 -o report.html，或使用 --lang en",
    },
    "rpt_title": {"en": "Assessment of a proposal near {station}", "zh": "{station}周边拟建项目探测环境评估"},
    "rpt_subtitle": {"en": "Made by geozones from the station's protection plan; attach to the application",
                     "zh": "由 geozones 依据气象探测环境保护专项规划生成，可附于申请材料"},
    "rpt_project": {"en": "Project", "zh": "项目信息"},
    "rpt_footprint": {"en": "Footprint as given", "zh": "输入的用地范围"},
    "rpt_crs": {"en": "Coordinate reference system", "zh": "坐标系"},
    "rpt_height_used": {"en": "Height used (above the field ground)", "zh": "计算采用的高度（相对观测场地面）"},
    "rpt_size": {"en": "Area / length", "zh": "面积 / 长度"},
    "rpt_width": {"en": "Width (line, measured from its edges)", "zh": "宽度（线状，自边缘量距）"},
    "rpt_geometry": {"en": "Geometry", "zh": "几何类型"},
    "rpt_coords": {"en": "Coordinates (WGS84 / CGCS2000 degrees)", "zh": "坐标（WGS84 / CGCS2000 经纬度）"},
    "rpt_lon": {"en": "Longitude", "zh": "经度"},
    "rpt_lat": {"en": "Latitude", "zh": "纬度"},
    "rpt_more_vertices": {"en": "more vertices not listed", "zh": "个顶点未列出"},
    "rpt_result": {"en": "Result", "zh": "评估结论"},
    "rpt_rule": {"en": "Rule and article", "zh": "条款"},
    "rpt_text": {"en": "Article (Chinese original, English translation) and finding",
                 "zh": "条文（中文原文、英文译文）及结论"},
    "rpt_map": {"en": "The proposal in the zones", "zh": "拟建项目与保护范围位置图"},
    "rpt_map_caption": {"en": "Metres from the observation-field centre (x east, y north); zone edges as in the station file.",
                        "zh": "坐标为距观测场中心的米数（x 向东，y 向北）；保护范围边界取自站点文件。"},
    "rpt_horizon": {"en": "Obstruction seen from the observation field", "zh": "观测场视角的障碍物遮蔽"},
    "rpt_horizon_caption": {"en": "Elevation angle of the proposal's top by azimuth; sunrise/sunset sectors shaded; the dashed circle is the limit.",
                            "zh": "拟建项目顶部在各方位的遮蔽仰角；阴影为日出日落方向；虚线圆为限值。"},
    "rpt_proposal": {"en": "proposal", "zh": "拟建项目"},
    "rpt_axis_x": {"en": "east of the field centre [m]", "zh": "距观测场中心以东（米）"},
    "rpt_axis_y": {"en": "north of the field centre [m]", "zh": "距观测场中心以北（米）"},
    "rpt_duty": {"en": "Approval duty", "zh": "审批要求"},
    "rpt_duty_en": {"en": "Art. 14: departments approving a project that may affect the station's observation environment must first obtain the written consent of the meteorological authority with approval power; without it they may not approve. Art. 15.1: within the planned range, these requirements are a basis for project approval, planning permits and environmental impact assessment.",
                    "zh": ""},
    "rpt_duty_inside": {"en": "The proposal lies in the protection area or a sun sector: the approving department must obtain the meteorological authority's written consent before approval, whatever the verdict above.",
                        "zh": "拟建项目位于保护范围或日出日落方向内：无论上述结论如何，审批部门均须事先征得气象主管部门书面同意。"},
    "rpt_duty_outside": {"en": "The proposal lies outside the protection area and the sun sectors: Art. 14 consent is not required by these zones; keep this report with the application.",
                         "zh": "拟建项目位于保护范围和日出日落方向之外：依上述范围无需第十四条规定的书面同意；请将本报告附于申请材料。"},
    "rpt_versions": {"en": "Data and software", "zh": "数据与软件版本"},
    "rpt_station_file": {"en": "Station file", "zh": "站点文件"},
    "rpt_date": {"en": "Date", "zh": "日期"},
    "rpt_index_title": {"en": "Assessments of the rows that fail or need review", "zh": "不通过或需审查地块的评估报告"},
    "rpt_written": {"en": "{n} reports → {dir}", "zh": "已生成 {n} 份报告 → {dir}"},
    "map_bands": {"en": "Permitted height (m), for buildings", "zh": "建筑物允许高度（米）"},
    "map_band_zero": {"en": "0 (none)", "zh": "0（禁建）"},
    "map_bands_none": {"en": "No colour: no height limit. Bands include the limits that only ask for review (general zone, and out to the upwind reach while the prevailing wind is unknown); click for the rule.",
                       "zh": "无颜色：无高度限制。色带包括仅需审查的限值（一般保护区，以及最多风向未知时至上风方范围）；点击查看依据条款。"},
    "map_zones": {"en": "Zones", "zh": "保护区"},
    "map_contours_ratio": {"en": "Height-limit line, H = D × ratio (m)", "zh": "限高线，H = D × 比例（米）"},
    "map_contours_sun": {"en": "Height-limit line in the sun sectors, H = D × tan angle (m)",
                         "zh": "日出日落方向限高线，H = D × tan 角度（米）"},
    "map_drawn": {"en": "Drawn proposals", "zh": "绘制的拟建项目"},
    "map_legend": {"en": "Legend", "zh": "图例"},
    "map_search": {"en": "Find parcel by id or name", "zh": "按编号或名称查找地块"},
    "map_not_found": {"en": "not found", "zh": "未找到"},
    "map_places": {"en": "Parcels lie in several places:", "zh": "地块分布在多处："},
    "map_place": {"en": "{n} parcels at {where} ({fail} fail, {review} review)",
                  "zh": "{where}：{n} 个地块（{fail} 个不通过，{review} 个需审查）"},
    "map_show": {"en": "Show", "zh": "查看"},
    "map_draw_title": {"en": "Check a proposal", "zh": "检查拟建项目"},
    "map_draw_hint": {"en": "Draw it with the tools on the left (polygon, rectangle, line, point); set kind and height.",
                      "zh": "用左侧工具绘制（多边形、矩形、线、点），并选择类型、填写高度。"},
    "map_export": {"en": "Export GeoJSON", "zh": "导出 GeoJSON"},
    "map_clear": {"en": "Clear drawings", "zh": "清除绘制"},
    "map_pilot_note": {"en": "This drawing touches a pilot area: its storey rules are not evaluated in the page; run geozones check or geozones report.",
                       "zh": "该绘制涉及试点范围：页面不计算其层数规定，请使用 geozones check 或 geozones report。"},
    "map_zoom_in": {"en": "Zoom in", "zh": "放大"},
    "map_zoom_out": {"en": "Zoom out", "zh": "缩小"},
    "draw_cancel": {"en": "Cancel", "zh": "取消"},
    "draw_finish": {"en": "Finish", "zh": "完成"},
    "draw_undo": {"en": "Delete last point", "zh": "删除上一个点"},
    "draw_line": {"en": "Draw a line (road, railway, power line)", "zh": "绘制线（道路、铁路、输电线）"},
    "draw_polygon": {"en": "Draw a polygon", "zh": "绘制多边形"},
    "draw_rectangle": {"en": "Draw a rectangle", "zh": "绘制矩形"},
    "draw_point": {"en": "Place a point", "zh": "放置点"},
    "draw_tip_point": {"en": "Click the map to place the point.", "zh": "点击地图放置点。"},
    "draw_tip_start": {"en": "Click to start drawing.", "zh": "点击开始绘制。"},
    "draw_tip_cont": {"en": "Click to continue drawing.", "zh": "点击继续绘制。"},
    "draw_tip_close": {"en": "Click the first point to close the shape.", "zh": "点击第一个点闭合图形。"},
    "draw_tip_end": {"en": "Click the last point to finish the line.", "zh": "点击最后一个点结束绘制。"},
    "draw_tip_cross": {"en": "Edges cannot cross.", "zh": "边不能相交。"},
    "draw_tip_rect": {"en": "Click and drag to draw the rectangle.", "zh": "按住并拖动以绘制矩形。"},
    "draw_tip_release": {"en": "Release the mouse to finish.", "zh": "松开鼠标完成绘制。"},
    "map_rule_unsupported": {
        "en": "station {path}: rule {rule} uses where = '{where}' / limit = '{limit}', which the map page cannot evaluate (it knows {known}); use geozones check for it, or change the rule",
        "zh": "站点文件 {path}：条款 {rule} 使用 where = '{where}' / limit = '{limit}'，地图页面无法计算（仅支持 {known}）；请改用 geozones check，或修改该条款",
    },
    # --- issue 10: the plan as written (severity words, Art. 16, tolerance, widths, wind, approval) ---
    "finding_forbid_review": {
        "en": "{kind} at {d} m from the fence, within {within} m: should not be done; needs the meteorological authority's written consent (Art. 7, 14).",
        "zh": "{kind}距观测场围栏 {d} 米，位于 {within} 米范围内：不应实施，须事先征得气象主管机构书面同意（第七、十四条）。",
    },
    "finding_forbid_area": {
        "en": "{kind} at {d} m from the fence, inside the protection area (core and general zone): prohibited.",
        "zh": "{kind}距观测场围栏 {d} 米，位于气象探测环境保护范围内（核心及一般保护区）：禁止。",
    },
    "finding_maybe_upwind": {
        "en": "The prevailing wind is unknown and the site is beyond {general} m but within {upwind} m: it may be in the upwind general zone (Art. 11, 13), so this rule asks for review.",
        "zh": "主导风向未知，该处在 {general} 米以外、{upwind} 米以内：可能位于上风方一般保护区（第十一、十三条），按本条需审查。",
    },
    "notice_approval": {
        "en": "Inside the protection area: departments approving this project must first obtain the meteorological authority's written consent and may not approve without it (Art. 14); the plan's requirements are a basis for project approval (立项), planning permits and environmental impact assessment (Art. 15.1). This holds whatever the verdict.",
        "zh": "位于气象探测环境保护范围内：有关部门审批该项目前应当事先征得气象主管部门书面同意，未经同意不得审批（第十四条）；本规划的探测环境要求是项目立项、规划许可、环境影响评价的依据之一（第十五条第1项）。无论结论如何均适用。",
    },
    "notice_approval_maybe": {
        "en": "Possibly inside the protection area (the prevailing wind is unknown; the upwind general zone reaches 5000 m): ask the meteorological authority whether its written consent is needed (Art. 14, 15.1).",
        "zh": "可能位于气象探测环境保护范围内（主导风向未知，上风方一般保护区可达 5000 米）：请向气象主管部门确认是否须事先取得其书面同意（第十四条、第十五条第1项）。",
    },
    "assume_incomplete": {
        "en": "The plan's Annex 1 (the protection-standard table) and its maps (incl. the 1 km control map) are not published: the rules come from the plan's text and may be incomplete.",
        "zh": "规划附件1（保护标准表）及附图（含一公里控制区图）未公开：本工具的条款取自规划正文，可能不完整。",
    },
    "assume_tolerance": {
        "en": "Thresholds are decided with a tolerance of {tol} mm: a distance within it of a setback breaks the setback; a height within it of a limit meets the limit.",
        "zh": "阈值判定容差 {tol} 毫米：距离与退让距离相差在容差内即视为未满足退让；高度与限高相差在容差内视为符合。",
    },
    "assume_line_as_drawn": {
        "en": "A road, railway or water line without a width is measured as drawn; the plan measures from the subgrade or water's edge: give --width (check) or --width-field (screen).",
        "zh": "未给宽度的道路、铁路或水体线按所绘位置量算；规划自路基或水边量起：请用 --width（check）或 --width-field（screen）给出宽度。",
    },
    "assume_line_width": {
        "en": "The line is {w} m wide: measured from its edges, {half} m either side of the line as drawn.",
        "zh": "线宽 {w} 米：自两侧边缘（距所绘线各 {half} 米）量算。",
    },
    "width_invalid": {
        "en": "width {value}: must be a finite number of metres ≥ 0",
        "zh": "宽度 {value}：应为不小于 0 的有限数值（米）",
    },
    "row_width": {"en": "width {value} is not a number of metres ≥ 0", "zh": "宽度 {value} 不是不小于 0 的数值（米）"},
    "word_width": {"en": "width", "zh": "宽度"},
    "assume_provisional_outside": {
        "en": "Outside the {name} boundary, which is PROVISIONAL (the official one is not published, {src}): the site may be inside the official area.",
        "zh": "位于{name}临时边界之外（官方边界未公布，{src}）：该处可能在官方范围内。",
    },
    "pilot_msg_pilot_storeys_max": {
        "en": "{n} storeys, more than {above}: needs strict and full justification (应严格充分论证) — review, not a prohibition.",
        "zh": "{n} 层，超过 {above} 层：应严格充分论证——需审查，并非禁止。",
    },
    "pilot_msg_pilot_storeys_norm": {
        "en": "{n} storeys: the county promotes new housing mainly of 6 storeys (提倡…以6层为主) — a target for the housing mix, not a limit on this building.",
        "zh": "{n} 层：县城提倡新建住宅以6层为主——这是住宅结构的引导目标，不是对本栋建筑的限制。",
    },
    "report_notices": {"en": "Approval", "zh": "审批"},
    "msg_approval": {"en": "approval needs the meteorological authority's prior written consent (Art. 14, 15.1)",
                     "zh": "审批须事先征得气象主管部门书面同意（第十四条、第十五条第1项）"},
    "report_word": {"en": "the plan's word", "zh": "原文用语"},
    "report_reading": {"en": "our reading", "zh": "本项目理解"},
    "report_pilot_provisional": {"en": "the boundary is provisional", "zh": "边界为临时边界"},
    "sum_protected": {
        "en": "rows inside the protection area: {n} (approval needs the meteorological authority's written consent, Art. 14, 15.1); possibly inside (wind unknown): {maybe}",
        "zh": "位于保护范围内的行：{n}（审批须事先征得气象主管部门书面同意，第十四条、第十五条第1项）；可能位于其内（风向未知）：{maybe}",
    },
    "hz_fence_sun": {
        "en": "azimuths breaking the sun rule measured from the fence ({article}, D from the fence): {list}",
        "zh": "按围栏量距（{article}，D 自围栏量起）违反日出日落 {limit}° 条款的方位：{list}",
    },
    # --- issue 12: datums, CAD drawings, Python API, GIS outputs ---
    "assume_web_datum": {
        "en": "Coordinates read as WGS84 (GPS, Tianditu, CGCS2000 to within a metre). Numbers copied from Gaode/AMap or Tencent maps are GCJ-02 and from Baidu maps BD-09, hundreds of metres off here: pass --crs GCJ-02 or --crs BD-09 (crs=\"GCJ-02\" in Python).",
        "zh": "坐标按 WGS84 读取（GPS、天地图；与 CGCS2000 相差不到 1 米）。从高德或腾讯地图复制的坐标是 GCJ-02，从百度地图复制的是 BD-09，在此处相差数百米：请用 --crs GCJ-02 或 --crs BD-09（Python 中 crs=\"GCJ-02\"）。",
    },
    "assume_datum_changes": {
        "en": "Read as {datum} ({maps}) the same numbers give verdict {verdict} at {d} m from the fence (permitted height {allowed}).",
        "zh": "若按 {datum}（{maps}）读取，同一坐标的结论为{verdict}，距观测场围栏 {d} 米（允许高度 {allowed}）。",
    },
    "datum_maps_gcj": {"en": "Gaode/AMap, Tencent", "zh": "高德、腾讯地图"},
    "datum_maps_bd": {"en": "Baidu", "zh": "百度地图"},
    "assume_datum": {
        "en": "Coordinates read as {datum} and converted to WGS84 (iterated inverse, error below {tol} m).",
        "zh": "坐标按 {datum} 读取并转换为 WGS84（迭代反算，误差小于 {tol} 米）。",
    },
    "sum_datum": {
        "en": "input read as {datum}; output geometry written in WGS84 (EPSG:4326)",
        "zh": "输入按 {datum} 读取；输出几何已转换为 WGS84（EPSG:4326）",
    },
    "sum_crs_assumed": {
        "en": "coordinates read as WGS84 lon/lat (no --crs given); numbers from Gaode/Tencent need --crs GCJ-02, from Baidu --crs BD-09",
        "zh": "坐标按 WGS84 经纬度读取（未指定 --crs）；来自高德/腾讯地图的坐标请用 --crs GCJ-02，来自百度地图的请用 --crs BD-09",
    },
    "sum_datum_changes": {
        "en": "read as {datum}, {n} rows would get another verdict: check where the coordinates came from",
        "zh": "若按 {datum} 读取，有 {n} 行结论会不同：请核实坐标来源",
    },
    "dwg_refused": {
        "en": "{path} is a DWG drawing, which geozones cannot read: export it as DXF (AutoCAD: SAVEAS, file type DXF; or the free ODA File Converter) and pass the .dxf with --crs",
        "zh": "{path} 是 DWG 图纸，无法直接读取：请另存为 DXF（AutoCAD：另存为 SAVEAS，选择 DXF 格式；或用免费的 ODA File Converter 转换），再用 --crs 指定坐标系读取 .dxf",
    },
    "dxf_no_crs": {
        "en": "{path} is a DXF drawing, which carries no coordinate system: pass --crs, e.g. --crs EPSG:4546 (CGCS2000 Gauss-Krüger zone 37) or the CRS the drawing was made in",
        "zh": "{path} 是 DXF 图纸，不含坐标系信息：请用 --crs 指定，如 --crs EPSG:4546（CGCS2000 高斯-克吕格 37 带）或图纸所用坐标系",
    },
    "dxf_layer_missing": {
        "en": "{path} has no CAD layer '{layer}': use --layer with one of {layers}",
        "zh": "{path} 中没有图层“{layer}”：请用 --layer 指定以下图层之一：{layers}",
    },
    "assume_dxf": {
        "en": "{path}: {polygons} closed polylines read as polygons, {lines} open ones as lines; ignored: {ignored}.",
        "zh": "{path}：{polygons} 条闭合多段线按面读取，{lines} 条开放多段线按线读取；已忽略：{ignored}。",
    },
    "sum_dxf": {
        "en": "DXF: {polygons} polygons, {lines} lines; ignored: {ignored}",
        "zh": "DXF：{polygons} 个面，{lines} 条线；已忽略：{ignored}",
    },
    "frame_no_crs": {
        "en": "the {what} has no CRS: set one (gdf.set_crs(\"EPSG:4326\")) or pass crs=",
        "zh": "{what}没有坐标系：请先设置（gdf.set_crs(\"EPSG:4326\")）或传入 crs=",
    },
    "check_one_row": {
        "en": "check() takes one proposal, but the {what} has {n} rows: pass one row (gdf.iloc[[0]]) or use geozones.assess_frame for many",
        "zh": "check() 只检查一个项目，但{what}有 {n} 行：请传入一行（gdf.iloc[[0]]），多行请用 geozones.assess_frame",
    },
    "crs_conflict_arg": {
        "en": "the geometries are in {own} but crs={crs} was passed: drop crs= or reproject (to_crs) first",
        "zh": "几何坐标系为 {own}，但传入了 crs={crs}：请去掉 crs= 或先用 to_crs 转换",
    },
    "steps_band": {"en": "permitted {lo}–{hi} m", "zh": "允许高度 {lo}–{hi} 米"},
    "steps_zero": {"en": "nothing may stand", "zh": "不得建设"},
    # --- fixes: new-user review ---
    "dem_ignored_field_mode": {
        "en": "--dem is not used with --mode field (heights above the field ground): add --mode ground or --absolute",
        "zh": "--mode field（高于观测场地面的高度）不使用 --dem：请加 --mode ground 或 --absolute",
    },
    "sum_row": {"en": "row {row}", "zh": "第 {row} 行"},
    "sum_more": {"en": "… and {n} more (each row's gz_status says why)", "zh": "……另有 {n} 行（原因见各行 gz_status）"},
    "output_no_folder": {"en": "cannot write {path}: folder {folder} does not exist: create it or choose another -o",
                         "zh": "无法写入 {path}：文件夹 {folder} 不存在：请先创建，或换一个 -o"},
    "output_in_file": {"en": "cannot write {path}: {folder} is a file, not a folder",
                       "zh": "无法写入 {path}：{folder} 是文件，不是文件夹"},
    "output_is_folder": {"en": "cannot write {path}: it is a folder", "zh": "无法写入 {path}：它是一个文件夹"},
    "dem_not_raster": {
        "en": "cannot read DEM {path} as a raster ({why}): --dem takes a GeoTIFF or another raster GDAL reads, not a vector file",
        "zh": "无法将 DEM {path} 读作栅格（{why}）：--dem 需要 GeoTIFF 或 GDAL 可读的其他栅格，不能是矢量文件",
    },
    "height_column_none": {
        "en": "{path} has none of the height columns looked for ({looked}): name one with --height-field; its columns are {columns}",
        "zh": "{path} 没有默认的高度列（{looked}）：请用 --height-field 指定；其列为 {columns}",
    },
    "shapefile_mixed": {
        "en": "cannot write {path}: the input mixes points, lines and polygons and a shapefile holds one kind: write .gpkg or .fgb instead",
        "zh": "无法写入 {path}：输入混有点、线、面，而 shapefile 只能存一种：请改写为 .gpkg 或 .fgb",
    },
    "heightlimit_summary": {
        "en": "{path}: {size}×{size} cells of {res} m ({mode}); limited {limited}, nothing may stand {zero}, range {lo}–{hi} m",
        "zh": "{path}：{size}×{size} 个 {res} 米像元（{mode}）；有限高 {limited}，不得建设 {zero}，范围 {lo}–{hi} 米",
    },
    # --- registry branch (issue 15.3: station registry; map --stations) ---
    "registry_read": {
        "en": "cannot read the station table {path}: {why}; check the path",
        "zh": "无法读取台站表 {path}：{why}；请检查路径",
    },
    "registry_decode": {
        "en": "station table {path}: the text near line {row} is neither UTF-8 nor GBK (tried {encodings}): save the table as CSV UTF-8",
        "zh": "台站表 {path}：第 {row} 行附近的文字既非 UTF-8 也非 GBK（已尝试 {encodings}）：请将表格另存为 CSV UTF-8",
    },
    "registry_no_rows": {
        "en": "station table {path} has no header or no station rows: give a header line and one row per station (README \"Station registry\")",
        "zh": "台站表 {path} 没有表头或没有台站行：请给出表头行，每个台站一行（见 README“台站登记”）",
    },
    "registry_unknown_column": {
        "en": "station table {path}: unknown column '{column}' (known: {known}); rename or remove it",
        "zh": "台站表 {path}：未知列“{column}”（可用列：{known}）；请改名或删除",
    },
    "registry_duplicate_column": {
        "en": "station table {path}: column '{column}' appears twice; keep one",
        "zh": "台站表 {path}：列“{column}”出现了两次；请只保留一列",
    },
    "registry_missing_column": {
        "en": "station table {path}: column '{column}' is missing (required: {required}); add it",
        "zh": "台站表 {path}：缺少列“{column}”（必需列：{required}）；请添加",
    },
    "registry_row": {
        "en": "station table {path}, row {row}, column {column}: {problem}",
        "zh": "台站表 {path} 第 {row} 行，列 {column}：{problem}",
    },
    "registry_extra_cells": {
        "en": "the row has {n} cells but the header {m} columns: quote text that contains the delimiter",
        "zh": "该行有 {n} 个单元格，而表头只有 {m} 列：含分隔符的文字请加引号",
    },
    "registry_empty": {"en": "empty: fill it in", "zh": "为空：请填写"},
    "registry_not_number": {
        "en": "'{value}' is not a number: write decimal digits (e.g. 35.504, not 35°30′)",
        "zh": "“{value}”不是数字：请写十进制数（如 35.504，而非 35°30′）",
    },
    "registry_range": {
        "en": "{value} is out of range [{low}, {high}]: check the value and its unit",
        "zh": "{value} 超出范围 [{low}, {high}]：请检查数值及其单位",
    },
    "registry_swapped": {
        "en": "latitude {lat} and longitude {lon} look swapped: put the latitude (about 18-54 in China) in lat and the longitude (73-135) in lon",
        "zh": "纬度 {lat} 与经度 {lon} 似乎填反了：纬度（国内约 18–54）填入 lat，经度（73–135）填入 lon",
    },
    "registry_bad_id": {
        "en": "id '{value}' cannot be a file name: use letters, digits, _ and - only (e.g. the CMA number 53965)",
        "zh": "编号“{value}”不能用作文件名：只能用字母、数字、_ 和 -（如中国气象局站号 53965）",
    },
    "registry_bad_class": {
        "en": "class '{value}' is unknown: use one of {known}",
        "zh": "类别“{value}”无法识别：请用 {known} 之一",
    },
    "registry_duplicate_id": {
        "en": "id '{id}' was already given in row {first}: give each station its own id",
        "zh": "编号“{id}”已在第 {first} 行使用：请为每个台站设置不同的编号",
    },
    "registry_id_taken": {
        "en": "id '{id}' is already the id of {other}: choose another id or remove that file",
        "zh": "编号“{id}”已被 {other} 使用：请换一个编号或删除该文件",
    },
    "registry_wrote": {
        "en": "{path}: {name} ({cls}), {n} rules, {unconfirmed} of them unconfirmed",
        "zh": "{path}：{name}（{cls}），{n} 条规则，其中 {unconfirmed} 条未经核实",
    },
    "registry_done": {
        "en": "{n} station files written to {folder}",
        "zh": "已向 {folder} 写入 {n} 个站点文件",
    },
    "registry_col_id": {"en": "id", "zh": "编号"},
    "registry_col_name": {"en": "name", "zh": "名称"},
    "registry_col_class": {"en": "class", "zh": "类别"},
    "registry_col_lat": {"en": "lat", "zh": "纬度"},
    "registry_col_lon": {"en": "lon", "zh": "经度"},
    "registry_col_reach": {"en": "reach [m]", "zh": "影响范围[米]"},
    "registry_col_unconfirmed": {"en": "unconfirmed", "zh": "未核实"},
    "registry_col_file": {"en": "file", "zh": "文件"},
    "registry_list_note": {
        "en": "{n} stations; reach = the farthest zone or distance rule from the fence; the sun-sector rule reaches {sun} m",
        "zh": "共 {n} 个台站；影响范围 = 自围栏起最远的分区或距离规则；日出日落方向规则延伸至 {sun} 米",
    },
    "assume_class_default": {
        "en": "Some rules are the defaults of the station's national class (from the Jiangxian plan's words for a basic station), not this station's own protection plan.",
        "zh": "部分规则为该站所属国家台站类别的默认值（取自绛县规划对国家基本气象站的原文），并非本站自身的保护规划。",
    },
    "assume_unconfirmed": {
        "en": "Some rules are class defaults NOT confirmed from a regulation's text (confirmed = false in the station file, e.g. from a CMA template or memory of Order No. 623): check them with the meteorological authority.",
        "zh": "部分规则为未经法规原文核实的类别默认值（站点文件中 confirmed = false，如取自中国气象局模板或对国务院令第623号的记忆）：请向气象主管机构核实。",
    },
    "map_stations_title": {"en": "{n} weather stations", "zh": "{n} 个气象站"},
    "map_station_governing": {"en": "Governing station", "zh": "起控制作用的台站"},
    "map_stations_in_reach": {"en": "stations whose rules apply", "zh": "规则适用的台站"},
    "map_no_station": {
        "en": "no station's rule applies here (nearest: {name}, {km} km)",
        "zh": "此处不受任何台站规则约束（最近：{name}，{km} 公里）",
    },
    "map_stations_note": {
        "en": "Several stations: each is evaluated in its own frame; the worst verdict governs and the lowest permitted height applies.",
        "zh": "多个台站：各站在自身坐标系中分别判定；取最严的结论和最低的允许高度。",
    },
    "map_stations_opt_conflict": {
        "en": "--station and --stations both given: pass one station file or one folder",
        "zh": "同时给出了 --station 与 --stations：请只指定一个站点文件或一个文件夹",
    },
    # --- branch dask (issue 15 items 4-5): screening on dask, sorted GeoParquet ---
    # optional parts (geozones._optional): the extra that installs the missing package
    "missing_dask": {
        "en": "--engine dask needs dask and distributed: pip install 'geozones[dask]'",
        "zh": "--engine dask 需要 dask 与 distributed：请 pip install 'geozones[dask]'",
    },
    "missing_pdf": {
        "en": "PDF output needs weasyprint: pip install 'geozones[pdf]'",
        "zh": "PDF 输出需要 weasyprint：请 pip install 'geozones[pdf]'",
    },
    "missing_diagram": {
        "en": "diagrams and map images need matplotlib: pip install 'geozones[diagram]'",
        "zh": "图表和地图图像需要 matplotlib：请 pip install 'geozones[diagram]'",
    },
    "missing_cad": {
        "en": "DXF drawings need ezdxf: pip install 'geozones[cad]'",
        "zh": "读取 DXF 图纸需要 ezdxf：请 pip install 'geozones[cad]'",
    },
    "dask_scheduler": {
        "en": "cannot reach the dask scheduler at {address}: {why}; check the address (tcp://host:8786) and that the scheduler runs",
        "zh": "无法连接 {address} 的 dask 调度器：{why}；请检查地址（tcp://host:8786）及调度器是否在运行",
    },
    "dask_no_workers": {
        "en": "the dask scheduler at {address} has no workers; start some (dask worker {address})",
        "zh": "{address} 的 dask 调度器没有工作进程；请启动（dask worker {address}）",
    },
    "dask_input_whole": {
        "en": "{path}: {what} input is read whole and cannot be split among dask workers; use --engine local",
        "zh": "{path}：{what} 输入只能整体读取，无法分给 dask 工作进程；请用 --engine local",
    },
    "dask_options_need_engine": {
        "en": "--workers and --scheduler are for --engine dask; add it, or leave them out",
        "zh": "--workers 与 --scheduler 仅用于 --engine dask；请加上该选项，或去掉它们",
    },
    "dask_worker_input": {
        "en": "{path} on a dask worker is not the file this run reads (size or time differ): workers need the same file, on shared storage",
        "zh": "dask 工作进程上的 {path} 与本次读取的文件不同（大小或时间不符）：工作进程须读到同一文件（共享存储）",
    },
    "dask_worker_failed": {
        "en": "a dask worker failed on rows {start}–{stop} of {path}: {why}",
        "zh": "dask 工作进程处理 {path} 第 {start}–{stop} 行时失败：{why}",
    },
    "dask_long": {
        "en": "--long is written by the local engine only: drop --engine dask, or drop --long",
        "zh": "--long 仅由本地引擎写出：请去掉 --engine dask，或去掉 --long",
    },
    "engine_unknown": {
        "en": "unknown engine {engine}; choose one of: {choices}",
        "zh": "未知的引擎 {engine}；可选：{choices}",
    },
    "sort_parquet_only": {
        "en": "--sort {sort} is for GeoParquet output (.parquet), not {path}; choose hilbert or none",
        "zh": "--sort {sort} 仅用于 GeoParquet 输出（.parquet），不适用于 {path}；可选 hilbert 或 none",
    },
    "sum_sorted": {
        "en": "rows ordered along a Hilbert curve (--sort hilbert); gz_row holds each row's input position",
        "zh": "各行已按希尔伯特曲线排序（--sort hilbert）；gz_row 为各行在输入中的位置",
    },
}


class _Params(dict):
    """Format parameters; one not (yet) given shows as ``?`` instead of raising."""

    def __missing__(self, key: str) -> str:
        return "?"


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
    ``article_zh`` (``zh``) wins when given."""
    import re

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


def t(key: str, lang: str = "en", **params: object) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in."""
    entry = _MESSAGES[key]
    text = entry.get(lang) or entry["en"]
    # a parameter that is itself a message key (a word such as "height") is translated too
    params = {k: t(v, lang) if isinstance(v, Key) else v for k, v in params.items()}
    return text.format_map(_Params(params))


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


def has_message(key: str) -> bool:
    """True when the catalogue has ``key``."""
    return key in _MESSAGES


def name(table: dict[str, dict[str, str]], key: str, lang: str = "en") -> str:
    """A display name from one of the name tables (verdicts, zones, kinds)."""
    entry = table.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["en"]
