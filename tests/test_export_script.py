"""Issue 12: exported code runs as a plain script, outside the notebook's folder and kernel.

Local modules beside the notebook travel with the package; what a live IPython provides
(``display()``, display handles, ``clear_output()``, ``get_ipython()``) has a stand-in that
prints what the notebook showed as text; ``input()`` becomes a clear failure. Each case
exports a real notebook executed by a real kernel (nbclient) and runs the package.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_export_honest import make_nb, run_module, run_suite

from nbprod.export import export_notebook


def _elsewhere(tmp_path: Path) -> Path:
    """A folder with nothing beside it: the package must not need the notebook's folder."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    return other


# -- local modules --------------------------------------------------------------------------


def test_local_modules_and_packages_beside_the_notebook_travel_with_the_package(tmp_path: Path) -> None:
    here = tmp_path / "nb"
    here.mkdir()
    (here / "shapes.py").write_text(
        "import math\n\nfrom units import scale\n\n\ndef area(r):\n    return scale(math.pi * r * r)\n"
    )
    (here / "units.py").write_text("def scale(x):\n    return round(x, 2)\n")  # imported by shapes only
    (here / "toolkit").mkdir()
    (here / "toolkit" / "__init__.py").write_text("from .text import shout\n")
    (here / "toolkit" / "text.py").write_text("def shout(s):\n    return s.upper() + '!'\n")
    nb = make_nb(here, "geometry", [
        "import shapes\nfrom toolkit import shout",
        "print(shapes.area(2))\nprint(shout('done'))",
    ], run=True)  # fmt: skip
    result = export_notebook(nb, tmp_path / "pkg")
    out = result.out_dir
    for copied in ("src/shapes.py", "src/units.py", "src/toolkit/__init__.py", "src/toolkit/text.py"):
        assert (out / copied).is_file(), copied
    assert "def area(r):" in (out / "src" / "shapes.py").read_text()  # kept as written
    pyproject = (out / "pyproject.toml").read_text()
    assert 'py-modules = ["shapes", "units"]' in pyproject
    assert not [w for w in result.report.warnings if "copy it into the package" in w]
    done = run_module(out, result.package, _elsewhere(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "12.57\nDONE!\n"
    assert run_suite(out).returncode == 0


def test_local_modules_install_from_the_packages_own_pyproject(tmp_path: Path) -> None:
    from hookrepo import BUILD_REQUIREMENT, wheelhouse

    wheels = wheelhouse()
    if wheels is None:
        pytest.skip("offline: no setuptools wheel to build the exported package")
    here = tmp_path / "nb"
    here.mkdir()
    (here / "greet.py").write_text("def hello(name):\n    return f'hello {name}'\n")
    nb = make_nb(here, "hi", ["from greet import hello\nprint(hello('world'))"], run=True)
    result = export_notebook(nb, tmp_path / "pkg")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "PIP_", "VIRTUAL_ENV"))}
    pip = [python, "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheels)]
    subprocess.run([*pip, BUILD_REQUIREMENT], check=True, capture_output=True, env=env, timeout=300)
    done = subprocess.run([*pip, "--no-build-isolation", "--no-deps", str(result.out_dir)],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    ran = subprocess.run([python, "-m", result.package], cwd=_elsewhere(tmp_path), env=env,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "hello world\n"


def test_a_local_module_holding_a_secret_is_not_copied(tmp_path: Path) -> None:
    here = tmp_path / "nb"
    here.mkdir()
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    (here / "creds.py").write_text(f"TOKEN = {token!r}\n")
    nb = make_nb(here, "uses_creds", ["import creds\nprint(len(creds.TOKEN))"], run=True)
    result = export_notebook(nb, tmp_path / "pkg")
    assert not (result.out_dir / "src" / "creds.py").exists()
    assert any("creds.py holds a secret" in w for w in result.report.warnings)
    assert token not in "".join(result.files.values())


# -- what a live IPython provides -------------------------------------------------------------


def test_display_handles_and_clear_output_run_as_a_script_printing_what_the_notebook_printed(
    tmp_path: Path,
) -> None:
    nb = make_nb(tmp_path, "shows", [
        "from IPython.display import clear_output, display, update_display",
        "for i in range(3):\n    display({'step': i})\n    print('step', i)",
        "handle = display('first', display_id='status')\nhandle.update('second')\n"
        "update_display('third', display_id='status')\nprint('updated')",
        "clear_output(wait=True)\nprint('after clear')",
    ], run=True)  # fmt: skip
    result = export_notebook(nb, tmp_path / "pkg")
    out = result.out_dir
    assert (out / "src" / result.package / "_ipython.py").is_file()
    done = run_module(out, result.package, _elsewhere(tmp_path))
    assert done.returncode == 0, done.stderr
    # stdout is what the notebook printed; what it displayed is its text/plain, on stderr
    assert done.stdout == "step 0\nstep 1\nstep 2\nupdated\nafter clear\n"
    assert "{'step': 0}\n" in done.stderr and "'first'\n'second'\n'third'\n" in done.stderr
    assert "ipython" not in (out / "pyproject.toml").read_text()  # the stand-ins need no IPython
    assert run_suite(out).returncode == 0


def _saved_stdout(nb: Path) -> str:
    """What the executed notebook printed (its saved stdout streams), in order."""
    import nbformat

    cells = nbformat.read(str(nb), as_version=4).cells
    return "".join(o.get("text", "") for c in cells for o in c.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")  # fmt: skip


def test_displays_libraries_make_go_where_the_notebooks_displays_go(tmp_path: Path) -> None:
    here = tmp_path / "nb"
    here.mkdir()
    # library code of the notebook's own, holding IPython's display from before the package ran
    (here / "showlib.py").write_text(
        "from IPython.display import display\n\n\ndef show(x):\n    display(x)\n"
    )
    nb = make_nb(here, "bars", [
        "from IPython.display import ProgressBar, publish_display_data\nimport showlib",
        "bar = ProgressBar(3)\nfor i in bar:\n    print('tick', i)",
        "publish_display_data({'text/plain': 'published', 'text/html': '<b>published</b>'})\nprint('published')",
        "showlib.show({'shown': 1})\nprint('shown')",
    ], run=True)  # fmt: skip
    printed = _saved_stdout(nb)
    assert printed == "tick 0\ntick 1\ntick 2\npublished\nshown\n"  # the displays were not stdout
    result = export_notebook(nb, tmp_path / "pkg")
    out, package, elsewhere = result.out_dir, result.package, _elsewhere(tmp_path)
    done = run_module(out, package, elsewhere)
    assert done.returncode == 0, done.stderr
    assert done.stdout == printed
    assert "[====================                                        ] 1/3" in done.stderr
    assert "published\n" in done.stderr and "{'shown': 1}\n" in done.stderr
    assert "ipython" in (out / "pyproject.toml").read_text().lower()  # the notebook imports IPython itself
    assert run_suite(out).returncode == 0
    # IPython and the library imported before the package: the function the library holds is routed too
    early = subprocess.run(
        [sys.executable, "-c", f"import IPython.display, showlib, runpy; runpy.run_module({package!r}, run_name='__main__')"],
        cwd=elsewhere, env={**os.environ, "PYTHONPATH": str(out / "src")},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert early.returncode == 0, early.stderr
    assert early.stdout == printed and "{'shown': 1}\n" in early.stderr


def test_what_went_into_a_widget_goes_to_stderr_and_its_swallowed_error_is_shown_there(
    tmp_path: Path,
) -> None:
    nb = make_nb(tmp_path, "widgets", [
        "import ipywidgets as widgets\nfrom ipywidgets import interact",
        "def square(x):\n    print('square', x * x)\n\n\ninteract(square, x=3)\nprint('interacted')",
        "out = widgets.Output()\nwith out:\n    print('into the widget')\n    {}['missing']\nprint('went on')",
    ], run=True)  # fmt: skip
    printed = _saved_stdout(nb)
    assert printed == "interacted\nwent on\n"  # the kernel kept the widget's output and error in the widget
    result = export_notebook(nb, tmp_path / "pkg")
    assert any("the notebook uses ipywidgets" in w for w in result.report.warnings)
    done = run_module(result.out_dir, result.package, _elsewhere(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == printed
    assert "square 9\n" in done.stderr and "into the widget\n" in done.stderr
    assert "KeyError: 'missing'" in done.stderr  # shown, as the widget showed it
    assert run_suite(result.out_dir).returncode == 0


def test_plotlys_notebook_renderer_displays_to_stderr_and_its_nbformat_is_declared(tmp_path: Path) -> None:
    nb = make_nb(tmp_path, "plotly_offline", [
        "import plotly.graph_objects as go\nfrom plotly.offline import init_notebook_mode, iplot",
        "init_notebook_mode(connected=False)\nfig = go.Figure(go.Bar(y=[1, 2]))\niplot(fig)\nprint('drawn')",
    ], run=True)  # fmt: skip
    printed = _saved_stdout(nb)
    assert printed == "drawn\n"
    result = export_notebook(nb, tmp_path / "pkg")
    plots = (result.out_dir / "pyproject.toml").read_text().split("plots = [")[1].split("]")[0]
    assert '"nbformat==' in plots and '"plotly==' in plots, plots  # iplot draws: under --plots
    done = run_module(result.out_dir, result.package, _elsewhere(tmp_path), "--plots")
    assert done.returncode == 0, done.stderr
    assert done.stdout == printed  # IPython's display would have printed plotly's bundles here
    assert "[display: application/vnd.plotly.v1+json, text/html]" in done.stderr
    assert run_suite(result.out_dir).returncode == 0


def test_routing_changes_nothing_inside_ipython_or_without_it(tmp_path: Path) -> None:
    nb = make_nb(tmp_path, "plain", ["print('hi')"], run=True)
    result = export_notebook(nb, tmp_path / "pkg")
    out, package, elsewhere = result.out_dir, result.package, _elsewhere(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(out / "src")}
    probe = (f"import sys, {package}\n"
             "from IPython.display import display\n"
             "print(getattr(display, '_nbprod_routed', False), [type(f).__name__ for f in sys.meta_path])")  # fmt: skip
    inside = subprocess.run([sys.executable, "-m", "IPython", "--quick", "--no-banner", "-c", probe], env=env,
                            cwd=elsewhere, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert inside.returncode == 0, inside.stderr
    assert inside.stdout.strip().startswith("False [") and "_RouteOnImport" not in inside.stdout
    # a notebook's kernel importing the package: its displays stay displays
    kernel_nb = make_nb(tmp_path / "kernel", "imports_package", [
        f"import sys\nsys.path.insert(0, {str(out / 'src')!r})\nimport {package}",
        "from IPython.display import ProgressBar, display\n"
        "print(getattr(display, '_nbprod_routed', False))\ndisplay({'shown': 1})\nProgressBar(2).display()",
    ], run=True)  # fmt: skip
    import nbformat

    outputs = nbformat.read(str(kernel_nb), as_version=4).cells[1].outputs
    assert [o.output_type for o in outputs] == ["stream", "display_data", "display_data"], outputs
    assert outputs[0].text == "False\n" and outputs[1].data["text/plain"] == "{'shown': 1}"
    bare = tmp_path / "bare"  # a Python that cannot import IPython: nothing is installed or changed
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=300)
    clean = {k: v for k, v in env.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONHOME"))}
    without = subprocess.run(
        [str(bare / "bin" / "python"), "-c",
         f"import sys; before = list(sys.meta_path); import {package}; {package}.main([]); "
         "print(sys.meta_path == before, 'IPython' in sys.modules)"],
        env=clean, cwd=elsewhere, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert without.returncode == 0, without.stderr
    assert without.stdout == "hi\nTrue False\n"


def test_get_ipython_is_a_stand_in_that_names_what_needs_a_live_kernel(tmp_path: Path) -> None:
    nb = make_nb(tmp_path, "asks_kernel", [
        "ip = get_ipython()\ndata, meta = ip.display_formatter.format(42)\nprint(data['text/plain'])",
        "print(bool(ip))",
        "print(ip.history_manager)",
    ])  # fmt: skip
    result = export_notebook(nb, tmp_path / "pkg")
    done = run_module(result.out_dir, result.package, _elsewhere(tmp_path))
    assert done.returncode == 1
    assert done.stdout == "42\nFalse\n"
    assert "get_ipython().history_manager: the notebook ran this in a live IPython kernel" in done.stderr
    assert any("calls get_ipython()" in w for w in result.report.warnings)


def test_input_reads_stdin_and_fails_clearly_when_the_run_is_unattended(tmp_path: Path) -> None:
    nb = make_nb(tmp_path, "asks", ["name = input('who? ')\nprint('hello', name)"])
    result = export_notebook(nb, tmp_path / "pkg")
    out, package = result.out_dir, result.package
    env = {**os.environ, "PYTHONPATH": str(out / "src")}
    given = subprocess.run([sys.executable, "-m", package], input="Ada\n", env=env,
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert given.returncode == 0, given.stderr
    assert given.stdout == "hello Ada\n"  # the prompt goes to stderr, as the notebook kept it out of stdout
    unattended = subprocess.run([sys.executable, "-m", package], stdin=subprocess.DEVNULL, env=env,
                                capture_output=True, text=True, timeout=300)  # fmt: skip
    assert unattended.returncode == 1
    assert "the notebook asked for input here (input('who? '))" in unattended.stderr
    assert "make it a parameter" in unattended.stderr


def test_capture_hides_what_the_notebook_hid_and_the_captured_output_shows_again(tmp_path: Path) -> None:
    nb = make_nb(tmp_path, "captures", [
        "import sys",
        "%%capture\nprint('hidden')",
        "%%capture kept --no-stderr\nprint('kept for later')\nprint('warned', file=sys.stderr)",
        "kept()\nprint(len(kept.stdout))",
    ], run=True)  # fmt: skip
    result = export_notebook(nb, tmp_path / "pkg")
    done = run_module(result.out_dir, result.package, _elsewhere(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "kept for later\n15\n"  # what the notebook printed
    assert "warned" in done.stderr
    assert run_suite(result.out_dir).returncode == 0
