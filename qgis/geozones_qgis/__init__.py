"""The geozones QGIS plugin: a Processing provider (``geozones``) whose algorithms call the
geozones library installed into QGIS's Python (``geozones.api``, nothing deeper)."""


def classFactory(iface):
    """The plugin instance QGIS asks for when it loads the plugin."""
    from .plugin import GeozonesPlugin

    return GeozonesPlugin(iface)
