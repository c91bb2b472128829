"""Real notebooks nobody on the team wrote: the ones some PyPI source distributions ship.

``realworld_notebooks()`` downloads pinned sdists with ``pip download`` (the ordinary
client, once) into a cache folder, ``~/.cache/nbprod-tests/`` or ``$NBPROD_TEST_CACHE``,
and extracts their ``*.ipynb`` files with the files the sdist ships in each notebook's
folder (and its sub-folders, up to two levels, each under 2 MB): data the notebook reads,
modules it imports, the requirements or lock file NB203 looks at. It returns ``None`` when offline so tests can skip. Run it as a
script to fill the cache and print where the notebooks are.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

# Pinned so the set (and what fires on it) never drifts; each ships test or doc notebooks.
SDISTS = (
    "jupytext==1.16.4",  # ~20 Python notebooks under tests/data/notebooks/inputs/ipynb_py, 30 other kernels
    "nbconvert==7.16.4",
    "nbformat==5.10.4",
    "nbclient==0.10.0",
    "papermill==2.6.0",
    "nbsphinx==0.9.8",
    "nbval==0.11.0",
    "nbmake==1.5.5",
    "pytest-notebook==0.11.0",
    "hyperopt==0.3.0",  # three tutorial notebooks
    "ipython==7.34.0",  # examples/: executed tutorials of the kernel, display and magics
    "notebook==6.4.12",  # docs/source/examples/Notebook: the classic notebook's executed tutorials
)
_BESIDE_LEVELS = 2  # files this deep below a notebook's folder are extracted with it
_BESIDE_BYTES = 2_000_000
LAYOUT = "notebooks-2"  # the cache's folder of extracted sdists; renamed when what is kept changes


def cache_dir() -> Path:
    """Where sdists and extracted notebooks are kept between runs."""
    env = os.environ.get("NBPROD_TEST_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "nbprod-tests"


def _download(spec: str, dest: Path) -> Path | None:
    name, _, version = spec.partition("==")
    stem = f"{name.replace('-', '_')}_{version}".lower()
    for f in dest.iterdir():
        if f.name.lower().replace("-", "_").startswith(stem) and f.name.endswith((".tar.gz", ".zip")):
            return f
    cmd = [sys.executable, "-m", "pip", "download", spec, "--no-deps", "--no-binary", ":all:"]
    cmd += ["--disable-pip-version-check", "-q", "-d", str(dest)]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
        return None
    for f in dest.iterdir():
        if f.name.lower().replace("-", "_").startswith(stem):
            return f
    return None


def _wanted(names: list[tuple[str, int]]) -> set[str]:
    """The members to extract: notebooks, and the files in and below their folders."""
    names = [(n, size) for n, size in names if "/.ipynb_checkpoints/" not in n and ".." not in n.split("/")]
    folders = {n.rsplit("/", 1)[0] for n, _ in names if n.endswith(".ipynb") and "/" in n}
    keep = set()
    for name, size in names:
        if name.endswith(".ipynb"):
            keep.add(name)
            continue
        parts = name.split("/")
        for depth in range(_BESIDE_LEVELS + 1):
            if len(parts) > depth + 1 and "/".join(parts[: -1 - depth]) in folders:
                if size < _BESIDE_BYTES:
                    keep.add(name)
                break
    return keep


def _extract(archive: Path, out: Path) -> None:
    """Extract only notebooks (and the files beside them), never outside ``out``.

    Into a folder of its own first, so that two processes filling the cache at once (two
    test runs, a bench) neither mix their files nor fail: the first to finish wins.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", suffix=".partial", dir=out.parent))
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            keep = _wanted([(i.filename, i.file_size) for i in infos])
            for info in infos:
                if info.filename in keep:
                    zf.extract(info, tmp)
    else:
        with tarfile.open(archive) as tf:
            files = [m for m in tf.getmembers() if m.isfile()]
            keep = _wanted([(m.name, m.size) for m in files])
            members = [m for m in files if m.name in keep]  # no links, no ".."
            if hasattr(tarfile, "data_filter"):
                tf.extractall(tmp, members=members, filter="data")
            else:  # Python < 3.10.12: members were checked by _wanted
                tf.extractall(tmp, members=members)
    try:
        tmp.rename(out)
    except OSError:  # another process extracted the same sdist meanwhile
        if not out.is_dir():
            raise
        shutil.rmtree(tmp, ignore_errors=True)


def realworld_root() -> Path | None:
    """The folder holding one sub-folder per sdist, or None when nothing could be fetched."""
    base = cache_dir()
    sdists, notebooks = base / "sdists", base / LAYOUT
    sdists.mkdir(parents=True, exist_ok=True)
    notebooks.mkdir(parents=True, exist_ok=True)
    got = 0
    for spec in SDISTS:
        out = notebooks / spec.replace("==", "-")
        if out.is_dir():
            got += 1
            continue
        archive = _download(spec, sdists)
        if archive is None:
            continue
        _extract(archive, out)
        got += 1
    return notebooks if got else None


def realworld_notebooks() -> list[Path] | None:
    """Every downloaded real notebook, sorted; None when offline and nothing is cached."""
    root = realworld_root()
    if root is None:
        return None
    return sorted(root.rglob("*.ipynb"))


if __name__ == "__main__":
    found = realworld_notebooks()
    if found is None:
        raise SystemExit("offline: no sdist could be downloaded")
    print(f"{len(found)} notebooks under {cache_dir() / LAYOUT}")
