"""The pure core of geozones: proposals in, codes and numbers out.

Imports numpy, shapely and pyproj only (and the keyed errors of :mod:`geozones.errors`): no
files, no command line, no words, so it runs inside QGIS's Python or a dask worker. Text is
made from its results at the edge (:mod:`geozones.text`, :mod:`geozones.text.explain`).

Modules, in the order they build on each other:

* :mod:`~geozones.core.text`: ``Text`` (bilingual text from data files) and ``Key``;
* :mod:`~geozones.core.kinds`: the kind and use tables (which kinds carry a height);
* :mod:`~geozones.core.sun`: sunrise/sunset azimuths;
* :mod:`~geozones.core.rules`: rule rows and the one evaluator;
* :mod:`~geozones.core.station`, :mod:`~geozones.core.pilot`: the facts of a station and
  of a pilot area;
* :mod:`~geozones.core.coords`: CRS, axis order, refusal of impossible coordinates;
* :mod:`~geozones.core.zones`: the station frame and the one zone classification;
* :mod:`~geozones.core.proposals`: ``Proposals``, inputs normalised once;
* :mod:`~geozones.core.engine`: ``Zones``, ``assess_proposals``, ``Assessment``.
"""

from .engine import Assessment, Zones, assess_local, assess_proposals, measure
from .proposals import Proposals
from .rules import Rule, RuleOutcomes, evaluate
from .station import Station
from .text import Key, Text
from .zones import ZONES, Measurements, StationFrame

__all__ = ["Assessment", "Zones", "assess_local", "assess_proposals", "measure", "Proposals",
           "Rule", "RuleOutcomes", "evaluate", "Station", "Text", "Key", "ZONES", "Measurements",
           "StationFrame"]
