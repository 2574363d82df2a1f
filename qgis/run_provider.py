"""Run the geozones Processing algorithms headless through ``processing.run`` and say what came out.

    QT_QPA_PLATFORM=offscreen python qgis/run_provider.py SPEC.json RESULT.json

Run with a Python where both QGIS and geozones import (``.venv-qgis``, made by ``.ci/run``).
SPEC is a list of runs ``{"name": ..., "algorithm": "geozones:screen", "parameters": {...},
"cancel_after": 1}`` (``cancel_after``: cancel at that progress report). RESULT gets, per run,
the progress reported, the outputs, the output layer's feature count, CRS and renderer, or the
error; and the provider's algorithms. The test suite (tests/test_qgis_provider.py) compares the
outputs with the command line's.
"""

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _layer_facts(path):
    """Features, CRS and renderer of the GeoPackage layer as QGIS opens it (its default style
    read from the file). The layer is gone when this returns: one alive after
    ``exitQgis`` crashes the interpreter on its way out."""
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(path, "out", "ogr")
    renderer = layer.renderer()
    return dict(features=layer.featureCount(), crs=layer.crs().authid(), renderer=renderer.type(),
                renderer_field=getattr(renderer, "classAttribute", lambda: None)(),
                categories=[(c.value(), c.symbol().color().name()) for c in getattr(renderer, "categories", lambda: [])()])


def main(spec_path, result_path):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication, QgsProcessingFeedback

    app = QgsApplication([], False)
    app.initQgis()
    sys.path[:0] = [str(HERE), os.path.join(app.pkgDataPath(), "python", "plugins")]
    import processing
    from processing.core.Processing import Processing

    Processing.initialize()
    from geozones_qgis import classFactory

    plugin = classFactory(None)   # as QGIS loads it: initProcessing registers the provider
    plugin.initProcessing()
    registry = QgsApplication.processingRegistry()
    out = {"algorithms": sorted(a.id() for a in registry.providerById("geozones").algorithms()), "runs": {}}
    for run in json.loads(Path(spec_path).read_text(encoding="utf-8")):
        feedback = QgsProcessingFeedback()
        progress = []

        def on_progress(p, feedback=feedback, progress=progress, run=run):
            progress.append(round(p, 3))
            if run.get("cancel_after") and len(progress) >= run["cancel_after"]:
                feedback.cancel()

        feedback.progressChanged.connect(on_progress)
        got = {"progress": progress}
        try:
            res = processing.run(run["algorithm"], run["parameters"], feedback=feedback)
            got["outputs"] = {k: str(v) for k, v in res.items()}
            path = res.get("OUTPUT")
            if path and str(path).endswith(".gpkg"):
                got.update(_layer_facts(str(path)))
        except Exception as err:   # the test reads it
            got["error"] = f"{type(err).__name__}: {err}"
        got["canceled"] = feedback.isCanceled()
        out["runs"][run["name"]] = got
    plugin.unload()
    out["unloaded"] = registry.providerById("geozones") is None
    Path(result_path).write_text(json.dumps(out, indent=1), encoding="utf-8")
    app.exitQgis()


if __name__ == "__main__":
    main(*sys.argv[1:3])
