"""The checklist widget, driven from Python: get_state() and button clicks."""

from __future__ import annotations

import shutil
from pathlib import Path

import ipywidgets as w
import nbformat
import pytest
from conftest import SAMPLES

import nbprod
from nbprod.checklist import MANUAL_IDS, SECTIONS, checklist_for
from nbprod.manual import load_ticks, ticks_path
from nbprod.widget import ChecklistWidget


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    dst = tmp_path / "credit_risk_messy.ipynb"
    shutil.copy(SAMPLES / "credit_risk_messy.ipynb", dst)
    return dst


def test_header_shows_overall_and_one_bar_per_section(messy: Path) -> None:
    cl = checklist_for(messy)
    wid = nbprod.widget(messy)
    assert isinstance(wid, w.VBox) and isinstance(wid, ChecklistWidget)
    assert list(wid.bars) == [s.id for s in SECTIONS]
    for s in cl.sections:
        state = wid.bars[s.section.id].get_state()
        assert state["value"] == pytest.approx(s.score) and state["max"] == 1.0
        assert wid.sections[s.section.id].get_state()["titles"][0].startswith(s.section.title)
    assert f"{cl.overall:.0%}" in wid.title.get_state()["value"]
    assert cl.weakest.section.title in wid.title.value
    # only the weakest section is open, the others collapsed
    open_ = [sid for sid, acc in wid.sections.items() if acc.get_state()["selected_index"] == 0]
    assert open_ == [cl.weakest.section.id]


def test_auto_items_show_reason_fix_and_a_cell_button(messy: Path) -> None:
    wid = nbprod.widget(messy)
    r = wid.checklist.item("F1")
    html = wid.item_html["F1"].get_state()["value"]
    assert "NB201" in html and "fix:" in html and "✘" in html
    button = wid.cell_buttons["F1"]
    assert button.get_state()["description"] == f"cell {r.cell + 1}"
    button.click()
    source = nbformat.read(messy, as_version=4).cells[r.cell].source.splitlines()[r.line - 1].strip()
    assert wid.selected_cell == r.cell
    assert f"cell {r.cell + 1}, line {r.line}" in wid.status.value and "np.random.rand" in source
    assert "np.random.rand(len(df))" in wid.status.value
    assert not set(wid.checkboxes) & set(wid.cell_buttons)  # manual items have checkboxes only


def test_ticking_saves_at_once_and_rescores(messy: Path) -> None:
    wid = nbprod.widget(messy)
    data = wid.checklist.section("data")
    before = (data.points, data.maximum, wid.bars["data"].value)
    wid.notes["D6"].value = "reviewed with legal"
    wid.checkboxes["D6"].value = True
    assert load_ticks(messy)["D6"].done and load_ticks(messy)["D6"].note == "reviewed with legal"
    # D6 was not assessed (not in the maximum); ticked, it counts 1 of 2
    assert wid.bars["data"].value == pytest.approx((before[0] + 1) / (before[1] + 2), abs=1e-3)
    assert "ticked" in wid.item_html["D6"].value and "saved" in wid.status.value
    # a note naming a check that exists beside the notebook scores 2: the bar moves again
    (messy.parent / "privacy_scan.py").write_text("print('scan')\n")
    wid.notes["D6"].value = "checked by privacy_scan.py in CI"
    assert wid.bars["data"].value == pytest.approx((before[0] + 2) / (before[1] + 2), abs=1e-3)
    # a new widget (a restarted kernel) reads the tick back
    again = nbprod.widget(messy)
    assert again.checkboxes["D6"].get_state()["value"] is True
    assert again.notes["D6"].value == "checked by privacy_scan.py in CI"
    assert [i for i, c in again.checkboxes.items() if c.value] == ["D6"]


def test_refresh_button_reruns_the_check(messy: Path) -> None:
    wid = nbprod.widget(messy)
    assert wid.checklist.item("F1").score == 0
    nb = nbformat.read(messy, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("import pandas"):
            cell.source += "\nnp.random.seed(0)"
    nbformat.write(nb, messy)
    wid.refresh_button.click()
    assert wid.checklist.item("F1").score == 2
    assert "refreshed" in wid.status.value and "F1" not in [k for k in wid.cell_buttons]


def test_refresh_uses_the_given_callable(messy: Path) -> None:
    calls = []

    def live_check():
        calls.append(1)
        return checklist_for(SAMPLES / "credit_risk_clean.ipynb")

    wid = nbprod.widget(messy, refresh=live_check)
    wid.refresh_button.click()
    assert calls == [1] and wid.checklist.path.endswith("credit_risk_clean.ipynb")
    assert wid.bars["features"].value == pytest.approx(wid.checklist.section("features").score)


def test_corrupt_ticks_file_disables_ticking_and_is_kept(messy: Path) -> None:
    path = ticks_path(messy)
    path.write_text("[D5]\ndone = perhaps\n")
    wid = nbprod.widget(messy)
    assert "not valid TOML" in wid.status.value
    assert all(wid.checkboxes[i].disabled for i in MANUAL_IDS)
    assert path.read_text() == "[D5]\ndone = perhaps\n"


def test_static_fallbacks_in_the_mimebundle(messy: Path) -> None:
    wid = nbprod.widget(messy)
    bundle = wid._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith('<div class="nbprod-cl">') and "F1" in bundle["text/html"]
    assert bundle["text/plain"].splitlines()[0].startswith(str(messy))


def test_nbconvert_html_shows_the_static_checklist(messy: Path, tmp_path: Path) -> None:
    """A saved notebook holding the widget output renders the checklist in nbconvert HTML."""
    from nbconvert import HTMLExporter

    wid = nbprod.widget(messy)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("%nbprod check", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("display_data", data=wid._repr_mimebundle_())]
    nb.cells.append(cell)
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert "Production readiness" in body and "every sampling step is seeded" in body
