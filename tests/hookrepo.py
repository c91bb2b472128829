"""Shared helpers for the tests that install nbprod into real pre-commit or venv setups:
a cached setuptools wheel (pip offline after the first run), git with a fixed identity,
and a git repo holding this checkout's installable files for pre-commit to use."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from realworld import cache_dir

REPO = Path(__file__).resolve().parent.parent
GIT_ENV = {
    "GIT_AUTHOR_NAME": "nbprod tests",
    "GIT_AUTHOR_EMAIL": "tests@nbprod.invalid",
    "GIT_COMMITTER_NAME": "nbprod tests",
    "GIT_COMMITTER_EMAIL": "tests@nbprod.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
# What `pip install .` of the checkout needs to build it (pyproject's build-system).
BUILD_REQUIREMENT = "setuptools>=77"


def run(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """Run a command; with ``check``, fail the test with its output when it fails."""
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def wheelhouse() -> Path | None:
    """A folder with a setuptools wheel for offline builds, downloaded once; None offline."""
    wheels = cache_dir() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    if not any(wheels.glob("setuptools-*.whl")):
        cmd = [sys.executable, "-m", "pip", "download", BUILD_REQUIREMENT, "--only-binary", ":all:"]
        cmd += ["--no-deps", "--disable-pip-version-check", "-q", "-d", str(wheels)]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=300)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
            return None
    return wheels if any(wheels.glob("setuptools-*.whl")) else None


def hook_env(base: Path, wheels: Path) -> dict[str, str]:
    """Environment for pre-commit: its own home, system site-packages, pip offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUALENV_", "PRE_COMMIT"))}
    env.update(GIT_ENV)
    env.update(
        {
            "PRE_COMMIT_HOME": str(base / "pre-commit-home"),
            "VIRTUALENV_SYSTEM_SITE_PACKAGES": "1",
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(wheels),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
    )
    return env


def hook_repo(dest: Path, env: dict[str, str]) -> str:
    """Copy the checkout's installable files into a new git repo; return the commit id."""
    dest.mkdir()
    shutil.copytree(REPO / "nbprod", dest / "nbprod", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "LICENSE"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, dest / name)
    run(["git", "init", "-q"], dest, env)
    run(["git", "add", "-A"], dest, env)
    run(["git", "commit", "-q", "-m", "nbprod under test"], dest, env)
    return run(["git", "rev-parse", "HEAD"], dest, env).stdout.strip()
