"""The readiness checklist as an ipywidgets ``VBox``: a thin shell over ``nbprod.checklist``."""

from __future__ import annotations

import html
import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from nbprod.checklist import STATUS_COLORS, Checklist, ItemResult, SectionResult
from nbprod.errors import NbprodError
from nbprod.render import color, headline, to_html, to_text, where

Refresh = Callable[[], Checklist]
STATIC_CLASS = "nbprod-static"
# While the widget renders, its static copy (the output before it) is hidden; after a
# reopen the widget's model is gone, this rule with it, and the static copy shows.
_HIDE_STATIC = f"<style>.jp-OutputArea:has(.nbprod-checklist) .{STATIC_CLASS}{{display:none}}</style>"
_BAR_STYLE = {"#d9534f": "danger", "#f0ad4e": "warning", "#5cb85c": "success"}


class ChecklistWidget(w.VBox):
    """Header with overall readiness and one bar per section, then the sections, each
    collapsible, with auto items (icon, reason, fix, cell button) and manual checkboxes
    whose ticks and notes are saved beside the notebook at once.

    ``refresh`` rebuilds the checklist (the live extension passes one that re-runs the
    check on the session); it defaults to re-reading the notebook file.
    """

    def __init__(self, checklist: Checklist, refresh: Refresh | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checklist = checklist
        self._refresh = refresh
        self.selected_cell: int | None = None
        self.title = w.HTML()
        self.bars: dict[str, w.FloatProgress] = {}
        self.bar_labels: dict[str, w.Label] = {}
        self.sections: dict[str, w.Accordion] = {}
        self.checkboxes: dict[str, w.Checkbox] = {}
        self.notes: dict[str, w.Text] = {}
        self.cell_buttons: dict[str, w.Button] = {}
        self.item_html: dict[str, w.HTML] = {}
        self.refresh_button = w.Button(description="Refresh", icon="refresh", tooltip="Re-run the check")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.status = w.HTML()
        self.add_class("nbprod-checklist")
        self._build()

    # building -----------------------------------------------------------------
    def _build(self) -> None:
        cl = self.checklist
        for registry in (self.bars, self.bar_labels, self.sections, self.checkboxes, self.notes,
                         self.cell_buttons, self.item_html):  # fmt: skip
            registry.clear()
        rows = []
        for s in cl.sections:
            bar = w.FloatProgress(min=0.0, max=1.0, layout=w.Layout(width="220px"))
            label = w.Label()
            self.bars[s.section.id], self.bar_labels[s.section.id] = bar, label
            rows.append(w.HBox([w.Label(s.section.title, layout=w.Layout(width="190px")), bar, label]))
        header = w.VBox([w.HBox([self.title, self.refresh_button]), *rows, self.status, w.HTML(_HIDE_STATIC)])
        weakest = cl.weakest
        for s in cl.sections:
            acc = w.Accordion(children=[w.VBox([self._item(s, r) for r in s.items])])
            acc.selected_index = 0 if s is weakest else None
            self.sections[s.section.id] = acc
        self.children = [header, *self.sections.values()]
        self._update_scores()
        if cl.warnings:
            self._say("warning: " + "; ".join(cl.warnings), error=True)

    def _item(self, s: SectionResult, r: ItemResult) -> w.Widget:
        item = r.item
        text = w.HTML(layout=w.Layout(width="100%"))
        self.item_html[item.id] = text
        self._render_item(r)
        if item.kind == "manual":
            box = w.Checkbox(
                value=r.score is not None and r.score > 0, indent=False, layout=w.Layout(width="28px")
            )
            note = w.Text(
                value=r.tick.note if r.tick else "",
                placeholder="note: how it is done (name a CI job or monitor for full marks)",
                continuous_update=False,
                layout=w.Layout(width="340px"),
            )
            writable = self.checklist.ticks_path is not None and not self.checklist.warnings
            box.disabled = note.disabled = not writable
            box.observe(lambda ch, i=item.id: self._save(i), names="value")
            note.observe(lambda ch, i=item.id: self._save(i), names="value")
            self.checkboxes[item.id], self.notes[item.id] = box, note
            return w.HBox([box, text, note]).add_class(f"nbprod-item-{item.id}")
        parts: list[w.Widget] = [text]
        if r.cell is not None:
            btn = w.Button(
                description=f"cell {r.cell + 1}", tooltip=f"Show cell {r.cell + 1}", icon="crosshairs"
            )
            btn.layout.width = "110px"
            btn.on_click(lambda _, i=item.id: self.show_cell(i))
            self.cell_buttons[item.id] = btn
            parts.append(btn)
        return w.HBox(parts).add_class(f"nbprod-item-{item.id}")

    def _render_item(self, r: ItemResult) -> None:
        e = html.escape
        score = "–" if r.score is None else f"{r.score}/2"
        detail = f"<br><span style='color:#555'>{e(r.reason)}</span>" if r.reason else ""
        if r.fix:
            detail += f"<br><span style='color:#8a5a00'>fix: {_code(e(r.fix))}</span>"
        icon = (
            ""
            if r.item.kind == "manual"
            else f"<span style='color:{STATUS_COLORS[r.status]}'>{r.icon}</span> "
        )
        self.item_html[r.item.id].value = (
            f"<div style='line-height:1.3'>{icon}<b>{r.item.id}</b> <small>{score}</small> "
            f"{e(r.item.title)}{detail}</div>"
        )

    def _update_scores(self) -> None:
        cl = self.checklist
        pct = f"{cl.overall:.0%}"
        t = cl.tally()
        self.title.value = (
            f"<h3 style='margin:2px 8px 2px 0'>Production readiness: "
            f"<span style='color:{color(cl.overall)}'>{pct}</span> "
            f"<small style='color:#555'>verified by automation: {t['verified']}/{t['auto_assessed']} · "
            f"awaiting review: {t['awaiting_review']}</small></h3>"
            f"<div>{html.escape(headline(cl))}</div>"
        )
        for s in cl.sections:
            bar = self.bars[s.section.id]
            bar.value = s.score
            bar.bar_style = _BAR_STYLE[color(s.score)]
            shown = f"{s.score:.0%}" if s.assessed else "not assessed"
            waiting = len(s.awaiting())
            self.bar_labels[s.section.id].value = f"{shown} ({s.points}/{s.maximum})" + (
                f", {waiting} to review" if waiting else ""
            )
            self.sections[s.section.id].set_title(0, f"{s.section.title}: {shown}")

    def _say(self, text: str, error: bool = False) -> None:
        style = "color:#d9534f" if error else "color:#333"
        self.status.value = f"<span style='{style}'>{html.escape(text)}</span>"

    # actions ------------------------------------------------------------------
    def _save(self, item_id: str) -> None:
        from nbprod.manual import manual_result, save_tick

        done, note = self.checkboxes[item_id].value, self.notes[item_id].value
        try:
            tick = save_tick(_notebook_of(self.checklist), item_id, done, note)
        except NbprodError as exc:
            self._say(str(exc), error=True)
            return
        for s in self.checklist.sections:
            for n, r in enumerate(s.items):
                if r.item.id == item_id:
                    s.items[n] = manual_result(r.item, tick, Path(_notebook_of(self.checklist)).parent)
                    self._render_item(s.items[n])
        self._update_scores()
        self._say(
            f"{item_id} {'ticked' if done else 'unticked'}; saved to {Path(self.checklist.ticks_path or '').name}"
        )

    def show_cell(self, item_id: str) -> str:
        """Name the cell an auto item points at (with its line of code) in the status line."""
        r = self.checklist.item(item_id)
        self.selected_cell = r.cell
        select = _front_end_select()
        if select is not None and r.cell is not None:
            try:
                select(r.cell_id, r.cell)
            except Exception:  # the front end went away: naming the cell below still helps
                pass
        text = f"{item_id}: {where(r)}"
        source = _cell_line(self.checklist.path, r)
        if source:
            text += f": {source}"
        self._say(text)
        return text

    def refresh(self) -> None:
        """Re-run the check (the live session's, or the notebook file's) and redraw."""
        try:
            self.checklist = self._refresh() if self._refresh else _from_file(self.checklist.path)
        except NbprodError as exc:
            self._say(str(exc), error=True)
            return
        self._build()
        self._say(f"refreshed: {headline(self.checklist)}")

    # fallbacks where widgets cannot render --------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, dict):
            data = {**data, "text/plain": to_text(self.checklist), "text/html": to_html(self.checklist)}
        return data


def _front_end_select() -> Callable[[str | None, int], None] | None:
    """nbprod's JupyterLab extension, when connected to this kernel, selects cells."""
    front = getattr(sys.modules.get("nbprod.live.frontend"), "CURRENT", None)
    return front.select_cell if front is not None and front.connected else None


def static_copy(checklist: Checklist) -> dict[str, str]:
    """The checklist as plain HTML and text, saved in the notebook beside the widget: what
    a reader sees after reopening the notebook (when the widget's live model is gone)."""
    note = "<p><small>nbprod readiness checklist as last checked (run %nbprod check for the live one)</small></p>"
    return {
        "text/plain": to_text(checklist),
        "text/html": f'<div class="{STATIC_CLASS}">{note}{to_html(checklist)}</div>',
    }


def _code(text: str) -> str:
    """Backtick-quoted code in already escaped text -> <code>, no literal backticks."""
    import re

    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text).replace("`", "")


def _notebook_of(checklist: Checklist) -> str:
    if checklist.ticks_path is None:
        raise NbprodError("this checklist has no notebook file: save the notebook to tick items")
    return checklist.path


def _cell_line(path: str, r: ItemResult) -> str:
    """The source line an item points at, read from the notebook file (empty if unknown)."""
    if r.cell is None or not path or not os.path.isfile(path):
        return ""
    from nbprod.notebook import read_notebook

    try:
        cells = read_notebook(path).cells
    except NbprodError:
        return ""
    if r.cell >= len(cells):
        return ""
    lines = cells[r.cell].source.splitlines()
    n = (r.line or 1) - 1
    return lines[n].strip()[:120] if 0 <= n < len(lines) else ""


def _from_file(path: str) -> Checklist:
    from nbprod.checklist import checklist_for

    return checklist_for(path, strict=False)


def report_checklist(report: Any, notebook_path: Any = None) -> Checklist | None:
    """The checklist of a one-notebook ``Report`` (None without one); ticking needs a file."""
    if len(report.notebooks) != 1 or not report.notebooks[0].extra.get("checklist"):
        return None
    nb = report.notebooks[0]
    data = nb.extra["checklist"]
    checklist = Checklist.from_dict(str(nb.path), data)
    if notebook_path is None:
        checklist.ticks_path = None
    if data.get("error"):
        checklist.warnings.append(str(data["error"]))
    return checklist


def report_widget(
    report: Any, notebook_path: Any = None, refresh: Callable[[], Any] | None = None
) -> ChecklistWidget | None:
    """The widget for ``%nbprod check``: ``refresh`` re-runs the check and returns a new Report."""
    checklist = report_checklist(report, notebook_path)
    if checklist is None:
        return None

    def again() -> Checklist:
        assert refresh is not None
        fresh = report_checklist(refresh(), notebook_path)
        if fresh is None:
            raise NbprodError("the check returned no checklist")
        return fresh

    return ChecklistWidget(checklist, again if refresh is not None else None)


def widget(path: str | os.PathLike[str], refresh: Refresh | None = None) -> ChecklistWidget:
    """The readiness checklist widget of a saved notebook."""
    return ChecklistWidget(_from_file(os.fspath(path)), refresh)


class _CallableModule(types.ModuleType):
    """``nbprod.widget(path)`` keeps working once this module is imported as ``nbprod.widget``."""

    def __call__(self, path: str | os.PathLike[str], refresh: Refresh | None = None) -> ChecklistWidget:
        return widget(path, refresh)


sys.modules[__name__].__class__ = _CallableModule
