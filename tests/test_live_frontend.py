"""The kernel side of the live face: what the JupyterLab extension sends and gets, and the
checks that now follow the notebook as the user sees it (meaning, grouping, NB202...)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import test_live
from IPython.core.interactiveshell import InteractiveShell
from test_live import CREDIT, REPO, run, write_notebook

from nbprod.live import get_hooks

shell = test_live.shell  # the same fixture: a real InteractiveShell in tmp_path


class FakeComm:
    """Stands in for the Jupyter comm: keeps what the kernel sends."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, data: dict[str, Any]) -> None:
        self.sent.append(data)

    def on_msg(self, fn: Any) -> None:
        self.handler = fn

    def on_close(self, fn: Any) -> None:
        pass

    def close(self) -> None:
        pass


def loaded(shell: InteractiveShell, tmp_path: Path) -> Any:
    """nbprod loaded in a shell beside an empty saved n.ipynb, a front end connected."""
    write_notebook(tmp_path / "n.ipynb", [])
    run(shell, "%load_ext nbprod", "load")
    hooks = get_hooks(shell)
    connect(hooks)
    return hooks


def connect(hooks: Any) -> FakeComm:
    comm = FakeComm()
    hooks.frontend._attach(comm)
    return comm


def send_notebook(
    hooks: Any, path: str, cells: list[tuple[str, str]], edited: set[str] = frozenset()
) -> None:  # type: ignore[assignment]
    hooks.frontend._receive(
        {
            "content": {
                "data": {
                    "type": "notebook",
                    "path": path,
                    "cells": [
                        {"id": cid, "kind": "code", "source": src, "edited": cid in edited}
                        for cid, src in cells
                    ],
                }
            }
        }
    )


def rules(found: Any) -> list[tuple[str | None, str]]:
    return [(w["cell_id"], w["rule"]) for w in found]


def test_front_end_order_and_rename_work_before_any_save(shell: InteractiveShell, tmp_path: Path) -> None:
    # "New notebook -> Rename": the file on disk is empty and has another name
    write_notebook(tmp_path / "Untitled.ipynb", [])
    (tmp_path / "Untitled.ipynb").rename(tmp_path / "churn.ipynb")
    run(shell, "%load_ext nbprod", "load")
    hooks = get_hooks(shell)
    comm = connect(hooks)
    cells = [("load", "%load_ext nbprod"), ("use", "y = x + 1"), ("define", "x = 1")]
    send_notebook(hooks, "churn.ipynb", cells)
    assert hooks.notebook_path() == (tmp_path / "churn.ipynb").resolve()
    assert "JupyterLab extension connected: live checks follow churn.ipynb" in hooks.frontend_line()
    run(shell, "x = 1", "define")
    found = hooks.session.warnings
    run(shell, "y = x + 1", "use")
    assert rules(found) == [("use", "NB104")]
    assert "defined only in cell 3, below this one" in found[-1]["message"]
    last = comm.sent[-1]
    assert last["type"] == "findings" and [f["rule"] for f in last["cells"]["use"]] == ["NB104"]

    # moved above its reader (no save): re-running the reader resolves the finding
    send_notebook(hooks, "churn.ipynb", [cells[0], cells[2], cells[1]])
    run(shell, "y = x + 1", "use")
    assert not hooks.session.warnings and comm.sent[-1]["cells"] == {}


def test_edits_without_rerun_count_only_when_they_change_the_meaning(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    hooks = loaded(shell, tmp_path)
    a, b = ("a", "rate = 0.5"), ("b", "cost = rate * 100")
    send_notebook(hooks, "n.ipynb", [a, b])
    run(shell, a[1], "a")
    run(shell, b[1], "b")
    # a comment and spacing: the same code, nothing to say
    send_notebook(hooks, "n.ipynb", [("a", "# the rate\nrate  =  0.5   # per hour\n\n"), b], {"a"})
    run(shell, b[1], "b")
    assert not hooks.session.warnings
    # a real edit, not re-run: the value is stale
    send_notebook(hooks, "n.ipynb", [("a", "rate = 0.7"), b], {"a"})
    run(shell, b[1], "b")
    (w,) = hooks.session.warnings
    assert w["rule"] == "NB107" and "'rate' comes from cell 1 as it was before its last edit" in w["message"]
    assert w["fix"].startswith("Run the edited cell again")


def test_one_note_for_names_with_one_cause_and_a_clear_hint_for_a_deleted_cell(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    hooks = loaded(shell, tmp_path)
    split, fit = ("split", "X = [1, 2]\ny = [0, 1]"), ("fit", "model = (X, y)")
    send_notebook(hooks, "n.ipynb", [fit, split])
    run(shell, split[1], "split")
    run(shell, fit[1], "fit")
    (w,) = hooks.session.warnings
    assert w["message"].startswith("'X' and 'y' are defined only in cell 2") and w["names"] == ["X", "y"]
    send_notebook(hooks, "n.ipynb", [fit])  # the defining cell is deleted
    run(shell, fit[1], "fit")
    (w,) = hooks.session.warnings
    assert "'X' and 'y' were set by a cell that has since been deleted" in w["message"]
    assert "re-create the definition" in w["fix"] and "re-run the defining" not in w["fix"].lower()
    assert not any("`" in v["message"] + v["fix"] for v in hooks.session.warnings)


def test_saved_file_still_works_without_the_extension(shell: InteractiveShell, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "n.ipynb", [("a", "rate = 0.5"), ("b", "cost = rate * 100")])
    shell.user_ns["__session__"] = str(nb)
    run(shell, "%load_ext nbprod", "load")
    hooks = get_hooks(shell)
    assert "no nbprod front-end extension here" in hooks.frontend_line()
    run(shell, "rate = 0.5", "a")
    run(shell, "cost = rate * 100", "b")
    write_notebook(nb, [("a", "rate = 0.5  # per hour"), ("b", "cost = rate * 100")])  # comment only
    run(shell, "cost = rate * 100", "b")
    assert not hooks.session.warnings


def test_resolved_nb107_disappears_after_the_rerun(shell: InteractiveShell) -> None:
    run(shell, "%load_ext nbprod", "load")
    hooks = get_hooks(shell)
    run(shell, "a = 1\nb = 2", "def")
    run(shell, "c = b + 1", "use")
    run(shell, "a = 1", "def")  # b is no longer defined by the cell
    run(shell, "c = b + 1", "use")
    assert rules(hooks.session.warnings) == [("use", "NB107")]
    run(shell, "a = 1\nb = 3", "def")
    run(shell, "c = b + 1", "use")
    assert not hooks.session.warnings and "NB107" not in json.dumps(hooks.record()["warnings"])


def test_live_nb202_for_splits_and_estimators_without_random_state(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, "%load_ext nbprod", "load")
    hooks = get_hooks(shell)
    run(shell, "from sklearn.model_selection import train_test_split\nimport sklearn.ensemble as ens", "imp")
    run(shell, "X = [[i] for i in range(20)]\ny = [i % 2 for i in range(20)]", "data")
    cell = (
        "Xa, Xb, ya, yb = train_test_split(X, y)\nm = ens.RandomForestClassifier(n_estimators=3).fit(Xa, ya)"
    )
    run(shell, cell, "fit")
    (w,) = hooks.session.warnings
    assert w["rule"] == "NB202" and w["cell_id"] == "fit"
    assert w["message"] == (
        "train_test_split() and ens.RandomForestClassifier() have no random_state: the result changes on every run"
    )
    assert "nbprod NB202" in capsys.readouterr().err
    run(shell, cell, "fit")  # the same cell again: no second note
    assert len(hooks.session.warnings) == 1 and "NB202" not in capsys.readouterr().err
    run(shell, "Xa, Xb, ya, yb = train_test_split(X, y, random_state=0)", "fit2")
    assert len(hooks.session.warnings) == 1


def test_check_uses_the_session_order_not_the_counts_on_disk(
    shell: InteractiveShell, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the file says the cells ran out of order (a previous session); this session ran them in order
    cells = [("a", "x = 1"), ("b", "y = x + 1"), ("c", "z = y + 1")]
    nb = write_notebook(tmp_path / "n.ipynb", cells)
    data = json.loads(nb.read_text())
    for cell, count in zip(data["cells"], (5, 2, 9), strict=True):
        cell["execution_count"] = count
    nb.write_text(json.dumps(data))
    shell.user_ns["__session__"] = str(nb)
    from nbprod.cli import main

    assert main(["check", str(nb), "--select", "NB101", "--fail-on", "never"]) == 0
    assert "NB101" in capsys.readouterr().out  # the saved counts are out of order
    run(shell, "%load_ext nbprod", "load")
    for cid, src in cells:
        run(shell, src, cid)
    capsys.readouterr()
    run(shell, "%nbprod check --text --select NB101", "check")
    out = capsys.readouterr().out
    assert "NB101" not in out and "n.ipynb" in out


def test_data_is_hashed_off_the_cell_and_big_files_are_sampled(
    shell: InteractiveShell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    import numpy as np

    import nbprod.live.data as data_mod

    threads: list[str] = []
    original = data_mod._sha256
    monkeypatch.setattr(
        data_mod, "_sha256", lambda p: threads.append(threading.current_thread().name) or original(p)
    )
    monkeypatch.setattr(data_mod, "FULL_HASH_MAX", 1000)
    np.save(tmp_path / "small.npy", np.arange(10))
    np.save(tmp_path / "big.npy", np.zeros(10_000))
    run(shell, "%load_ext nbprod", "load")
    hooks = get_hooks(shell)
    run(shell, "import numpy as np\na = np.load('small.npy')\nb = np.load('big.npy', mmap_mode='r')", "read")
    assert hooks.background.flush()
    files = {d["path"]: d for d in hooks.record()["data"]}
    assert files["small.npy"]["sha256"] == hashlib.sha256((tmp_path / "small.npy").read_bytes()).hexdigest()
    assert files["big.npy"]["sha256"] is None and len(files["big.npy"]["sha256_sample"]) == 64
    assert threads == ["nbprod-live"]  # never on the cell's thread


def test_readers_are_wrapped_before_the_import_cell_runs(tmp_path: Path) -> None:
    """A fresh interpreter (pandas not yet imported): the read in the import cell is recorded."""
    script = f"""
import json, sys
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config
cfg = Config(); cfg.HistoryManager.hist_file = ":memory:"
sh = InteractiveShell(config=cfg)
assert "pandas" not in sys.modules
sh.run_cell("%load_ext nbprod", cell_id="load")
r = sh.run_cell("import pandas as pd\\ndf = pd.read_csv({str(CREDIT)!r})", cell_id="imp")
assert r.success
from nbprod.live import get_hooks
hooks = get_hooks(sh)
hooks.background.flush()
print(json.dumps(hooks.record()["data"]))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "IPYTHONDIR": str(tmp_path / ".ipy")},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    (entry,) = json.loads(out.stdout.strip().splitlines()[-1])
    assert entry["cell_id"] == "imp" and entry["reader"] == "pandas.read_csv" and entry["rows"] > 0
    assert entry["sha256"] is not None


def test_stale_outputs_are_sent_to_the_front_end(shell: InteractiveShell, tmp_path: Path) -> None:
    hooks = loaded(shell, tmp_path)
    comm = hooks.frontend.comm
    cells = [("a", "x = 1"), ("b", "y = x * 2"), ("c", "z = 3")]
    send_notebook(hooks, "n.ipynb", cells)
    for cid, src in cells:
        run(shell, src, cid)
    assert comm.sent[-1]["stale"] == {}
    run(shell, "x = 1", "a")  # x re-computed: b's output came from the old x
    assert comm.sent[-1]["stale"] == {"b": ["x"]}
    run(shell, "y = x * 2", "b")
    assert comm.sent[-1]["stale"] == {}


def test_ctrl_c_in_nbprods_bookkeeping_never_shows_a_traceback(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, "%load_ext nbprod", "load")
    hooks = get_hooks(shell)

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(hooks.session, "run", interrupted)
    capsys.readouterr()
    result = run(shell, "v = 1", "c1")
    out = capsys.readouterr()
    assert result.success and shell.user_ns["v"] == 1
    assert "Traceback" not in out.out + out.err and "nbprod" not in out.out + out.err


def test_the_note_under_the_cell_steps_aside_when_the_front_end_marks_it(
    shell: InteractiveShell, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cells = [("use", "y = x + 1"), ("define", "x = 1")]
    hooks = loaded(shell, tmp_path)
    comm = hooks.frontend.comm
    send_notebook(hooks, "n.ipynb", cells)
    run(shell, "x = 1", "define")
    capsys.readouterr()
    run(shell, "y = x + 1", "use")
    # connected: the finding goes to the front end (its marker), not under the cell too
    assert "NB104" not in capsys.readouterr().err
    assert [f["rule"] for f in comm.sent[-1]["cells"]["use"]] == ["NB104"]
    # not connected (no extension): the note stays under the cell
    hooks.frontend.connected = False
    run(shell, "y = x + 1", "use")
    assert "nbprod NB104" in capsys.readouterr().err


def test_quiet_re_runs_still_see_what_changed(shell: InteractiveShell, tmp_path: Path) -> None:
    """The fast path of re-runs (no checks while nothing changed) misses no change."""
    hooks = loaded(shell, tmp_path)
    comm = hooks.frontend.comm
    cells = [("a", "x = 1"), ("b", "y = x * 2")]
    send_notebook(hooks, "n.ipynb", cells)
    for _ in range(3):
        for cid, src in cells:
            run(shell, src, cid)
    s = hooks.session
    state = s.cells["b"]
    assert state.clean == s.epoch and state.runs == 3 and not s.warnings  # quiet: fast path
    assert s.definers["x"].seq == s.cells["a"].last_seq  # the definer's run is current
    # the front end moves b above a: the next run of b is checked again
    send_notebook(hooks, "n.ipynb", cells[::-1])
    run(shell, "y = x * 2", "b")
    assert rules(s.warnings) == [("b", "NB104")]
    send_notebook(hooks, "n.ipynb", cells)
    run(shell, "y = x * 2", "b")
    assert not s.warnings
    # a failed run falls back to the full record; the log counts every run
    assert not run(shell, "x = 1\n1 / 0", "a").success
    run(shell, "x = 1", "a")
    record = hooks.record()
    assert record["cells"]["a"]["runs"] == 5 and record["cells"]["b"]["runs"] == 5
    assert [e["cell_id"] for e in record["executions"]][-2:] == ["a", "a"]
    assert record["summary"]["executions"] == s.seq and comm.sent[-1]["stale"] == {"b": ["x"]}


def test_the_front_ends_unchanged_notebook_after_a_run_keeps_the_fast_path(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    """JupyterLab sends the notebook after every execution, mostly unchanged: that must not
    make every cell's next run a full check (it did: each message re-checked all cells)."""
    hooks = loaded(shell, tmp_path)
    cells = [("a", "x = 1"), ("b", "y = x * 2")]
    send_notebook(hooks, "n.ipynb", cells)
    for _ in range(2):
        for cid, src in cells:
            run(shell, src, cid)
    s = hooks.session
    epoch, generation = s.epoch, hooks.frontend.view.generation
    for _ in range(3):
        send_notebook(hooks, "n.ipynb", cells)  # as after each run: nothing changed
        run(shell, "y = x * 2", "b")
    assert s.epoch == epoch and hooks.frontend.view.generation == generation
    assert s.cells["b"].clean == s.epoch and s.cells["b"].runs == 5  # re-runs took the fast path
    # a real edit (not re-run) is still seen at once
    send_notebook(hooks, "n.ipynb", [("a", "x = 2"), ("b", "y = x * 2")], edited={"a"})
    assert s.epoch != epoch and hooks.frontend.view.generation == generation + 1
    run(shell, "y = x * 2", "b")
    assert rules(s.warnings) == [("b", "NB107")]


def test_a_definers_run_is_its_cells_state_until_the_code_changes(shell: InteractiveShell) -> None:
    """The defining version reads its run's counters from the cell's state (one object per
    re-run to update); an edit, or a run that failed before a definition, freezes them."""
    run(shell, "%load_ext nbprod", "load")
    s = get_hooks(shell).session
    run(shell, "x = 1\ny = 2", "a")
    run(shell, "x = 1\ny = 2", "a")
    first = s.definers["y"]
    assert first.seq == s.cells["a"].last_seq and first.time == s.cells["a"].time
    run(shell, "x = 1", "a")  # y is left over from the earlier version: its facts stay put
    seq_y = s.definers["y"].seq
    assert s.definers["y"] is first and first.state is None and seq_y < s.cells["a"].last_seq
    run(shell, "x = 1", "a")
    assert s.definers["y"].seq == seq_y and s.definers["x"].seq == s.cells["a"].last_seq
    # the same code fails before setting z: z keeps the last good run's facts, x moves on
    run(shell, "d = 1", "c")
    run(shell, "x = 1\nz = 3 / d", "b")
    good = s.definers["z"].seq
    run(shell, "d = 0", "c")
    assert not run(shell, "x = 1\nz = 3 / d", "b").success
    assert not run(shell, "x = 1\nz = 3 / d", "b").success
    assert s.definers["z"].seq == good < s.definers["x"].seq == s.cells["b"].last_seq
    assert s.definers["z"] is not s.cells["b"].version and s.definers["x"] is s.cells["b"].version
