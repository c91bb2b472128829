"""Shared helpers for the tests that install nbprod into real pre-commit or venv setups:
a wheelhouse of nbprod's build and runtime dependencies (built once from the package
indexes, then pip runs offline against it), git with a fixed identity, and a git repo
holding this checkout's installable files for pre-commit to use.

Nothing here relies on the interpreter running the tests: the environments are built
without system site-packages, so the suite passes in a fresh venv exactly as in CI.
"""

from __future__ import annotations

import hashlib
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


def requirements() -> list[str]:
    """nbprod's build requirement and runtime dependencies, read from pyproject.toml."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return [*project["build-system"]["requires"], *project["project"]["dependencies"]]


def wheelhouse() -> Path | None:
    """Wheels of everything ``pip install`` of the checkout needs, built once from the
    package indexes (one folder per requirement list); None when they cannot be fetched."""
    reqs = requirements()
    key = hashlib.sha256("\n".join([sys.version, *reqs]).encode()).hexdigest()[:12]
    wheels = cache_dir() / f"wheelhouse-{key}"
    done = wheels / ".complete"
    if not done.is_file():
        partial = wheels.with_name(wheels.name + f".partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "-w", str(partial)]
        try:
            subprocess.run([*cmd, *reqs], check=True, capture_output=True, timeout=900)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
            shutil.rmtree(partial, ignore_errors=True)
            return None
        (partial / ".complete").write_text("\n".join(reqs) + "\n")
        shutil.rmtree(wheels, ignore_errors=True)
        partial.rename(wheels)
    return wheels


def hook_env(base: Path, wheels: Path) -> dict[str, str]:
    """Environment for pre-commit: its own home, no system site-packages, pip offline
    against the wheelhouse (what a new user's machine has, minus the download)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUALENV_", "PRE_COMMIT"))}
    env.update(GIT_ENV)
    env.update(
        {
            "PRE_COMMIT_HOME": str(base / "pre-commit-home"),
            "VIRTUALENV_SYSTEM_SITE_PACKAGES": "0",
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
