"""The plugin object: registers the Processing provider (``hasProcessingProvider=yes``)."""

from qgis.core import QgsApplication

from .provider import GeozonesProvider


class GeozonesPlugin:
    """What ``classFactory`` returns: the provider is registered by ``initProcessing`` (QGIS
    calls it also where no GUI runs, e.g. ``qgis_process``) and removed by ``unload``."""

    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):
        if self.provider is None:
            self.provider = GeozonesProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
