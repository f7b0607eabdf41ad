"""Where the project's declarative inputs live (ontology, queries, data).

They sit at the top of the repository (the design card's layout) and are found relative to
this package; ``ATLAS_KG_HOME`` points elsewhere for a non-editable install.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME = Path(os.environ.get("ATLAS_KG_HOME", Path(__file__).resolve().parent.parent))
ONTOLOGY_DIR = HOME / "ontology"
QUERIES_DIR = HOME / "queries"
DATA_DIR = HOME / "data"
GAZETTEER_DIR = DATA_DIR / "gazetteer"
