"""The session record kept by the IPython extension, as the checker and converter read it.

The live extension (``nbprod.live``) writes it; this module only finds and reads it, and
never executes anything from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RECORD_SUFFIX = ".nbprod.json"
RECORD_MIME = "application/vnd.nbprod.record+json"


def record_path(notebook_path: str | Path) -> Path:
    """``analysis.ipynb`` -> ``analysis.nbprod.json`` beside it."""
    p = Path(notebook_path)
    return p.with_name(p.stem + RECORD_SUFFIX)


def load_record(notebook_path: str | Path) -> dict[str, Any] | None:
    """The record saved beside a notebook, or None when there is none or it is unreadable."""
    path = record_path(notebook_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
