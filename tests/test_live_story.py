"""The issue's "done when": a messy session in a real shell, warnings exactly where they
belong, the record persisted beside the notebook, and ``nbprod check`` using it."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from test_live import CREDIT, new_shell, write_notebook

from nbprod.cli import main
from nbprod.live import get_hooks
from nbprod.record import is_record, record_path


@pytest.fixture
def story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[InteractiveShell, Path]]:
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / ".ipython"))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    shutil.copy(CREDIT, tmp_path / "data" / "credit.csv")
    sh = new_shell()
    yield sh, tmp_path
    if get_hooks(sh) is not None:
        sh.run_cell("%unload_ext nbprod")
    sh.history_manager.end_session()


CELLS = {
    "load": "%load_ext nbprod",
    "imports": "import numpy as np\nimport pandas as pd",
    "read": 'df = pd.read_csv("data/credit.csv")',
    "scale": 'ratio = df["income"].mean() / threshold',
    "thresh": "threshold = 1000",
    "noise": "noise = np.random.rand(3)",
    "limit": "limit = 5",
    "flag": "flag = limit > 3",
}


def save(path: Path, cells: dict[str, str]) -> None:
    """The user saves the notebook (a moment after the last run, as a person would: the
    kernel looks at the file at most every NotebookFile.min_interval seconds)."""
    from nbprod.live.nbfile import NotebookFile

    time.sleep(NotebookFile.min_interval + 0.05)
    write_notebook(path, list(cells.items()))


def test_messy_session_story(
    story: tuple[InteractiveShell, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    sh, folder = story
    nb_path = folder / "story.ipynb"
    cells = dict(CELLS)
    save(nb_path, cells)
    sh.user_ns["__session__"] = str(nb_path)  # what ipykernel sets from JPY_SESSION_NAME
    shown: list[tuple[str, list[str]]] = []  # (cell id, live warnings printed under it)

    def run(cid: str) -> None:
        result = sh.run_cell(cells[cid], store_history=True, cell_id=cid)
        assert result.success, (cid, result.error_in_exec)
        err = capsys.readouterr().err
        shown.append((cid, [line.split()[1] for line in err.splitlines() if line.startswith("nbprod NB")]))

    for cid in ("load", "imports", "read"):
        run(cid)
    hooks = get_hooks(sh)
    pos = {cid: i for i, cid in enumerate(cells)}

    # 1. out of order: `scale` reads `threshold`, which only the cell below it defines
    run("thresh")
    run("scale")
    nb104 = hooks.session.warnings[-1]
    assert nb104["rule"] == "NB104" and f"cell {pos['thresh'] + 1}, below" in nb104["message"]

    # 2. randomness with no seed, then `%nbprod seed` in a new cell below the imports
    run("noise")
    cells = {**dict(list(cells.items())[:2]), "seed": "%nbprod seed 7", **dict(list(cells.items())[2:])}
    save(nb_path, cells)
    run("seed")
    run("noise")

    # 3. a cell edited (and re-run) after its variable was used: `threshold` is left over
    cells["thresh"] = "threshold_eur = 1000"
    save(nb_path, cells)
    run("thresh")
    run("scale")

    # 4. a deleted cell whose variable is still used
    run("limit")
    run("flag")
    del cells["limit"]
    save(nb_path, cells)
    run("flag")

    # 5. a cell edited and saved but not re-run: its old value is still what others read
    cells["noise"] = "noise = np.random.rand(5)"
    cells["use_noise"] = "total = noise.sum()"
    save(nb_path, cells)
    run("use_noise")

    assert shown == [
        ("load", []), ("imports", []), ("read", []), ("thresh", []), ("scale", ["NB104"]),
        ("noise", ["NB201"]), ("seed", []), ("noise", []), ("thresh", []), ("scale", ["NB107"]),
        ("limit", []), ("flag", []), ("flag", ["NB107"]), ("use_noise", ["NB107"]),
    ]  # fmt: skip
    messages = {(w["cell_id"], w["rule"]): w["message"] for w in hooks.session.warnings}
    assert "earlier version" in messages[("scale", "NB107")]
    assert "deleted" in messages[("flag", "NB107")]
    assert "before its last edit" in messages[("use_noise", "NB107")]
    assert "never seeded" in messages[("noise", "NB201")]

    # the record is on disk beside the notebook, with seeds, versions and the CSV
    assert hooks.background.flush()  # saved and hashed off the cells' critical path
    saved = json.loads(record_path(nb_path).read_text())
    assert is_record(saved) and saved["notebook"] == "story.ipynb"
    assert [(s["call"], s["value"]) for s in saved["seeds"]] == [("%nbprod seed", 7)]
    assert saved["packages"]["numpy"]["version"] == version("numpy")
    assert saved["packages"]["pandas"]["version"] == version("pandas")
    (data,) = saved["data"]
    frame = pd.read_csv(CREDIT)
    assert data["path"] == "data/credit.csv" and (data["rows"], data["columns"]) == frame.shape
    assert data["sha256"] == hashlib.sha256(CREDIT.read_bytes()).hexdigest()
    # NB104 / NB107 are re-checked when their cell runs again: scale's NB104 was resolved
    # by that re-run (it is now NB107); NB201 stays, it is about the session
    assert [(w["cell_id"], w["rule"]) for w in saved["warnings"]] == [
        ("noise", "NB201"), ("scale", "NB107"), ("flag", "NB107"), ("use_noise", "NB107"),
    ]  # fmt: skip

    # `nbprod check` uses it: NB203 is satisfied, and NB107 comes back for unchanged cells
    sh.run_cell("%unload_ext nbprod")
    report = _check(nb_path, capsys)
    rules = {(f["rule"], f["cell_id"]) for f in report["findings"]}
    assert not any(r == "NB203" for r, _ in rules)
    assert ("NB107", "flag") in rules and ("NB107", "scale") in rules
    assert ("NB107", "use_noise") in rules
    flag_finding = next(f for f in report["findings"] if f["rule"] == "NB107" and f["cell_id"] == "flag")
    assert flag_finding["cell"] == list(cells).index("flag")

    # without the record, the same notebook has no environment record and no live facts
    alone = folder / "alone"
    alone.mkdir()
    shutil.copy(nb_path, alone / nb_path.name)
    rules = {(f["rule"], f["cell_id"]) for f in _check(alone / nb_path.name, capsys)["findings"]}
    assert ("NB203", None) in rules and not any(r == "NB107" for r, _ in rules)

    # once the stale cell is edited, its recorded NB107 no longer applies
    cells["flag"] = "flag = 5 > 3"
    save(nb_path, cells)
    rules = {(f["rule"], f["cell_id"]) for f in _check(nb_path, capsys)["findings"]}
    assert ("NB107", "flag") not in rules and ("NB107", "scale") in rules


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    capsys.readouterr()
    code = main(["check", str(path), "--format", "json", "--fail-on", "never"])
    assert code == 0
    (nb,) = json.loads(capsys.readouterr().out)["notebooks"]
    return nb
