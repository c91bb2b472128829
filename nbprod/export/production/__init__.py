"""From package to production: ``train``, ``predict`` and ``monitor`` for a notebook that trains a model.

``attach()`` is the one call the exporter makes: it finds the model by data flow, adds the
runtime (``src/<pkg>/production/``), its spec and config, the generated tests, and the
README and EXPORT_REPORT sections.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from nbprod.export.production.detect import ModelSpec, detect, seeds
from nbprod.export.production.render import readme_section, report_section, tests_source

RUNTIME = Path(__file__).parent / "runtime"
RUNTIME_FILES = (
    "__init__.py",
    "capture.py",
    "profile.py",
    "drift.py",
    "card.py",
    "serve.py",
    "train.py",
    "html.py",
    "cli.py",
)
NEEDS = ("numpy", "pandas", "joblib")
# predict's CSV writer: the same bytes as pandas, its floats written by orjson where it writes repr's
# digits (about 20x faster than repr); the runtime falls back to repr without it (no PyPy wheel)
SPEEDUPS = ("orjson>=3.9.15; platform_python_implementation == 'CPython'",)
CONFIG = {
    "on_input_problem": "fail",
    "on_prediction_problem": "warn",
    "psi": 0.2,
    "ks_statistic": 0.1,
    "cramers_v": 0.1,
    "p_value": 0.01,
    "missing_rate_change": 0.1,
    "prediction_psi": 0.2,
    "bins": 10,
    "max_plots": 20,
    "save_samples": True,
    "prediction_log": "predictions.jsonl",
}

__all__ = ["CONFIG", "ModelSpec", "attach", "detect"]


def _requirements(requirements: list[str]) -> list[str]:
    import importlib.metadata

    have = {r.split("=")[0].split(">")[0].split("<")[0].split("[")[0].strip().lower() for r in requirements}
    extra = []
    for name in NEEDS:
        if name not in have:
            try:
                extra.append(f"{name}=={importlib.metadata.version(name)}")
            except importlib.metadata.PackageNotFoundError:
                extra.append(name)
    extra += [s for s in SPEEDUPS if s.split(">")[0] not in have]
    return extra


def attach(
    files: dict[str, str],
    plan: Any,
    facts: Any,
    package: str,
    dist: str,
    notebook: str,
    nb_hash: str,
    workdir: str = ".",
) -> ModelSpec | None:
    """Add the production face to an export's ``files`` (in place); returns what was detected."""
    spec = detect(plan.units, facts.imports, plan.config)
    if spec is None:
        files["EXPORT_REPORT.md"] = (
            files["EXPORT_REPORT.md"].rstrip("\n") + "\n\n" + report_section(None, package, dist)
        )
        return None
    pkg = f"src/{package}"
    for name in RUNTIME_FILES:
        files[f"{pkg}/production/{name}"] = (RUNTIME / name).read_text(encoding="utf-8")
    requirements = _requirements_of(files["pyproject.toml"])
    extra = _requirements(requirements)
    data = asdict(spec)
    data.update(
        dist=dist,
        package=package,
        version="0.1.0",
        notebook=notebook,
        notebook_sha256=nb_hash,
        seeds=seeds(plan.config),
        requirements=requirements + extra,
        artifacts_env=f"{package.upper()}_ARTIFACTS",
    )
    files[f"{pkg}/production/spec.json"] = json.dumps(data, indent=1) + "\n"
    files[f"{pkg}/production/config.json"] = json.dumps(CONFIG, indent=1) + "\n"
    files[f"{pkg}/__main__.py"] = (
        '"""``python -m``: train / predict / monitor, else the pipeline."""\n\nfrom .production.cli import main\n\nraise SystemExit(main())\n'
    )
    text = files["pyproject.toml"].replace(f'"{package}.pipeline:main"', f'"{package}.production.cli:main"')
    if extra:
        text = text.replace(
            "dependencies = [\n", "dependencies = [\n" + "".join(f'  "{d}",\n' for d in extra), 1
        )
    text = text.replace(
        '[tool.setuptools.packages.find]\nwhere = ["src"]\n',
        '[tool.setuptools.packages.find]\nwhere = ["src"]\n\n[tool.setuptools.package-data]\n"*" = ["*.json"]\n',
    )
    files["pyproject.toml"] = text
    files["tests/test_production.py"] = tests_source(spec, package, dist)
    files["README.md"] = (
        files["README.md"].rstrip("\n") + "\n\n" + readme_section(spec, package, dist, workdir)
    )
    files["EXPORT_REPORT.md"] = (
        files["EXPORT_REPORT.md"].rstrip("\n") + "\n\n" + report_section(spec, package, dist)
    )
    return spec


def _requirements_of(pyproject: str) -> list[str]:
    inside = (
        pyproject.split("dependencies = [", 1)[1].split("]", 1)[0] if "dependencies = [" in pyproject else ""
    )
    return [line.strip().strip(",").strip('"') for line in inside.splitlines() if line.strip().strip(",")]
