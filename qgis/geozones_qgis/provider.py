"""The ``geozones`` Processing provider."""

from qgis.core import Qgis, QgsMessageLog, QgsProcessingProvider


class GeozonesProvider(QgsProcessingProvider):
    """Provider ``geozones``: ``geozones:screen``, ``geozones:zones``, ``geozones:heightlimit``.

    Without the geozones library in QGIS's Python it loads no algorithm and says in the log
    how to install it."""

    def id(self):
        return "geozones"

    def name(self):
        return "geozones"

    def longName(self):
        return "geozones: meteorological-station protection zones (GB 31221-2014)"

    def loadAlgorithms(self):
        try:
            from .algorithms import HeightLimitAlgorithm, ScreenAlgorithm, ZonesAlgorithm
        except ImportError as err:
            QgsMessageLog.logMessage(
                f"geozones is not installed in QGIS's Python ({err}): install it with "
                "`python -m pip install geozones` in that Python (README: In QGIS (Processing))",
                "geozones", Qgis.Critical)
            return
        for alg in (ScreenAlgorithm(), ZonesAlgorithm(), HeightLimitAlgorithm()):
            self.addAlgorithm(alg)
