"""What the generated tests compare against: printed text and value summaries.

``TESTING_SOURCE`` is written into every package as ``_testing.py`` and is also run in
the capture kernel, so the snapshot and the test summarise values with the same code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SNAPSHOT_MIME = "application/vnd.nbprod.snapshot+json"
# Package installs are never run by --capture: they would change the user's environment.
_INSTALL = re.compile(
    r"^([ \t]*)[!%]{1,2}\s*(?:\S*python\S*\s+-m\s+)?(?:pip3?|conda|mamba|uv\s+pip)\s+install\b.*$", re.M
)


def _template(name: str) -> str:
    from importlib.resources import files

    return files("nbprod.export").joinpath("templates", name).read_text(encoding="utf-8")


TESTING_SOURCE = _template("_testing.py.txt")


def stream_text(outputs: list[dict[str, Any]], name: str = "stdout") -> str:
    """The text a cell printed to one stream, from its saved outputs."""
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream" and out.get("name") == name:
            text = out.get("text", "")
            parts.append("".join(text) if isinstance(text, list) else str(text))
    return "".join(parts)


def has_error(outputs: list[dict[str, Any]]) -> bool:
    """True when a cell's saved outputs include an error."""
    return any(o.get("output_type") == "error" for o in outputs)


def capture(
    notebook_path: str | Path, section_returns: list[tuple[int, list[str]]], timeout: int = 600
) -> dict[str, Any]:
    """Run the notebook once in a fresh kernel; per cell printed text, per section value summaries.

    ``section_returns`` lists (index of the section's last cell, names to summarise).
    Returns {"cells": {index: {"stdout": str, "error": bool}}, "sections": {cell: {name: summary}}}.
    """
    import nbformat
    from nbclient import NotebookClient

    from nbprod.errors import NbprodError

    path = Path(notebook_path)
    nb = nbformat.read(str(path), as_version=4)
    after = dict(section_returns)
    cells = []
    index_of: list[int | None] = []
    setup = nbformat.v4.new_code_cell(TESTING_SOURCE.replace("from __future__ import annotations\n", ""))
    cells.append(setup)
    index_of.append(None)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and _INSTALL.search(cell.source):
            cell.source = _INSTALL.sub(r"\1pass  # install skipped by nbprod --capture", cell.source)
        cells.append(cell)
        index_of.append(i if cell.cell_type == "code" else None)
        if i in after:
            names = after[i]
            code = (
                "import json as _nbprod_json\n"
                "from IPython.display import display as _nbprod_display\n"
                f"_nbprod_display({{{SNAPSHOT_MIME!r}: _nbprod_json.loads(_nbprod_json.dumps("
                f"{{_n: summarize(globals()[_n]) for _n in {names!r} if _n in globals()}}, default=str))}}, raw=True)"
            )
            cells.append(nbformat.v4.new_code_cell(code))
            index_of.append(-1 - i)
    nb.cells = cells
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )  # fmt: skip
    try:
        client.execute()
    except Exception as exc:
        raise NbprodError(
            f"--capture: the notebook could not be run: {type(exc).__name__}: {exc}".splitlines()[0]
        ) from None
    result: dict[str, Any] = {"cells": {}, "sections": {}}
    failed = False
    for cell, idx in zip(nb.cells, index_of, strict=True):
        if idx is None:
            continue
        outputs = [dict(o) for o in cell.get("outputs", [])]
        if idx >= 0:
            failed = failed or has_error(outputs)
            result["cells"][idx] = {"stdout": stream_text(outputs), "error": has_error(outputs)}
        elif not failed:
            for o in outputs:
                data = o.get("data") or {}
                if SNAPSHOT_MIME in data:
                    result["sections"][-1 - idx] = json.loads(json.dumps(data[SNAPSHOT_MIME]))
    return result


__all__ = ["SNAPSHOT_MIME", "TESTING_SOURCE", "capture", "has_error", "stream_text"]
