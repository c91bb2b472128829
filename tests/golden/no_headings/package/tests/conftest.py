"""Fixtures: the notebook's folder as working directory, and one run of the sections."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from no_headings import _testing, config, pipeline

# The notebook's folder, where its relative paths (data files...) resolve; override with $NO_HEADINGS_WORKDIR.
WORKDIR = Path(
    os.environ.get("NO_HEADINGS_WORKDIR") or Path(__file__).resolve().parent / "../.."
)
PARAMETERS = {name: getattr(config, name) for name in []}
# Secrets the notebook wrote as literals: the package reads them from these variables.
SECRETS = []


@pytest.fixture(scope="session")
def workdir():
    """Run in the notebook's folder, as the notebook did."""
    if not WORKDIR.is_dir():
        pytest.skip(
            f"the notebook's folder {WORKDIR} is missing: set $NO_HEADINGS_WORKDIR"
        )
    missing = [name for name in SECRETS if not os.environ.get(name)]
    if missing:
        pytest.skip(
            f"the pipeline reads secrets from the environment: set {', '.join(missing)}"
        )
    old = Path.cwd()
    os.chdir(WORKDIR)
    yield WORKDIR
    os.chdir(old)


@pytest.fixture(scope="session")
def sections(workdir):
    """Each section's returned values and printed text, from one run in notebook order."""
    return _testing.run_sections(pipeline.SECTIONS, PARAMETERS)
