"""Build the golden input notebooks (run with a real kernel so their outputs are true).

    python tests/golden/build_inputs.py

Each case is a folder: ``<case>/<case>.ipynb`` (input) beside ``<case>/package/`` (the
expected export, regenerated with ``NBPROD_REGEN_GOLDEN=1 pytest tests/test_export_golden.py``).
The ``headings`` case is a frozen copy of ``sample_notebooks/credit_risk_clean.ipynb``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(text: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(text)
    if tags:
        cell.metadata["tags"] = tags
    return cell


CASES: dict[str, list[nbformat.NotebookNode]] = {
    # No markdown headings: sections come from data flow. Reassigned names, a helper
    # reading notebook globals, a helper passed as a value, a lambda, a class.
    "no_headings": [
        md("Some notes without any heading."),
        code(
            "import numpy as np\nimport pandas as pd\n\n"
            "rng = np.random.default_rng(7)\n"
            "values = rng.normal(size=200)\n"
            "df = pd.DataFrame({'x': values, 'g': np.arange(200) % 3})\n"
            "df.head()"
        ),
        code(
            "scale = 2.5\noffset = 1.0\n\n\ndef transform(v):\n    # uses the notebook's scale and offset\n    return v * scale + offset"
        ),
        code("df['y'] = df['x'].apply(transform)\nprint(round(df['y'].mean(), 6))"),
        code("total = 0\nfor v in df['y']:\n    total += v\ntotal = total / len(df)\nprint(round(total, 6))"),
        code("df = df[df['y'] > 0]\nprint(len(df))"),
        code(
            "class Summary:\n    def __init__(self, frame):\n        self.n = len(frame)\n\n"
            "    def line(self):\n        return f'{self.n} rows'\n\n\n"
            "square = lambda v: v ** 2\n"
            "print(Summary(df).line(), round(square(df['y']).sum(), 3))"
        ),
        code("by_group = df.groupby('g')['y'].mean().round(4)\nprint(by_group.to_dict())"),
    ],
    # Every kind of IPython escape the converter translates.
    "magics": [
        md("# Magic tour"),
        code("%matplotlib inline\n%load_ext autoreload\n%autoreload 2\nimport os\nimport asyncio"),
        code("%pip install requests==2.31.0\n!pip install tqdm"),
        code("!echo hello from the shell"),
        code("listing = !echo one && echo two\nprint(len(listing))"),
        code("%env GOLDEN_FLAG=on\nprint(os.environ['GOLDEN_FLAG'])"),
        md("## Timing and capture"),
        code("%%time\nsquares = [i * i for i in range(10)]\nprint(sum(squares))"),
        code("%time cubes = [i ** 3 for i in range(5)]\nprint(cubes)"),
        code("%timeit -n 1 -r 1 sum(range(10))"),
        code("%%capture captured\nprint('hidden in the notebook')"),
        md("## Files"),
        code("%%writefile golden_helper.py\ndef double(v):\n    return 2 * v\n"),
        code("from golden_helper import double\nprint(double(21))"),
        code("%%writefile golden_notes.txt\nsome notes\n"),
        code("%%bash\necho from bash\n"),
        code("for i in range(2):\n    !echo loop {i}"),
        code("await asyncio.sleep(0)\nprint('awaited')"),
        md("## Display and leftovers"),
        code("%who"),
        code("squares?"),
        code("%%html\n<b>bold</b>"),
        code("%store squares"),
        code("squares"),
    ],
    # Plots in functions called on request, a parameters cell, a constant read before it is set.
    "plots_params": [
        md("# Plots and parameters"),
        code("n_points = 50\nslope = 0.5\nlabel = 'demo'", tags=["parameters"]),
        code("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nimport numpy as np"),
        md("## Data"),
        code(
            "xs = np.linspace(0, 1, n_points)\nys = slope * xs + NOISE\nprint(label, round(float(ys.sum()), 4))"
        ),
        code("NOISE = 0.1"),
        md("## Figures"),
        code(
            "fig, ax = plt.subplots()\nax.plot(xs, ys)\nax.set_title(label)\nfig.savefig('golden_plot.png')"
        ),
        code("plt.hist(ys)\nplt.show()"),
        code("print('mean', round(float(ys.mean()), 4))"),
    ],
}


def build(case: str, cells: list[nbformat.NotebookNode]) -> Path:
    folder = HERE / case
    folder.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11"}
    nb.cells = cells
    for i, cell in enumerate(nb.cells):
        cell.id = f"{case[:8]}-{i:02d}"
    order = [c for c in nb.cells if c.cell_type == "code"]
    if case == "plots_params":  # run NOISE before its reader, as the author did
        order = order[:2] + [order[3], order[2]] + order[4:]
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})  # fmt: skip
    with client.setup_kernel():
        for count, cell in enumerate(order, 1):
            source = cell.source
            if "pip install" in source:  # never install anything while building test data
                cell.source = "print('(installs skipped while building the golden notebook)')"
            client.execute_cell(cell, nb.cells.index(cell), execution_count=count)
            cell.source = source
    for stray in ("golden_helper.py", "golden_notes.txt", "golden_plot.png"):
        (folder / stray).unlink(missing_ok=True)
    shutil.rmtree(folder / "__pycache__", ignore_errors=True)
    path = folder / f"{case}.ipynb"
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
    return path


def main() -> int:
    for case, cells in CASES.items():
        print("built", build(case, cells))
    headings = HERE / "headings"
    headings.mkdir(exist_ok=True)
    shutil.copy(ROOT / "sample_notebooks" / "credit_risk_clean.ipynb", headings / "headings.ipynb")
    print("copied", headings / "headings.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
