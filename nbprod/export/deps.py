"""Dependencies: imports mapped to distributions, pinned to recorded or installed versions."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterable
from typing import Any

# Import names whose distribution is named differently (when it is not installed here).
KNOWN = {
    "sklearn": "scikit-learn", "cv2": "opencv-python", "PIL": "pillow", "yaml": "PyYAML",
    "bs4": "beautifulsoup4", "skimage": "scikit-image", "dateutil": "python-dateutil",
    "dotenv": "python-dotenv", "Crypto": "pycryptodome", "google.protobuf": "protobuf",
    "attr": "attrs", "jwt": "PyJWT", "magic": "python-magic", "serial": "pyserial",
    "usb": "pyusb", "Bio": "biopython", "OpenSSL": "pyOpenSSL", "docx": "python-docx",
    "pptx": "python-pptx", "fitz": "PyMuPDF", "tensorflow_hub": "tensorflow-hub",
    "lightgbm": "lightgbm", "xgboost": "xgboost", "catboost": "catboost", "IPython": "ipython",
    "sentencepiece": "sentencepiece", "umap": "umap-learn", "hdbscan": "hdbscan",
    "statsmodels": "statsmodels", "git": "GitPython", "slugify": "python-slugify",
    "mpl_toolkits": "matplotlib", "pkg_resources": "setuptools", "ipywidgets": "ipywidgets",
    "sqlalchemy": "SQLAlchemy", "psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient",
    "zmq": "pyzmq", "lxml": "lxml", "win32api": "pywin32", "gi": "PyGObject",
    "Levenshtein": "python-Levenshtein", "sentence_transformers": "sentence-transformers",
    "tables": "tables", "nltk": "nltk", "spacy": "spacy", "torchvision": "torchvision",
}  # fmt: skip
# Distributions a used API needs although nothing imports them by name: (pattern in the
# exported code, import name of the distribution it needs).
OPTIONAL_APIS = (
    (re.compile(r"\bas_frame\s*=\s*True|\bfetch_openml\b"), "pandas"),
    (re.compile(r"\.(?:read|to)_parquet\b"), "pyarrow"),
    (re.compile(r"\.(?:read|to)_excel\b|\bExcelWriter\b"), "openpyxl"),
    (re.compile(r"\.(?:read|to)_xml\b|\.read_html\b"), "lxml"),
    (re.compile(r"\.to_markdown\b"), "tabulate"),
    (re.compile(r"\.style\b"), "jinja2"),
    (re.compile(r"\.(?:read|to)_feather\b|\.read_orc\b"), "pyarrow"),
    (re.compile(r"\bset_output\s*\(\s*transform\s*=\s*[\"']pandas"), "pandas"),
    (re.compile(r"\.(?:read|to)_hdf\b|\bHDFStore\b"), "tables"),
    (re.compile(r"\.read_sql(?:_query|_table)?\b|\.to_sql\b"), "sqlalchemy"),
    # plotly's notebook renderers (iplot, init_notebook_mode, a renderer set by name) need nbformat
    (
        re.compile(
            r"\b(?:iplot|init_notebook_mode)\s*\(|\brenderers\.default\s*=\s*[\"'](?!browser|png|svg|jpe?g|pdf)"
        ),
        "nbformat",
    ),
)
_REQ_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


@functools.lru_cache(maxsize=1)
def _installed_map() -> dict[str, list[str]]:
    from importlib.metadata import packages_distributions

    try:
        return dict(packages_distributions())
    except Exception:  # a broken installed distribution must not stop an export
        return {}


def distribution(module: str) -> str | None:
    """The distribution that provides a top-level import name (None for the stdlib)."""
    root = module.split(".")[0]
    if not root or root in sys.stdlib_module_names or root == "__future__":
        return None
    dists = _installed_map().get(root)
    if dists:
        return sorted(dists, key=lambda d: (d.lower() != KNOWN.get(root, root).lower(), d))[0]
    return KNOWN.get(module) or KNOWN.get(root) or root


def optional_modules(code: str) -> set[str]:
    """Import names of the distributions that the APIs used in ``code`` need at run time."""
    return {module for pattern, module in OPTIONAL_APIS if pattern.search(code)}


_IN_KERNEL = r"""
import json as _j
from importlib import metadata as _m
def _nbprod_pins(roots, dists):
    try:
        _map = _m.packages_distributions()
    except Exception:
        _map = {}
    out = {"map": {r: _map.get(r, []) for r in roots}, "versions": {}, "python": __import__("sys").version.split()[0]}
    for d in set(dists) | {x for r in roots for x in _map.get(r, [])}:
        try:
            out["versions"][d] = _m.version(d)
        except Exception:
            pass
    return out
print("NBPROD-PINS" + _j.dumps(_nbprod_pins(%s, %s)))
"""
_ASK = r"""
import json, sys
from jupyter_client.manager import start_new_kernel
name, code = sys.argv[1], sys.argv[2]
km, kc = start_new_kernel(kernel_name=name, startup_timeout=60)
try:
    out = []
    def hook(msg):
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
    kc.execute_interactive(code, timeout=60, output_hook=hook)
    print("".join(out))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
"""


@functools.lru_cache(maxsize=32)
def _ask_kernel(kernel: str, roots: tuple[str, ...], dists: tuple[str, ...]) -> dict[str, Any] | None:
    """Ask the notebook's kernel (a short subprocess) which distributions and versions it has."""
    import json
    import os
    import subprocess

    if os.environ.get("NBPROD_EXPORT_NO_KERNEL"):
        return None
    code = _IN_KERNEL % (json.dumps(list(roots)), json.dumps(list(dists)))
    try:
        done = subprocess.run(
            [sys.executable, "-c", _ASK, kernel, code], capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    for line in done.stdout.splitlines():
        if line.startswith("NBPROD-PINS"):
            try:
                data = json.loads(line[len("NBPROD-PINS") :])
            except ValueError:
                return None
            return data if isinstance(data, dict) else None
    return None


def kernel_name(nb: Any) -> str:
    """The kernel the notebook names in its metadata (``python3`` when it names none)."""
    spec = nb.metadata.get("kernelspec") if isinstance(nb.metadata, dict) else None
    name = spec.get("name") if isinstance(spec, dict) else None
    return str(name) if name else "python3"


def _recorded(record: Any) -> dict[str, str]:
    """Package versions from a session record, whatever shape it stores them in."""
    if not isinstance(record, dict):
        return {}
    found: dict[str, str] = {}
    for key in ("packages", "versions", "environment", "env"):
        value = record.get(key)
        if isinstance(value, dict) and key in ("environment", "env"):
            value = value.get("packages") or value.get("versions")
        if isinstance(value, dict):
            for name, version in value.items():
                if isinstance(version, dict):
                    version = version.get("version")
                if isinstance(name, str) and isinstance(version, str):
                    found[_norm(name)] = version
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    v = item.get("version")
                    if isinstance(v, str):
                        found[_norm(item["name"])] = v
    return found


def _recorded_modules(record: Any) -> dict[str, str]:
    """Import name -> distribution, from a record whose packages list the modules they provide."""
    out: dict[str, str] = {}
    packages = record.get("packages") if isinstance(record, dict) else None
    if isinstance(packages, dict):
        for dist, info in packages.items():
            if isinstance(info, dict) and isinstance(info.get("modules"), list):
                for m in info["modules"]:
                    if isinstance(m, str) and isinstance(dist, str):
                        out.setdefault(m.split(".")[0], dist)
    return out


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed_version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except (PackageNotFoundError, ValueError):
        return None


def resolve(
    modules: Iterable[str], requirements: Iterable[str], record: Any = None, kernel: str | None = None
) -> tuple[list[str], dict[str, str], list[str]]:
    """(pinned requirement lines, requirement -> where its version came from, warnings).

    Versions come from the session record, else from the notebook's kernel (asked in a short
    subprocess), else from where nbprod runs, with a warning naming the package.
    """
    modules = sorted({m for m in modules if distribution(m)})
    recorded = _recorded(record)
    by_module = _recorded_modules(record)
    asked = None
    if kernel:
        wanted = tuple(sorted({m.split(".")[0] for m in modules if m.split(".")[0] not in by_module}))
        reqs = tuple(sorted(m.group(1) for r in requirements if (m := _REQ_NAME.match(r.strip()))))
        asked = _ask_kernel(kernel, wanted, reqs) if (wanted or reqs) else None
    in_kernel: dict[str, str] = {}
    if asked:
        for root, dists in (asked.get("map") or {}).items():
            if dists and root not in by_module:
                by_module[root] = sorted(
                    dists, key=lambda d: (d.lower() != KNOWN.get(root, root).lower(), d)
                )[0]
        in_kernel = {_norm(d): v for d, v in (asked.get("versions") or {}).items() if isinstance(v, str)}
    lines: dict[str, str] = {}
    source: dict[str, str] = {}
    warnings: list[str] = []

    def pin(dist: str, spec: str = "", extras: str = "") -> None:
        key = _norm(dist)
        if key in lines:
            return
        if spec:
            lines[key] = f"{dist}{extras}{spec}"
            source[lines[key]] = "as installed by the notebook"
            return
        v = recorded.get(key)
        origin = "recorded by the nbprod extension"
        if v is None and key in in_kernel:
            v, origin = in_kernel[key], f"the notebook's kernel ({kernel})"
        if v is None:
            v = _installed_version(dist)
            origin = "installed where nbprod ran"
            if v is not None and kernel and asked is not None:
                warnings.append(
                    f"dependency `{dist}`: not installed in the notebook's kernel ({kernel}); "
                    f"pinned to {v}, installed where nbprod runs"
                )
            elif v is not None and kernel:
                warnings.append(
                    f"dependency `{dist}`: the notebook's kernel ({kernel}) could not be asked; "
                    f"pinned to {v}, installed where nbprod runs"
                )
        if v is None:
            lines[key] = f"{dist}{extras}"
            source[lines[key]] = "unpinned: not recorded, not in the notebook's kernel nor here"
            warnings.append(
                f"dependency `{dist}` is not installed here and has no recorded version: unpinned"
            )
            return
        lines[key] = f"{dist}{extras}=={v}"
        source[lines[key]] = origin

    for req in requirements:
        m = _REQ_NAME.match(req.strip())
        if m:
            pin(m.group(1), m.group(3).replace(" ", ""), m.group(2) or "")
    for module in sorted(set(modules)):
        dist = by_module.get(module.split(".")[0]) or distribution(module)
        if dist:
            pin(dist)
    return sorted(lines.values(), key=str.lower), source, warnings


def recorded_seeds(record: Any) -> list[str]:
    """Seeds the extension recorded, as short text, when the record has them."""
    if not isinstance(record, dict):
        return []
    seeds = record.get("seeds")
    out: list[str] = []
    if isinstance(seeds, dict):
        out = [f"{k}: {v}" for k, v in seeds.items()]
    elif isinstance(seeds, list):
        for s in seeds:
            if isinstance(s, dict) and "call" in s:
                value = s.get("value")
                out.append(f"{s['call']}({'' if value is None else value})")
            elif isinstance(s, dict):
                out.append(", ".join(f"{k}={v}" for k, v in s.items()))
            else:
                out.append(str(s))
    return out[:50]


__all__ = ["distribution", "kernel_name", "optional_modules", "recorded_seeds", "resolve"]
