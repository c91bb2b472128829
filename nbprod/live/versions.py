"""Imported modules -> installed distributions and their versions; the Python environment.

Resolving a module is cheap for the common case (the distribution is named like the
module, or is in a short table of well-known aliases); only an unknown module pays for
``importlib.metadata.packages_distributions()`` (a scan of every installed distribution,
about 0.3 s), once per process.
"""

from __future__ import annotations

import functools
import importlib.metadata as metadata
import platform
import sys
from typing import Any

# module -> distribution, for names where the two differ (checked against what is installed)
KNOWN_ALIASES = {
    "sklearn": "scikit-learn", "skimage": "scikit-image", "cv2": "opencv-python",
    "PIL": "Pillow", "yaml": "PyYAML", "bs4": "beautifulsoup4", "dateutil": "python-dateutil",
    "dotenv": "python-dotenv", "jwt": "PyJWT", "attr": "attrs", "Crypto": "pycryptodome",
    "git": "GitPython", "docx": "python-docx", "serial": "pyserial", "google": "protobuf",
    "tensorflow": "tensorflow", "torch": "torch", "IPython": "ipython", "lightning": "lightning",
    "pytorch_lightning": "pytorch-lightning", "xgboost": "xgboost", "lightgbm": "lightgbm",
    "catboost": "catboost", "umap": "umap-learn", "Levenshtein": "python-Levenshtein",
    "sentence_transformers": "sentence-transformers", "faiss": "faiss-cpu",
    "pkg_resources": "setuptools", "mpl_toolkits": "matplotlib", "zmq": "pyzmq",
}  # fmt: skip
_OPTIONAL_CV2 = ("opencv-python-headless", "opencv-contrib-python")
STDLIB = frozenset(sys.stdlib_module_names) | {"__main__", "__future__", "builtins"}


@functools.lru_cache(maxsize=1)
def _all_distributions() -> dict[str, list[str]]:
    try:
        return dict(metadata.packages_distributions())
    except Exception:  # broken metadata somewhere in site-packages
        return {}


@functools.lru_cache(maxsize=4096)
def version_of(distribution: str) -> str | None:
    """The installed version of a distribution, or None."""
    try:
        return metadata.version(distribution)
    except Exception:
        return None


@functools.lru_cache(maxsize=4096)
def distribution_of(module: str) -> str | None:
    """The distribution that provides a top-level module, or None (stdlib, local, unknown)."""
    top = module.split(".", 1)[0]
    if top in STDLIB or top.startswith("_") and top[1:] in STDLIB:
        return None
    candidates = [KNOWN_ALIASES[top]] if top in KNOWN_ALIASES else []
    if top == "cv2":
        candidates.extend(_OPTIONAL_CV2)
    candidates += [top, top.replace("_", "-")]
    for name in candidates:
        if version_of(name) is not None:
            return _canonical_name(name)
    found = _all_distributions().get(top)
    return found[0] if found else None


@functools.lru_cache(maxsize=4096)
def _canonical_name(distribution: str) -> str:
    try:
        name = metadata.metadata(distribution)["Name"]
        return str(name) if name else distribution
    except Exception:
        return distribution


def module_info(module: str) -> dict[str, Any] | None:
    """``{"distribution", "version"}`` for an imported top-level module; None for stdlib."""
    top = module.split(".", 1)[0]
    if top in STDLIB:
        return None
    dist = distribution_of(top)
    if dist is not None:
        return {"distribution": dist, "version": version_of(dist)}
    mod = sys.modules.get(top)
    version = getattr(mod, "__version__", None)
    return {"distribution": None, "version": version if isinstance(version, str) else None}


def environment() -> dict[str, Any]:
    """Python version, implementation and platform (no paths: records get shared)."""
    import os

    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "pythonhashseed": os.environ.get("PYTHONHASHSEED"),
    }


def requirements(packages: dict[str, dict[str, Any]], python: str | None = None) -> str:
    """A pinned requirements file for the recorded distributions."""
    lines = ["# Pinned by nbprod from the packages this notebook's session imported."]
    if python:
        lines.append(f"# Python {python}")
    missing = []
    for dist in sorted(packages, key=str.lower):
        version = packages[dist].get("version")
        if version:
            lines.append(f"{dist}=={version}")
        else:
            missing.append(dist)
    if missing:
        lines.append(f"# no version known for: {', '.join(missing)}")
    return "\n".join(lines) + "\n"
