"""Zone definitions shipped with geozones (installed as ``geozones.data``)."""
