"""The ``atlas-kg`` command line: a thin click layer over the library.

Each stage's commands live in their own module and register on the one group ``main``.
"""

from __future__ import annotations

from .base import main

# Importing the modules registers their commands on `main`.
from . import (  # noqa: E402,F401  isort: skip
    parse_cmd,
    synth_cmd,
    graph_cmd,
    quality_cmd,
    network_cmd,
    publish_cmd,
    remote_cmd,
)

__all__ = ["main"]
