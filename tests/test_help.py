"""Help texts: exit codes on every sub-command, every face named, unknown flags pointing
to the right help, ``%nbprod -h``."""

from __future__ import annotations

from typing import Any

import pytest

from nbprod.cli import COMMANDS, main


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_subcommand_help_gives_its_exit_codes(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out
    assert "  0  " in out and "  2  " in out


def test_top_level_help_names_every_face(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for face in ("nbprod check", "nbprod export", "nbprod verify", "%load_ext nbprod", "checklist"):
        assert face in out, face


def test_unknown_flag_points_to_the_subcommand_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--no-such-flag", "x.ipynb"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "nbprod check: error: unrecognized arguments: --no-such-flag" in err
    assert "see 'nbprod check --help'" in err


def test_unknown_top_level_flag_points_to_the_top_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-such-flag"]) == 2
    assert "see 'nbprod --help'" in capsys.readouterr().err


def test_magic_help_lists_subcommands(nbprod_shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    for line in ("-h", "--help", ""):
        result = nbprod_shell.run_cell(f"%nbprod {line}")
        assert result.success, result.error_in_exec
        out = capsys.readouterr().out
        assert "%nbprod check" in out and "%nbprod seed" in out
        assert "required" not in out
