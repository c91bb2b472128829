"""Build the re-execution fixtures in ``tests/data/verify/`` with real saved outputs.

Run:  python tests/data/verify/build_fixtures.py

Each notebook is executed by a real kernel (nbclient), with its working directory set
to this folder, in the order given below -- so the saved outputs and execution counts
are what a data scientist's session would leave (``out_of_order`` ran cell 3 before
cell 2). Re-running the script changes the volatile parts (times, addresses) and the
unseeded draws; the tests only rely on what each notebook is meant to show.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
PIDFILE = "import os\nif os.environ.get('NBPROD_TEST_PIDFILE'):\n    open(os.environ['NBPROD_TEST_PIDFILE'], 'w').write(str(os.getpid()))"

NOTEBOOKS: dict[str, tuple[list[str], list[int] | None]] = {
    # cells, execution order (0-based; None = top to bottom; cells left out are never run)
    "reproduces": (
        [
            "import numpy as np\nimport pandas as pd\nnp.random.seed(7)",
            "df = pd.read_csv('data/values.csv')\ndf['double'] = df['value'] * 2\ndf",
            "print('mean', df['value'].mean(), 'noise', np.random.rand(2).round(6))",
            "%matplotlib inline\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(3, 2))\nax.plot(df['value'])\nplt.show()",
            "import warnings\nwarnings.warn('shown on stderr')\n1 + 1",
        ],
        None,
    ),
    "volatile": (
        [
            "import datetime, tempfile, time, uuid\nclass Thing:\n    pass\nThing()",
            "print('started at', datetime.datetime.now())\nprint('run id', uuid.uuid4())",
            "%%time\ntotal = sum(range(200_000))\nprint(total)",
            "for i in range(0, 101, 25):\n    print(f'\\r{i:3d}%|' + '#' * (i // 10) + f'| {i}/100 [00:0{i // 50}<00:01, {50 + i}.3it/s]', end='')\n    time.sleep(0.01)\nprint()",
            "with tempfile.NamedTemporaryFile(suffix='.csv') as f:\n    print('wrote', f.name)\nstart = time.perf_counter(); time.sleep(0.02)\nprint(f'took {time.perf_counter() - start:.3f} s')",
            "print(sorted({'b', 'a', 'c'}))\nprint(0.1 + 0.2)",
        ],
        None,
    ),
    "out_of_order": (
        [
            "import math",
            "area = math.pi * radius ** 2\nprint(round(area, 3))",
            "radius = 2.0",
            "print(area * 2)",
        ],
        [0, 2, 1, 3],
    ),
    "unseeded": (
        [
            "import numpy as np",
            "sample = np.random.rand(3)\nprint(sample.round(6))",
            "print('sum', sample.sum().round(6))",
        ],
        None,
    ),
    "seeded": (
        [
            "import numpy as np\nnp.random.seed(42)",
            "sample = np.random.rand(3)\nprint(sample.round(6))",
            "print('sum', sample.sum().round(6))",
        ],
        None,
    ),
    "hangs": (
        [
            PIDFILE,
            "import subprocess, time\nchild = subprocess.Popen(['sleep', '600'])\n"
            "if os.environ.get('NBPROD_TEST_PIDFILE'):\n"
            "    open(os.environ['NBPROD_TEST_PIDFILE'] + '.child', 'w').write(str(child.pid))\n"
            "time.sleep(600)",
            "print('never reached')",
        ],
        [0],
    ),
    "writes_files": (
        [
            "import pandas as pd\ndf = pd.read_csv('data/values.csv')\ndf.to_csv('data/values.csv', index=False, header=False)",
            "open('created_by_run.txt', 'w').write('x')\nprint(len(df))",
        ],
        [0],
    ),
    "missing": (
        [
            "import json",
            "with open('data/not_there.csv') as f:\n    print(f.read())",
            "print(undefined_name)",
        ],
        [0],
    ),
}


async def _execute(nb: nbformat.NotebookNode, order: list[int]) -> None:
    client = NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    )
    async with client.async_setup_kernel():
        for count, index in enumerate(order, 1):
            await client.async_execute_cell(nb.cells[index], index, execution_count=count)


def build(name: str, sources: list[str], order: list[int] | None) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:10]}-{i}"
    asyncio.run(_execute(nb, list(range(len(sources))) if order is None else order))
    nbformat.validate(nb)
    nbformat.write(nb, HERE / f"{name}.ipynb")


def main() -> None:
    data = HERE / "data"
    data.mkdir(exist_ok=True)
    (data / "values.csv").write_text("value\n1\n4\n9\n16\n", encoding="utf-8")
    for name, (sources, order) in NOTEBOOKS.items():
        build(name, sources, order)
    (data / "values.csv").write_text("value\n1\n4\n9\n16\n", encoding="utf-8")  # writes_files rewrote it
    for stray in ("created_by_run.txt", "__pycache__"):
        path = HERE / stray
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


if __name__ == "__main__":
    main()
