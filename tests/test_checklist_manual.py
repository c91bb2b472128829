"""Manual ticks: the git-friendly file beside the notebook, merges, corrupt files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLES

from nbprod.checklist import MANUAL_IDS, checklist_for
from nbprod.errors import NbprodError
from nbprod.manual import Tick, load_ticks, parse_ticks, render_ticks, save_tick, ticks_path
from nbprod.render import headline


@pytest.fixture
def nb(tmp_path: Path) -> Path:
    dst = tmp_path / "credit_risk_clean.ipynb"
    shutil.copy(SAMPLES / "credit_risk_clean.ipynb", dst)
    return dst


def test_tick_is_saved_beside_the_notebook_and_scored(nb: Path) -> None:
    before = checklist_for(nb)
    tick = save_tick(nb, "D6", True, "reviewed with legal", by="alice")
    path = ticks_path(nb)
    assert path == nb.with_name("credit_risk_clean.checklist.toml") and path.is_file()
    ticks = load_ticks(nb)
    assert ticks["D6"] == tick and set(ticks) == set(MANUAL_IDS)
    assert not any(t.done for k, t in ticks.items() if k != "D6")
    assert tick.by == "alice" and tick.at[:4].isdigit()
    after = checklist_for(nb)
    r = after.item("D6")
    assert (r.score, r.status) == (1, "ticked") and "alice" in r.reason and "reviewed with legal" in r.reason
    assert after.section("data").points == before.section("data").points + 1


def test_a_tick_scores_two_only_when_its_note_names_a_check_that_exists(nb: Path) -> None:
    # keywords are not evidence: "CI" and "GitHub Actions" with no file nbprod can see stay at 1
    save_tick(nb, "C8", True, "nbprod-check pre-commit hook and the GitHub Actions job `ci.yml`")
    save_tick(nb, "O3", True, "alerts in monitoring/drift.yml")
    save_tick(nb, "O4", True, "looked at it once")
    cl = checklist_for(nb)
    assert (cl.item("C8").score, cl.item("C8").status) == (1, "ticked")
    assert "no file nbprod can see" in cl.item("C8").fix
    assert cl.item("O3").score == 1 and cl.item("O4").score == 1 and "workflows" in cl.item("O4").fix
    # the files the notes name now exist beside the notebook: the ticks are automated
    workflow = nb.parent / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: push\n")
    (nb.parent / "monitoring").mkdir()
    (nb.parent / "monitoring" / "drift.yml").write_text("psi: 0.2\n")
    save_tick(nb, "C8", True, "runs in .github/workflows/ci.yml on every push")
    cl = checklist_for(nb)
    assert (cl.item("C8").score, cl.item("C8").status) == (2, "automated")
    assert ".github/workflows/ci.yml" in cl.item("C8").reason
    assert (cl.item("O3").score, cl.item("O3").status) == (2, "automated")
    assert cl.item("O4").score == 1


def test_unticked_manual_items_are_not_assessed_and_do_not_drag_a_section_down(nb: Path) -> None:
    cl = checklist_for(nb)
    deployment = cl.section("deployment")
    assert all(cl.item(i).score is None and cl.item(i).status == "open" for i in ("O1", "O3", "O4", "O5"))
    assert {r.item.id for r in deployment.awaiting()} == {"O1", "O3", "O4", "O5"}
    t = cl.tally()
    assert t["awaiting_review"] == len(MANUAL_IDS) and t["ticked"] == 0
    assert f"{t['awaiting_review']} manual item(s) await review" in headline(cl)
    assert cl.overall == min(s.score for s in cl.sections if s.assessed)


def test_file_lists_every_manual_item_in_order(nb: Path) -> None:
    save_tick(nb, "O5", True, 'quotes " and \\ backslashes\nand a newline', by="bob")
    text = ticks_path(nb).read_text()
    headers = [line for line in text.splitlines() if line.startswith("[")]
    assert headers == [f"[{i}]" for i in MANUAL_IDS]
    assert load_ticks(nb)["O5"].note == 'quotes " and \\ backslashes\nand a newline'
    # a tick that changes nothing does not rewrite the file
    mtime = ticks_path(nb).stat().st_mtime_ns
    save_tick(nb, "O5", True, 'quotes " and \\ backslashes\nand a newline', by="bob")
    assert ticks_path(nb).stat().st_mtime_ns == mtime


def test_unticking_keeps_the_note(nb: Path) -> None:
    save_tick(nb, "M5", True, "p99 12 ms")
    save_tick(nb, "M5", False, "p99 12 ms")
    cl = checklist_for(nb)
    assert (
        cl.item("M5").score is None
        and cl.item("M5").status == "open"
        and load_ticks(nb)["M5"].note == "p99 12 ms"
    )


def test_two_people_ticking_different_items_merge_cleanly(nb: Path, tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    save_tick(nb, "D5", False)  # the committed file: every item open
    base = ticks_path(nb).read_bytes()
    save_tick(nb, "D5", True, "rare categories listed in docs/features.md", by="alice")
    save_tick(nb, "D6", True, "DPIA signed", by="alice")
    ours = ticks_path(nb).read_bytes()
    ticks_path(nb).write_bytes(base)
    save_tick(nb, "F4", True, "sorted by application_date", by="bob")
    save_tick(nb, "O5", True, "", by="bob")
    theirs = ticks_path(nb).read_bytes()
    files = {}
    for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
        files[name] = tmp_path / name
        files[name].write_bytes(data)
    merge = subprocess.run(
        ["git", "merge-file", "-p", str(files["ours"]), str(files["base"]), str(files["theirs"])],
        capture_output=True,
    )
    assert merge.returncode == 0, merge.stdout.decode()
    merged = parse_ticks(merge.stdout)
    assert {k for k, t in merged.items() if t.done} == {"D5", "D6", "F4", "O5"}
    assert merged["F4"].by == "bob" and merged["D6"].note == "DPIA signed"


@pytest.mark.parametrize(
    "content",
    [
        b"[D5\ndone = true\n",  # broken TOML
        b"\xff\xfe\x00garbage",  # not UTF-8
        b"D5 = true\n",  # not a table
        b"[D5]\ndone = 'yes'\n",  # wrong type
        b"import os\nos.system('touch PWNED')\n",  # code is never executed
    ],
)
def test_corrupt_file_gives_one_line_and_is_never_overwritten(nb: Path, content: bytes) -> None:
    path = ticks_path(nb)
    path.write_bytes(content)
    with pytest.raises(NbprodError) as err:
        load_ticks(nb)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and "will not overwrite" in message
    with pytest.raises(NbprodError):
        save_tick(nb, "D5", True)
    assert path.read_bytes() == content
    assert not (nb.parent / "PWNED").exists() and not Path("PWNED").exists()


def test_corrupt_file_in_cli_is_an_input_error(nb: Path, capsys) -> None:
    from nbprod.cli import main

    ticks_path(nb).write_text("[D5]\ndone = maybe\n")
    assert main(["check", "--format", "json", str(nb)]) == 2
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("nbprod: error:")]
    assert len(errors) == 1 and "checklist.toml" in errors[0] and "not valid TOML" in errors[0]
    assert '"checklist"' in captured.out  # the other results are still reported
    assert ticks_path(nb).read_text() == "[D5]\ndone = maybe\n"


def test_auto_items_cannot_be_ticked(nb: Path) -> None:
    with pytest.raises(NbprodError, match="not a manual checklist item"):
        save_tick(nb, "F1", True)
    assert not ticks_path(nb).exists()


def test_unknown_ids_from_a_newer_version_are_kept(nb: Path) -> None:
    ticks_path(nb).write_text(render_ticks({"Z9": Tick(True, "future item", "carol", "2030-01-01")}, nb.name))
    save_tick(nb, "D5", True)
    assert load_ticks(nb)["Z9"] == Tick(True, "future item", "carol", "2030-01-01")


def test_checklist_for_non_strict_turns_corrupt_file_into_warning(nb: Path) -> None:
    ticks_path(nb).write_text("[[[")
    with pytest.raises(NbprodError):
        checklist_for(nb)
    cl = checklist_for(nb, strict=False)
    assert cl.warnings and "not valid TOML" in cl.warnings[0]
    assert all(cl.item(i).status == "open" for i in MANUAL_IDS)
