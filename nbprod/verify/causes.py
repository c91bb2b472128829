"""Why a fresh run failed or differed: the first failure classified with the static facts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from nbprod.verify.normalize import _ANSI

if TYPE_CHECKING:
    from nbprod.analysis.facts import NotebookFacts
    from nbprod.verify.runner import Failure

_CELL_LINE = re.compile(
    r"Cell In\s?\[\d*\], line (\d+)|<ipython-input-[^>]+> in <module>\n.*?-+> ?(\d+)", re.S
)
_LIB_PATH = re.compile(r"[/\\](?:site|dist)-packages[/\\]([A-Za-z0-9_]+)")
_MODULE = re.compile(r"No module named '([^']+)'")
_MISSING_PATH = re.compile(r"No such file or directory: '(.+)'")
_NAME = re.compile(r"name '([^']+)' is not defined")
_CANNOT_IMPORT = re.compile(r"cannot import name '([^']+)' from '([^']+)'")
_MODULE_ATTR = re.compile(r"module '([^']+)' has no attribute '([^']+)'")
_OBJECT_ATTR = re.compile(r"'([A-Za-z_][\w.]*)' object has no attribute '([^']+)'")
_SIGNATURE = re.compile(
    r"unexpected keyword argument|positional argument|got multiple values|missing \d+ required"
)
# import name -> distribution name, where they differ
DISTRIBUTIONS = {
    "sklearn": "scikit-learn", "cv2": "opencv-python", "PIL": "pillow", "yaml": "pyyaml",
    "bs4": "beautifulsoup4", "skimage": "scikit-image", "dateutil": "python-dateutil",
    "dotenv": "python-dotenv", "Bio": "biopython", "google.cloud": "google-cloud",
}  # fmt: skip


@dataclass(frozen=True)
class Cause:
    """The root cause of a failure: ``kind`` (stable), a message, and where when known."""

    kind: str  # missing-module | missing-file | defined-later | undefined-name | api-change |
    # timeout | kernel-died | needs-input | syntax-error | error
    message: str
    line: int | None = None
    name: str | None = None
    rule: str | None = None  # the static rule that predicted it (NB104, NB105, NB204...)


def traceback_text(failure: Failure) -> str:
    """The failure's traceback without terminal colours."""
    return _ANSI.sub("", "\n".join(failure.traceback))


def failing_line(failure: Failure) -> int | None:
    """The line in the failing cell, from the first frame of the traceback."""
    m = _CELL_LINE.search(traceback_text(failure))
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def library_frames(failure: Failure) -> list[str]:
    """Top-level packages of the installed-library frames in the traceback, in order."""
    return _LIB_PATH.findall(traceback_text(failure))


def installed_version(module: str) -> str | None:
    """The installed version of the distribution that provides an import name."""
    from importlib import metadata

    top = module.split(".")[0]
    try:
        names = metadata.packages_distributions().get(top) or [DISTRIBUTIONS.get(top, top)]
        return f"{names[0]} {metadata.version(names[0])}"
    except Exception:
        return None


_WRITERS = {
    "to_csv", "to_parquet", "to_excel", "to_json", "to_pickle", "to_feather", "to_hdf", "savefig",
    "dump", "save", "savez", "savetxt", "write_text", "write_bytes", "copy", "copyfile", "copy2",
    "urlretrieve", "download", "open", "imwrite", "joblib.dump", "to_netcdf",
}  # fmt: skip


def _writes(call: object, name: str) -> bool:
    leaf = getattr(call, "leaf", "")
    if leaf not in _WRITERS:
        return False
    args = [*getattr(call, "args", []), *getattr(call, "kwargs", {}).values()]
    names = [PurePath(a).name for a in args if isinstance(a, str) and len(a) < 300]
    if name not in names:
        return False
    if leaf == "open":
        mode = (
            args[1]
            if len(args) > 1 and isinstance(args[1], str)
            else getattr(call, "kwargs", {}).get("mode", "r")
        )
        return isinstance(mode, str) and any(c in mode for c in "wax")
    return True


def _later_writer(facts: NotebookFacts, cell: int, needle: str) -> int | None:
    """A cell below ``cell`` that writes the file ``needle`` (a write call or %%writefile)."""
    name = PurePath(needle).name
    for c, cf in facts.code():
        if c.index <= cell:
            continue
        if any(name in m.args.split() for m in cf.magics if m.name == "writefile"):
            return c.index
        if any(_writes(call, name) for call in cf.calls):
            return c.index
    return None


def _name_error(name: str, cell: int, facts: NotebookFacts | None, line: int | None) -> Cause:
    if facts is None:
        return Cause("undefined-name", f"NameError: '{name}' is not defined", line, name)
    cf = facts.cells[cell]
    if cf is not None and name in cf.uses:
        line = cf.uses[name]
    where = facts.first_definitions().get(name)
    if where is None:
        return Cause(
            "undefined-name",
            f"NameError: '{name}' is defined nowhere in the notebook: it came from a deleted or edited cell",
            line, name, "NB105",
        )  # fmt: skip
    if where > cell:
        return Cause(
            "defined-later",
            f"NameError: '{name}' is first defined in cell {where + 1}, below: the saved run had "
            "executed that cell first",
            line, name, "NB104",
        )  # fmt: skip
    return Cause(
        "undefined-name",
        f"NameError: '{name}' should come from cell {where + 1} above, but that definition did not "
        "run (inside an if, try or function, or removed by del)",
        line, name,
    )  # fmt: skip


def _api_change(failure: Failure, libs: list[str]) -> Cause | None:
    ename, evalue = failure.ename, failure.evalue
    module = None
    if ename == "ImportError" and (m := _CANNOT_IMPORT.search(evalue)):
        module = m.group(2)
    elif ename == "AttributeError" and (m := _MODULE_ATTR.search(evalue)):
        module = m.group(1)
    elif ename == "AttributeError" and _OBJECT_ATTR.search(evalue) and libs:
        module = libs[-1]
    elif ename == "TypeError" and libs and _SIGNATURE.search(evalue):
        module = libs[-1]
    if module is None:
        return None
    version = installed_version(module)
    installed = f"; installed here: {version}" if version else ""
    return Cause(
        "api-change",
        f"{ename}: {evalue} -- likely a change in the {module.split('.')[0]} API since the notebook "
        f"was written{installed}",
        name=module.split(".")[0],
    )


def classify(
    failure: Failure, facts: NotebookFacts | None = None, timeout: float | None = None, python: str = ""
) -> Cause:
    """Classify the first failure of a fresh run (the cell's knock-on failures are not run)."""
    if failure.kind == "timeout":
        return Cause("timeout", f"the cell ran longer than the {timeout:g} s timeout; its kernel was stopped")
    if failure.kind == "dead":
        tail = f" ({failure.evalue})" if failure.evalue else ""
        return Cause(
            "kernel-died", f"the kernel died in this cell (out of memory, or a crash in native code){tail}"
        )
    ename, evalue = failure.ename, failure.evalue
    line = failing_line(failure)
    cell = failure.cell if failure.cell is not None else -1
    if ename == "ModuleNotFoundError" and (m := _MODULE.search(evalue)):
        mod = m.group(1)
        writer = _later_writer(facts, cell, f"{mod.split('.')[0]}.py") if facts else None
        if writer is not None:
            return Cause(
                "defined-later",
                f"ModuleNotFoundError: '{mod}' is written by cell {writer + 1}, below",
                line,
                mod,
            )
        top = mod.split(".")[0]
        dist = DISTRIBUTIONS.get(top, top)
        return Cause(
            "missing-module", f"ModuleNotFoundError: missing module '{mod}' (pip install {dist})", line, mod
        )
    if ename in ("FileNotFoundError", "OSError", "IOError") and (m := _MISSING_PATH.search(evalue)):
        return _missing_file(m.group(1), cell, facts, line)
    if ename == "NameError" and (m := _NAME.search(evalue)):
        return _name_error(m.group(1), cell, facts, line)
    if ename == "StdinNotImplementedError":
        return Cause(
            "needs-input",
            "the cell asks for input (input(), getpass), which an unattended run cannot give: make it a parameter",
            line,
        )
    if ename in ("SyntaxError", "IndentationError", "TabError"):
        return Cause("syntax-error", f"{ename}: {evalue}", line, rule="NB106")
    api = _api_change(failure, library_frames(failure))
    if api is not None:
        return Cause(api.kind, api.message + (f"; {python}" if python else ""), line, api.name)
    return Cause("error", f"{ename}: {evalue}", line)


def _missing_file(path: str, cell: int, facts: NotebookFacts | None, line: int | None) -> Cause:
    from nbprod.rules.reproducibility import user_path

    if user_path(path):
        return Cause(
            "missing-file",
            f"FileNotFoundError: '{path}' is a path on the author's machine",
            line,
            path,
            "NB204",
        )
    if path.startswith(".."):
        return Cause(
            "missing-file",
            f"FileNotFoundError: '{path}' is outside the notebook's folder: run with --root set to the project folder",
            line, path,
        )  # fmt: skip
    writer = _later_writer(facts, cell, path) if facts else None
    if writer is not None:
        return Cause(
            "defined-later", f"FileNotFoundError: '{path}' is written by cell {writer + 1}, below", line, path
        )
    return Cause(
        "missing-file",
        f"FileNotFoundError: missing data file '{path}': it is not in the notebook's folder "
        "(add it, or a small sample, or the code that fetches it)",
        line, path,
    )  # fmt: skip


_SEED_CALLS = {"random": "random.seed(0)", "numpy": "{}.random.seed(0)", "torch": "torch.manual_seed(0)",
               "tensorflow": "{}.random.set_seed(0)"}  # fmt: skip


def seed_hint(facts: NotebookFacts, cell: int) -> str | None:
    """The unseeded draw or missing random_state, in this cell or above it, that a seed would fix."""
    from nbprod.rules.reproducibility import draw_library, missing_random_state, unseeded

    hits = [(c, m, "NB201") for c, _, m in unseeded(facts) if c is not None and c <= cell]
    hits += [(c, m, "NB202") for c, _, m in missing_random_state(facts) if c is not None and c <= cell]
    if not hits:
        return None
    hits.sort(key=lambda h: (h[0] != cell, -h[0]))
    parts = [f"{m} (cell {c + 1}, {rule})" for c, m, rule in hits[:2]]
    fixes = []
    if any(rule == "NB201" for _, _, rule in hits[:2]):
        libs = {draw_library(facts.qualify(call.name)) for _, call, _ in _draws(facts, cell)}
        aliases = {q: a for a, q in facts.imports.items()}
        for lib in ("numpy", "random", "torch", "tensorflow"):
            if lib in libs:
                fixes.append(_SEED_CALLS[lib].format(aliases.get(lib, lib)))
    if any(rule == "NB202" for _, _, rule in hits[:2]):
        fixes.append("random_state=0")
    fix = f"; seed it: {' and '.join(fixes)}" if fixes else ""
    return "; ".join(parts) + fix


def _draws(facts: NotebookFacts, cell: int):  # type: ignore[no-untyped-def]
    from nbprod.rules.reproducibility import draw_library

    return [(c, call, q) for c, call, q in facts.calls() if c.index <= cell and draw_library(q)]
