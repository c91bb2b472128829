"""Build the tricky fixture notebooks in ``tests/data/notebooks/``.

Run:  python tests/data/build_fixtures.py

Everything is hand-built JSON (nothing is executed) and byte-for-byte
deterministic, so the outputs are committed and the script only needs to be
re-run when a fixture changes.  Big notebooks (``huge_outputs``) are *not*
built here: tests generate them on the fly.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "notebooks"

PY3_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
PY3_LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": "3.11.7",
}


def lines(text: str) -> list[str]:
    """Split like Jupyter does: keep the newlines, no trailing empty string."""
    return text.splitlines(keepends=True)


def dump(name: str, obj) -> None:
    # same layout as nbformat.write: indent=1, sorted keys, trailing newline
    text = json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    (OUT / name).write_text(text, encoding="utf-8")


def md(source: str, cell_id: str | None = None) -> dict:
    cell = {"cell_type": "markdown", "metadata": {}, "source": lines(source)}
    if cell_id:
        cell["id"] = cell_id
    return cell


def code(source: str, count=None, outputs=(), cell_id: str | None = None) -> dict:
    cell = {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {},
        "outputs": list(outputs),
        "source": lines(source),
    }
    if cell_id:
        cell["id"] = cell_id
    return cell


def stdout(text: str) -> dict:
    return {"name": "stdout", "output_type": "stream", "text": lines(text)}


def result(count: int, text: str) -> dict:
    return {"data": {"text/plain": lines(text)}, "execution_count": count, "metadata": {}, "output_type": "execute_result"}


def v4(cells, metadata, minor=5) -> dict:
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": minor}


# ----------------------------------------------------------------------------

def nbformat40_no_ids() -> None:
    """nbformat 4.0: no cell ids at all (valid for minor < 5)."""
    dump("nbformat40_no_ids.ipynb", v4(
        [
            md("# Old notebook\n\nSaved by Jupyter 4.0, before cell ids existed."),
            code("import math\nradius = 2.0", count=1),
            code("area = math.pi * radius ** 2\nprint(round(area, 3))", count=2,
                 outputs=[stdout("12.566\n")]),
            code("area * 2", count=3, outputs=[result(3, "25.132741228718345")]),
        ],
        {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
         "language_info": {**PY3_LANGUAGE_INFO, "version": "3.5.2"}},
        minor=0,
    ))


def v3_notebook() -> None:
    """A genuine nbformat 3 file: worksheets, `input`, `prompt_number`, heading cells, `pyout`."""
    nb = {
        "metadata": {"name": "", "signature": ""},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Old IPython notebook"]},
                    {"cell_type": "markdown", "metadata": {}, "source": ["Written with IPython 2."]},
                    {
                        "cell_type": "code",
                        "collapsed": False,
                        "input": lines("import numpy as np\nx = np.arange(5)\nprint x.sum()"),
                        "language": "python",
                        "metadata": {},
                        "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["10\n"]}],
                        "prompt_number": 1,
                    },
                    {
                        "cell_type": "code",
                        "collapsed": False,
                        "input": ["x * 2"],
                        "language": "python",
                        "metadata": {},
                        "outputs": [
                            {"metadata": {}, "output_type": "pyout", "prompt_number": 2,
                             "text": ["array([0, 2, 4, 6, 8])"]}
                        ],
                        "prompt_number": 2,
                    },
                    {"cell_type": "heading", "level": 2, "metadata": {}, "source": ["Not run"]},
                    {
                        "cell_type": "code",
                        "collapsed": False,
                        "input": ["y = x ** 2"],
                        "language": "python",
                        "metadata": {},
                        "outputs": [],
                    },
                ],
                "metadata": {},
            }
        ],
    }
    dump("v3_notebook.ipynb", nb)


def python2_cells() -> None:
    """Python 2 kernel; `print "hi"` does not parse as Python 3."""
    dump("python2_cells.ipynb", v4(
        [
            md("# Python 2 notebook"),
            code('print "hi"', count=1, outputs=[stdout("hi\n")]),
            code("total = 0\nfor i in xrange(3):\n    total += i\nprint total", count=2,
                 outputs=[stdout("3\n")]),
            code("7 / 2", count=3, outputs=[result(3, "3")]),
        ],
        {
            "kernelspec": {"display_name": "Python 2", "language": "python", "name": "python2"},
            "language_info": {
                "codemirror_mode": {"name": "ipython", "version": 2},
                "file_extension": ".py",
                "mimetype": "text/x-python",
                "name": "python",
                "nbconvert_exporter": "python",
                "pygments_lexer": "ipython2",
                "version": "2.7.18",
            },
        },
        minor=4,
    ))


def r_kernel() -> None:
    """IRkernel notebook: language R, R code (not Python)."""
    dump("r_kernel.ipynb", v4(
        [
            md("# Credit default in R", cell_id="r-md-0"),
            code("set.seed(42)\ndf <- read.csv(\"data/credit.csv\")\ndim(df)", count=1, cell_id="r-code-1",
                 outputs=[{"data": {"text/plain": ["[1] 800   8"]}, "metadata": {},
                           "output_type": "display_data"}]),
            code("fit <- glm(default ~ age + income + num_late_payments, data = df, family = binomial)\n"
                 "round(coef(fit), 4)", count=2, cell_id="r-code-2",
                 outputs=[{"data": {"text/plain": lines(
                     "      (Intercept)               age            income num_late_payments \n"
                     "          -0.8125           -0.0127            0.0000            0.5063 ")},
                     "metadata": {}, "output_type": "display_data"}]),
            code("library(ggplot2)\nx <- c(1, 2, 3)\nmean(x)", count=None, cell_id="r-code-3"),
        ],
        {
            "kernelspec": {"display_name": "R", "language": "R", "name": "ir"},
            "language_info": {
                "codemirror_mode": "r",
                "file_extension": ".r",
                "mimetype": "text/x-r-source",
                "name": "R",
                "pygments_lexer": "r",
                "version": "4.3.1",
            },
        },
    ))


def not_a_notebook() -> None:
    """Valid JSON, but not a notebook."""
    dump("not_a_notebook.json", {"name": "nbprod-settings", "version": 1, "rules": ["seed", "paths"],
                                 "cells": "not a list"})


def malformed() -> None:
    """A real notebook's JSON, cut off in the middle: not parseable."""
    nb = v4(
        [md("# Truncated", cell_id="trunc-0"),
         code("x = 1\nprint(x)", count=1, outputs=[stdout("1\n")], cell_id="trunc-1")],
        {"kernelspec": PY3_KERNELSPEC, "language_info": PY3_LANGUAGE_INFO},
    )
    text = json.dumps(nb, indent=1, sort_keys=True) + "\n"
    (OUT / "malformed.ipynb").write_text(text[: len(text) // 2], encoding="utf-8")


def binary_junk() -> None:
    """Random bytes (fixed seed); not UTF-8, not JSON."""
    data = random.Random(20240517).randbytes(1024)
    (OUT / "binary_junk.ipynb").write_bytes(b"\x89\x00\xff" + data)


def syntax_error() -> None:
    """Cell 2 does not parse; cell 1 is an IPython magic (valid IPython, not plain Python)."""
    dump("syntax_error.ipynb", v4(
        [
            md("# One broken cell", cell_id="syn-0"),
            code("%matplotlib inline\nimport numpy as np", cell_id="syn-1"),
            code("def broken(x:\n    return x + 1", cell_id="syn-2"),
            code("values = np.arange(3)\nprint(values.sum())", cell_id="syn-3"),
        ],
        {"kernelspec": PY3_KERNELSPEC, "language_info": PY3_LANGUAGE_INFO},
    ))


def await_top_level() -> None:
    """Top-level await / async for / async with: valid in IPython, not in a plain module."""
    dump("await_top_level.ipynb", v4(
        [
            md("# Top-level await", cell_id="aw-0"),
            code("import asyncio\n\n\nasync def fetch(i):\n    await asyncio.sleep(0)\n    return i * 2",
                 count=1, cell_id="aw-1"),
            code("result = await fetch(21)\nresult", count=2, cell_id="aw-2", outputs=[result(2, "42")]),
            code("results = await asyncio.gather(*(fetch(i) for i in range(3)))\nprint(results)",
                 count=3, cell_id="aw-3", outputs=[stdout("[0, 2, 4]\n")]),
            code("async def agen():\n    for i in range(2):\n        yield i\n\n\n"
                 "async for item in agen():\n    print(item)",
                 count=4, cell_id="aw-4", outputs=[stdout("0\n1\n")]),
        ],
        {"kernelspec": PY3_KERNELSPEC, "language_info": PY3_LANGUAGE_INFO},
    ))


BUILDERS = [nbformat40_no_ids, v3_notebook, python2_cells, r_kernel, not_a_notebook,
            malformed, binary_junk, syntax_error, await_top_level]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for build in BUILDERS:
        build()
    for path in sorted(OUT.iterdir()):
        print(f"{path.name:28s} {path.stat().st_size:6d} B")


if __name__ == "__main__":
    main()
