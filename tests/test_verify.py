"""nbprod verify with real kernels: reproduction, out-of-order history, seeds, volatile outputs, hangs, Ctrl-C."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import nbprod
from nbprod.cli import main
from nbprod.verify import VerifyResult

FIXTURES = Path(__file__).parent / "data" / "verify"
pytestmark = pytest.mark.slow


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the fixture folder (notebooks and data), never the repository's files."""
    dest = tmp_path / "project"
    shutil.copytree(FIXTURES, dest, ignore=shutil.ignore_patterns("build_fixtures.py", "__pycache__"))
    return dest


@pytest.fixture
def scratch_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private temporary folder for verify's runs, to prove none is left behind."""
    base = tmp_path / "scratch"
    base.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    return base


def saved_outputs(path: Path) -> list[int]:
    """Indices of code cells that have saved outputs."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and c["outputs"]]


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_reproducing_and_volatile_notebooks_are_quiet(folder: Path, scratch_tmp: Path) -> None:
    report = nbprod.verify(
        folder / "reproduces.ipynb", folder / "volatile.ipynb", runs=2, jobs=2, isolated=True
    )
    assert report.errors == []
    assert [f.rule for f in report.findings] == []
    for nb in report.notebooks:
        data = nb.extra["verify"]
        expected = saved_outputs(Path(nb.path))
        assert data["ran"] and data["reproduced"] is True and data["deterministic"] is True
        assert data["counts"]["compared"] == data["counts"]["matched"] == len(expected)
        assert [c["cell"] for c in data["cells"] if c["status"] == "matched"] == expected
    assert list(scratch_tmp.iterdir()) == []


def test_out_of_order_history_fails_at_the_cell_and_names_the_name(
    folder: Path, scratch_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", str(folder / "out_of_order.ipynb"), "--format", "json"])
    assert code == 1
    doc = json.loads(capsys.readouterr().out)
    (nb,) = doc["notebooks"]
    (finding,) = nb["findings"]  # one root cause, no knock-on failures
    assert finding["rule"] == "NB501" and finding["severity"] == "error"
    assert finding["cell"] == 1 and finding["line"] == 1
    assert "'radius'" in finding["message"] and "cell 3" in finding["message"]
    verify = nb["verify"]
    assert verify["cause"]["kind"] == "defined-later" and verify["cause"]["rule"] == "NB104"
    assert [c["status"] for c in verify["cells"]] == ["empty", "failed", "not-run", "not-run"]
    assert verify["reproduced"] is False
    assert list(scratch_tmp.iterdir()) == []


def test_unseeded_randomness_is_flagged_with_the_seed_and_quiet_once_seeded(folder: Path) -> None:
    report = nbprod.verify(folder / "unseeded.ipynb", folder / "seeded.ipynb", runs=2, jobs=2, isolated=True)
    unseeded, seeded = report.notebooks
    nb503 = [f for f in unseeded.findings if f.rule == "NB503"]
    assert len(nb503) == 1 and nb503[0].cell == 1
    assert "np.random.seed" in nb503[0].message and "NB201" in nb503[0].message
    assert unseeded.extra["verify"]["deterministic"] is False
    assert seeded.findings == []
    assert seeded.extra["verify"]["deterministic"] is True and seeded.extra["verify"]["reproduced"] is True


def test_hanging_cell_times_out_and_its_kernel_is_killed(
    folder: Path, scratch_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pidfile = tmp_path / "kernel.pid"
    monkeypatch.setenv("NBPROD_TEST_PIDFILE", str(pidfile))
    started = time.monotonic()
    report = nbprod.verify(folder / "hangs.ipynb", timeout=3, isolated=True)
    assert time.monotonic() - started < 60
    (finding,) = report.findings
    assert finding.rule == "NB501" and finding.cell == 1 and "timeout" in finding.message
    assert report.notebooks[0].extra["verify"]["cause"]["kind"] == "timeout"
    kernel_pid = int(pidfile.read_text())
    child_pid = int(Path(f"{pidfile}.child").read_text())
    deadline = time.monotonic() + 10
    while (alive(kernel_pid) or alive(child_pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(kernel_pid) and not alive(child_pid)
    assert list(scratch_tmp.iterdir()) == []


def test_user_files_are_never_touched_and_missing_kernels_fall_back(folder: Path) -> None:
    nb_path = folder / "writes_files.ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["metadata"]["kernelspec"]["name"] = "conda-env-gone-py"
    nb_path.write_text(json.dumps(nb), encoding="utf-8")
    before = tree_digest(folder)
    result = nbprod.verify.verify_notebook(nb_path)
    assert tree_digest(folder) == before
    assert result.ran and result.kernel == "python3"
    assert any("conda-env-gone-py" in note for note in result.notes)
    # the cell that never ran in the saved notebook prints now: not comparable, not a difference
    assert [c.status for c in result.cells] == ["empty", "not-comparable"]
    assert result.reproduced is None


def test_missing_data_file_is_the_root_cause(folder: Path) -> None:
    async def from_a_running_loop() -> VerifyResult:  # as when called inside Jupyter
        return nbprod.verify.verify_notebook(folder / "missing.ipynb")

    result = asyncio.run(from_a_running_loop())
    assert not result.ran and result.cause is not None
    assert result.cause.kind == "missing-file" and result.cause.name == "data/not_there.csv"
    assert [f.rule for f in result.findings] == ["NB501"]
    assert result.findings[0].cell == 1


def test_check_verify_adds_re_execution_to_the_static_checks(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--verify", "--format", "json", str(folder / "out_of_order.ipynb")])
    assert code == 1
    (nb,) = json.loads(capsys.readouterr().out)["notebooks"]
    rules = {f["rule"] for f in nb["findings"]}
    assert {"NB104", "NB501"} <= rules
    assert nb["verify"]["counts"]["failed"] == 1


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_cleans_up_kernel_and_temporary_folders(
    folder: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    pidfile = tmp_path / "kernel.pid"
    env = {**os.environ, "TMPDIR": str(scratch), "NBPROD_TEST_PIDFILE": str(pidfile)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbprod", "verify", str(folder / "hangs.ipynb"), "--timeout", "600"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        child = Path(f"{pidfile}.child")
        deadline = time.monotonic() + 60
        while not child.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert child.exists(), (
            proc.stderr.read().decode() if proc.poll() is not None else "kernel never started"
        )
        time.sleep(0.3)
        os.killpg(proc.pid, sig)  # like Ctrl-C in a terminal: the whole foreground group
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130
    assert b"interrupted" in err and b"Traceback" not in err
    kernel_pid, child_pid = int(pidfile.read_text()), int(child.read_text())
    deadline = time.monotonic() + 10
    while (alive(kernel_pid) or alive(child_pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(kernel_pid) and not alive(child_pid)
    assert list(scratch.iterdir()) == []
