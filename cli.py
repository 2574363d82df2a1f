"""Checkout entry point: ``python cli.py ...`` runs the ``geozones`` command.

The commands live in :mod:`geozones.cli` so that installing the package does not put a
generic top-level module named ``cli`` into site-packages.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from geozones.cli import main

if __name__ == "__main__":
    main()
