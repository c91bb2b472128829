"""``%nbprod check`` in a real IPython shell displays the readiness widget."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import SAMPLES
from IPython.core.interactiveshell import InteractiveShell

from nbprod.manual import load_ticks
from nbprod.widget import ChecklistWidget


@pytest.fixture
def shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[InteractiveShell, list[dict[str, Any]]]]:
    monkeypatch.chdir(tmp_path)
    InteractiveShell.clear_instance()
    sh = InteractiveShell.instance()
    shown: list[dict[str, Any]] = []
    monkeypatch.setattr(sh.display_pub, "publish", lambda data, metadata=None, **kw: shown.append(data))
    sh.run_line_magic("load_ext", "nbprod")
    magics = next(
        m for m in sh.magics_manager.registry.values() if type(m).__module__ == "nbprod.live.magics"
    )
    magics.hooks.rich = True  # as in a kernel: display objects, not text
    try:
        yield sh, shown
    finally:
        sh.run_line_magic("unload_ext", "nbprod")
        InteractiveShell.clear_instance()


def _widget(shown: list[dict[str, Any]]) -> ChecklistWidget:
    views = [d for d in shown if "application/vnd.jupyter.widget-view+json" in d]
    assert len(views) == 1
    from ipywidgets.widgets.widget import _instances  # ipywidgets 8: model id -> live widget

    model = _instances[views[0]["application/vnd.jupyter.widget-view+json"]["model_id"]]
    assert isinstance(model, ChecklistWidget) and "text/html" in views[0]
    return model


def test_check_magic_displays_the_widget_and_refresh_reruns(shell, tmp_path: Path) -> None:
    sh, shown = shell
    nb_path = tmp_path / "credit_risk_messy.ipynb"
    shutil.copy(SAMPLES / "credit_risk_messy.ipynb", nb_path)
    sh.run_line_magic("nbprod", f"check {nb_path}")
    wid = _widget(shown)
    assert wid.checklist.item("F1").score == 0 and wid.checklist.weakest.section.id == "features"
    wid.checkboxes["F4"].value = True
    assert load_ticks(nb_path)["F4"].done
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[3].source += "\nnp.random.seed(0)"
    nbformat.write(nb, nb_path)
    wid.refresh_button.click()  # re-runs the check on the session, re-reading the notebook
    assert wid.checklist.item("F1").score == 2 and wid.checkboxes["F4"].value is True
    assert "refreshed" in wid.status.value


def test_session_without_a_notebook_file_cannot_tick(shell, tmp_path: Path) -> None:
    sh, shown = shell
    sh.run_cell("import random\nx = random.random()", store_history=True)
    sh.run_line_magic("nbprod", "check")
    wid = _widget(shown)
    assert wid.checklist.item("F1").score == 0  # the session's own cells were checked
    assert all(box.disabled for box in wid.checkboxes.values())
    assert not list(tmp_path.glob("*.checklist.toml"))


def test_a_static_copy_sits_beside_the_widget_for_a_reopened_notebook(shell, tmp_path: Path) -> None:
    """After a reopen the widget's model is gone: the output before it is readable HTML,
    hidden by the widget's own style rule while the widget renders."""
    sh, shown = shell
    nb_path = tmp_path / "credit_risk_messy.ipynb"
    shutil.copy(SAMPLES / "credit_risk_messy.ipynb", nb_path)
    sh.run_line_magic("nbprod", f"check {nb_path}")
    wid = _widget(shown)
    static = shown[shown.index(next(d for d in shown if "application/vnd.jupyter.widget-view+json" in d)) - 1]
    assert "application/vnd.jupyter.widget-view+json" not in static
    assert 'class="nbprod-static"' in static["text/html"] and "Production readiness" in static["text/html"]
    assert "Readiness" in static["text/plain"]
    hide = ".jp-OutputArea:has(.nbprod-checklist) .nbprod-static{display:none}"
    assert any(hide in getattr(c, "value", "") for c in wid.children[0].children)
    assert "`" not in "".join(h.value for h in wid.item_html.values())


def test_cell_buttons_select_the_cell_in_jupyterlab(shell, tmp_path: Path, monkeypatch) -> None:
    import nbprod.live.frontend as frontend

    sh, shown = shell
    nb_path = tmp_path / "credit_risk_messy.ipynb"
    shutil.copy(SAMPLES / "credit_risk_messy.ipynb", nb_path)
    sh.run_line_magic("nbprod", f"check {nb_path}")
    wid = _widget(shown)
    item = next(i for i, b in wid.cell_buttons.items())
    sent: list[dict[str, Any]] = []

    class Front:  # the connected front end (its comm is tested in test_live_frontend.py)
        connected = True

        def select_cell(self, cell_id: str | None, index: int) -> None:
            sent.append({"cell_id": cell_id, "index": index})

    monkeypatch.setattr(frontend, "CURRENT", Front())
    wid.cell_buttons[item].click()
    r = wid.checklist.item(item)
    assert sent == [{"cell_id": r.cell_id, "index": r.cell}] and r.cell is not None
    assert f"cell {r.cell + 1}" in wid.status.value
