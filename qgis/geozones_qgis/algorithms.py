"""The three algorithms: each reads its parameters, calls ``geozones.api`` and writes what it
returns into QGIS's sink or raster. No rule is decided here: the verdicts, zones and limits
are the library's, as on the command line.

- ``geozones:screen``: the input's features with the ``gz_*`` fields of ``geozones screen``
  (:func:`geozones.api.assess_frame`, chunk by chunk), in the input's CRS, styled by verdict;
- ``geozones:zones``: the zone bands, sun sectors and pilot areas of ``geozones zones``
  (:func:`geozones.api.zone_layer`), styled by zone;
- ``geozones:heightlimit``: the permitted-height GeoTIFF of ``geozones heightlimit``
  (:func:`geozones.api.write_heightlimit`).
"""

import math
import os

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingUtils,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant
from qgis.PyQt.QtXml import QDomDocument

import geozones.api as gz
from geozones.errors import GeozonesError

LANGS = ("en", "zh")
#: Features screened at a time: progress and cancel are checked between chunks.
CHUNK = 500
_QVARIANT = {float: QVariant.Double, bool: QVariant.Bool, str: QVariant.String, int: QVariant.LongLong}


def crs_for_geozones(crs):
    """A QGIS CRS as geozones reads it: its EPSG code when it has one, else its WKT."""
    authid = crs.authid()
    if authid.upper().startswith("EPSG:"):
        return authid
    return crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED)


def _value(v):
    """A numpy/pandas value as a QGIS attribute: NaN and None are NULL."""
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _null(v):
    """A QGIS attribute as Python: NULL is None."""
    return None if isinstance(v, QVariant) and v.isNull() else v


def _station(alg, parameters, context):
    path = alg.parameterAsFile(parameters, "STATION", context)
    return gz.load_station(path or None)


def _lang(alg, parameters, context):
    return LANGS[alg.parameterAsEnum(parameters, "LANG", context)]


class _Style(QgsProcessingLayerPostProcessorInterface):
    """Applies a geozones QML style to the output layer QGIS loads on completion."""

    def __init__(self, qml):
        super().__init__()
        self.qml = qml

    def postProcessLayer(self, layer, context, feedback):
        apply_style(layer, self.qml)


def apply_style(layer, qml, name=None):
    """Give ``layer`` the QML style geozones writes (:mod:`geozones.styles`, through
    ``geozones.api``); with ``name``, also store it as the default style in the layer's
    GeoPackage (its ``layer_styles`` table, as ``geozones screen``/``zones`` do)."""
    doc = QDomDocument()
    doc.setContent(qml)
    layer.importNamedStyle(doc)
    layer.triggerRepaint()
    if name and layer.dataProvider().storageType() == "GPKG":
        layer.saveStyleToDatabase(name, "geozones default style", True, "")


class _Base(QgsProcessingAlgorithm):
    def createInstance(self):
        return type(self)()

    def group(self):
        return "geozones"

    def groupId(self):
        return "geozones"

    def _station_params(self):
        self.addParameter(QgsProcessingParameterFile(
            "STATION", "Station file (TOML; empty: the shipped Jiangxian station)", extension="toml",
            optional=True))
        self.addParameter(QgsProcessingParameterEnum("LANG", "Language of names and messages", options=list(LANGS),
                                                     defaultValue=0))

    def _styled(self, context, dest_id, qml, name):
        """Style the sink ``dest_id``: when QGIS loads it, and in its GeoPackage (postProcess)."""
        self._style = (dest_id, qml, name)
        if context.willLoadLayerOnCompletion(dest_id):
            self._post = _Style(qml)   # kept: QGIS holds no Python reference
            context.layerToLoadOnCompletionDetails(dest_id).setPostProcessor(self._post)

    def postProcessAlgorithm(self, context, feedback):
        style = getattr(self, "_style", None)
        if style is not None:
            dest_id, qml, name = style
            layer = QgsProcessingUtils.mapLayerFromString(dest_id, context)
            if isinstance(layer, QgsVectorLayer):
                apply_style(layer, qml, name)
        return {}


def _fields(types):
    fields = QgsFields()
    for name, t in types.items():
        fields.append(QgsField(name, _QVARIANT[t]))
    return fields


def _frame_types(gdf):
    """Python types of a GeoDataFrame's attribute columns (float, int, bool or str)."""
    import pandas as pd

    kinds = {"boolean": bool, "integer": int, "floating": float, "mixed-integer-float": float, "empty": str}
    # from the values present: a column of numbers with NULLs (a pilot area's from_m) is
    # object-typed in pandas and still a number
    return {str(c): kinds.get(pd.api.types.infer_dtype(gdf[c], skipna=True), str)
            for c in gdf.columns if c != gdf.geometry.name}


class ScreenAlgorithm(_Base):
    """``geozones:screen``."""

    def name(self):
        return "screen"

    def displayName(self):
        return "Screen proposals (geozones screen)"

    def shortHelpString(self):
        return ("Every feature of the input checked against the station's protection zones and the pilot "
                "areas, as `geozones screen` does: the input's fields plus gz_verdict, gz_zone, "
                "gz_distance_m, gz_max_height_m … in the input's CRS, coloured by verdict. Heights are metres "
                "above the observation-field ground; a feature without height or storeys is checked with an "
                "unknown height (review where height decides).")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(
            "INPUT", "Proposals", [QgsProcessing.TypeVectorAnyGeometry]))
        for key, label, kind in (("HEIGHT_FIELD", "Height field [m above the field ground]",
                                  QgsProcessingParameterField.Numeric),
                                 ("FLOORS_FIELD", "Storeys field", QgsProcessingParameterField.Numeric),
                                 ("KIND_FIELD", "Kind field (building, road, …; empty: building)",
                                  QgsProcessingParameterField.Any)):
            self.addParameter(QgsProcessingParameterField(key, label, parentLayerParameterName="INPUT",
                                                          type=kind, optional=True))
        self._station_params()
        self.addParameter(QgsProcessingParameterBoolean(
            "SUN", "Sun figures (minutes and sunshine hours hidden from the recorder; off for speed)",
            defaultValue=True))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", "Screened"))

    def processAlgorithm(self, parameters, context, feedback):
        import geopandas as gpd
        import shapely

        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, "INPUT"))
        picked = {key: self.parameterAsString(parameters, key, context) or None
                  for key in ("HEIGHT_FIELD", "FLOORS_FIELD", "KIND_FIELD")}
        lang = _lang(self, parameters, context)
        sun = self.parameterAsBoolean(parameters, "SUN", context)
        gz.use_cache_dir(gz.cache_dir_from(os.environ))   # the sun tables where the command line keeps them
        try:
            zones = gz.ZoneSet(_station(self, parameters, context))
            gz_types = gz.column_types(gz.output_columns(zones, sun=sun))
        except GeozonesError as err:
            raise QgsProcessingException(str(err)) from err
        ours = {c.lower() for c in gz_types}
        in_fields = source.fields()
        kept = [i for i in range(in_fields.count()) if in_fields.at(i).name().lower() not in ours]
        fields = QgsFields()
        for i in kept:
            fields.append(in_fields.at(i))
        for f in _fields(gz_types):
            fields.append(f)
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields, source.wkbType(),
                                             source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, "OUTPUT"))
        crs = crs_for_geozones(source.sourceCrs())
        used = [c for c in picked.values() if c]
        total = max(source.featureCount(), 0)   # -1: not known in advance
        done = 0

        def flush(batch):
            attrs = {c: [_null(f[c]) for f in batch] for c in used}
            geoms = [shapely.from_wkb(bytes(f.geometry().asWkb())) if f.hasGeometry() else None for f in batch]
            frame = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
            try:
                out = gz.assess_frame(frame, height_field=picked["HEIGHT_FIELD"], floors_field=picked["FLOORS_FIELD"],
                                      kind_field=picked["KIND_FIELD"], zones=zones, lang=lang, sun=sun)
            except GeozonesError as err:
                raise QgsProcessingException(str(err)) from err
            gz_values = out[list(gz_types)].to_numpy(dtype=object)
            for f, row in zip(batch, gz_values):
                feat = QgsFeature(fields)
                feat.setGeometry(f.geometry())
                feat.setAttributes([f.attributes()[i] for i in kept] + [_value(v) for v in row])
                sink.addFeature(feat, QgsFeatureSink.FastInsert)

        batch = []
        for feature in source.getFeatures():
            if feedback.isCanceled():
                break
            batch.append(feature)
            if len(batch) == CHUNK:
                flush(batch)
                done += len(batch)
                batch = []
                feedback.setProgress(100.0 * done / total if total else 0.0)
        if batch and not feedback.isCanceled():
            flush(batch)
            done += len(batch)
        feedback.setProgress(100.0)
        feedback.pushInfo(f"{done} of {total} features screened")
        self._styled(context, dest_id, gz.verdict_qml(QgsWkbTypes.geometryDisplayString(
            QgsWkbTypes.geometryType(source.wkbType()))), "geozones screen")
        return {"OUTPUT": dest_id}


class ZonesAlgorithm(_Base):
    """``geozones:zones``."""

    def name(self):
        return "zones"

    def displayName(self):
        return "Zone bands (geozones zones)"

    def shortHelpString(self):
        return ("The station's zone bands, sun sectors and the pilot areas as polygons, as `geozones zones` "
                "writes them: zone id, name, distance band from the fence (from_m, to_m) and article, "
                "coloured by zone.")

    def initAlgorithm(self, config=None):
        self._station_params()
        self.addParameter(QgsProcessingParameterCrs("CRS", "CRS of the output", defaultValue="EPSG:4326"))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", "Zones", QgsProcessing.TypeVectorPolygon))

    def processAlgorithm(self, parameters, context, feedback):
        import shapely

        crs = self.parameterAsCrs(parameters, "CRS", context)
        lang = _lang(self, parameters, context)
        try:
            frame = gz.StationFrame(_station(self, parameters, context))
            feedback.setProgress(10.0)
            layer = gz.zone_layer(frame, crs=crs_for_geozones(crs), lang=lang, pilots=gz.load_pilots())
        except GeozonesError as err:
            raise QgsProcessingException(str(err)) from err
        if feedback.isCanceled():
            return {}
        feedback.setProgress(60.0)
        types = _frame_types(layer)
        fields = _fields(types)
        sink, dest_id = self.parameterAsSink(parameters, "OUTPUT", context, fields, QgsWkbTypes.MultiPolygon, crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, "OUTPUT"))
        for row, geom in zip(layer[list(types)].to_numpy(dtype=object), layer.geometry.values):
            feat = QgsFeature(fields)
            g = QgsGeometry()
            g.fromWkb(shapely.to_wkb(geom))
            g.convertToMultiType()
            feat.setGeometry(g)
            feat.setAttributes([_value(v) for v in row])
            sink.addFeature(feat, QgsFeatureSink.FastInsert)
        feedback.setProgress(100.0)
        self._styled(context, dest_id, gz.zones_qml(layer["zone"], layer["name"]), "geozones zones")
        return {"OUTPUT": dest_id}


class _Canceled(Exception):
    pass


class HeightLimitAlgorithm(_Base):
    """``geozones:heightlimit``."""

    def name(self):
        return "heightlimit"

    def displayName(self):
        return "Permitted height raster (geozones heightlimit)"

    def shortHelpString(self):
        return ("The permitted height of a building above the observation-field ground in every cell of a "
                "square grid around the field, as `geozones heightlimit` writes it: 0 where nothing may "
                "stand, nodata where no height rule applies. EXTENT is half the grid's width from the field "
                "centre, in metres.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(
            "STATION", "Station file (TOML; empty: the shipped Jiangxian station)", extension="toml",
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "EXTENT", "Extent: half the grid's width around the field [m]", QgsProcessingParameterNumber.Double,
            defaultValue=3000.0, minValue=10.0, maxValue=100_000.0))
        self.addParameter(QgsProcessingParameterNumber(
            "RESOLUTION", "Cell size [m]", QgsProcessingParameterNumber.Double, defaultValue=5.0, minValue=0.1,
            maxValue=10_000.0))
        self.addParameter(QgsProcessingParameterCrs("CRS", "CRS of the grid (empty: the station's own frame)",
                                                    optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination("OUTPUT", "Permitted height"))

    def processAlgorithm(self, parameters, context, feedback):
        extent = self.parameterAsDouble(parameters, "EXTENT", context)
        resolution = self.parameterAsDouble(parameters, "RESOLUTION", context)
        crs = self.parameterAsCrs(parameters, "CRS", context)
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)

        def progress(done, total):
            if feedback.isCanceled():
                raise _Canceled
            feedback.setProgress(100.0 * done / total if total else 0.0)

        try:
            stats = gz.write_heightlimit(output, gz.StationFrame(_station(self, parameters, context)),
                                         resolution_m=resolution, extent_m=extent,
                                         crs=crs_for_geozones(crs) if crs.isValid() else None,
                                         overwrite=True, progress=progress)
        except _Canceled:
            feedback.pushInfo("canceled: nothing written")
            return {}
        except GeozonesError as err:
            raise QgsProcessingException(str(err)) from err
        feedback.pushInfo(f"{stats['size']} × {stats['size']} cells; {stats['zero']:,} where nothing may stand")
        return {"OUTPUT": output}
