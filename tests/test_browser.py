"""End to end in a real browser: JupyterLab + Debian's chromium driven by Playwright.

Open a sample notebook, run ``%load_ext nbprod`` and ``%nbprod check``, tick a manual item,
restart the kernel, run the check again and see the tick kept. Then nbprod's JupyterLab
extension, as a new user meets it: new notebook, rename, out-of-order cells without saving,
edits with and without meaning, a CSV read in the import cell, Restart & Run All, the side
panel's cell links, a reopen, the dark theme. Skipped, with the reason, when chromium,
Playwright or JupyterLab is missing. ``NBPROD_SCREENSHOTS=docs/images`` refreshes the docs'
screenshots.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from conftest import SAMPLES

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(180)]

CHROMIUM = os.environ.get("NBPROD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
CHECK_CELL = "%load_ext nbprod\n%nbprod check"
ITEM = "F4"  # a manual item of the weakest section of the messy sample (open by default)


def _requirements() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    for module, package in (("playwright.sync_api", "playwright"), ("jupyterlab", "jupyterlab")):
        try:
            __import__(module)
        except ImportError:
            return f"{package} is not installed (pip install '.[test]')"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _settings(tmp_path: Path, extra: tuple[tuple[str, str, dict[str, object]], ...] = ()) -> None:
    """JupyterLab user settings in tmp_path: no news, kernels start on their own."""
    settings = tmp_path / "settings" / "@jupyterlab"
    for folder, name, value in (
        ("apputils-extension", "notification", {"fetchNews": "false", "checkForUpdates": False}),
        ("notebook-extension", "panel", {"autoStartDefaultKernel": True}),
        *extra,
    ):
        (settings / folder).mkdir(parents=True, exist_ok=True)
        (settings / folder / f"{name}.jupyterlab-settings").write_text(json.dumps(value))


@contextlib.contextmanager
def _server(tmp_path: Path, root: Path, env: dict[str, str], args: tuple[str, ...] = ()) -> Iterator[str]:
    """A JupyterLab server on a free localhost port, rooted in root; yields its /lab URL
    with the token; stopped at the end."""
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        **env,
    }
    log = (tmp_path / "lab.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.port_retries=0", "--allow-root", *args],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {(tmp_path / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield f"{base}/lab?token={token}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _root(tmp_path: Path) -> Path:
    """The server's folder, with the sample CSV; skips when the browser parts are missing."""
    reason = _requirements()
    if reason:
        pytest.skip(f"browser test skipped: {reason}")
    root = tmp_path / "work"
    (root / "data").mkdir(parents=True)
    shutil.copy(SAMPLES / "data" / "credit.csv", root / "data" / "credit.csv")
    return root


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A JupyterLab server with the messy sample (a check cell first), rooted in tmp_path."""
    root = _root(tmp_path)
    nb = nbformat.read(SAMPLES / "credit_risk_messy.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(CHECK_CELL))
    path = root / "credit_risk_messy.ipynb"
    nbformat.write(nb, path)
    _settings(tmp_path)
    with _server(tmp_path, root, {"NBPROD_USER": "browser-test"}) as url:
        yield url.replace("/lab?", f"/lab/tree/{path.name}?"), path


@contextlib.contextmanager
def _page(tmp_path: Path, width: int) -> Iterator:  # type: ignore[type-arg]
    """A chromium page; on failure a screenshot lands in tmp_path/failure.png."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": width, "height": 1000})
        page.set_default_timeout(45_000)
        try:
            yield page
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            raise
        finally:
            browser.close()


def _kernel_idle(page) -> None:
    """Accept a kernel dialog if one shows, then wait until the kernel is idle."""
    from playwright.sync_api import expect

    dialog = page.locator(".jp-Dialog .jp-mod-accept")
    try:
        dialog.wait_for(timeout=3_000)
        dialog.click()
    except Exception:  # no dialog: the kernel starts on its own
        pass
    expect(page.locator(".jp-StatusBar-Widget", has_text="| Idle").first).to_be_visible()


def _run_first_cell(page) -> None:
    cell = page.locator(".jp-Notebook .jp-CodeCell").first
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")


def test_tick_survives_a_kernel_restart(lab: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from nbprod.manual import load_ticks

    url, notebook = lab
    with _page(tmp_path, 1400) as page:
        page.goto(url)
        page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
        _kernel_idle(page)
        _run_first_cell(page)
        widget = page.locator(".nbprod-checklist").first
        expect(widget).to_be_visible()
        expect(widget).to_contain_text("Production readiness")
        expect(widget).to_contain_text("held back by Features and split")
        box = widget.locator(f".nbprod-item-{ITEM} input[type=checkbox]")
        expect(box).not_to_be_checked()
        box.check()
        deadline = time.monotonic() + 20  # the tick is saved at once, by the kernel
        while not (ITEM in load_ticks(notebook) and load_ticks(notebook)[ITEM].done):
            assert time.monotonic() < deadline, "the tick was not saved beside the notebook"
            time.sleep(0.2)
        assert load_ticks(notebook)[ITEM].by == "browser-test"
        page.screenshot(path=str(tmp_path / "ticked.png"))

        page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
        page.locator(".lm-Menu-itemLabel", has_text="Restart Kernel and Clear Outputs of All Cells…").click()
        page.locator(".jp-Dialog .jp-mod-accept").click()
        expect(page.locator(".jp-Dialog")).to_have_count(0)
        expect(page.locator(".nbprod-checklist")).to_have_count(0)  # the old widget is gone
        _kernel_idle(page)
        _run_first_cell(page)
        widget = page.locator(".nbprod-checklist").first
        expect(widget).to_be_visible()
        expect(widget.locator(f".nbprod-item-{ITEM} input[type=checkbox]")).to_be_checked()
        expect(widget.locator(f".nbprod-item-{ITEM}")).to_contain_text("ticked by browser-test")
        page.screenshot(path=str(tmp_path / "after-restart.png"))
    assert (tmp_path / "after-restart.png").stat().st_size > 10_000


# -- the JupyterLab extension ---------------------------------------------------------------
LABEXT = Path(__file__).resolve().parent.parent / "nbprod" / "labextension"
SHOTS = os.environ.get("NBPROD_SCREENSHOTS")  # a folder: save the docs' screenshots there


@pytest.fixture
def lab_ext(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """JupyterLab with nbprod's prebuilt extension (found through JUPYTER_PATH, as pip puts
    it under share/jupyter/labextensions), rooted in an empty folder with a CSV."""
    root = _root(tmp_path)
    share = tmp_path / "share"
    (share / "labextensions").mkdir(parents=True)
    (share / "labextensions" / "nbprod-jupyterlab").symlink_to(LABEXT)
    _settings(
        tmp_path,
        (("docmanager-extension", "plugin", {"autosave": False}),
         ("notebook-extension", "tracker", {"windowingMode": "none"})),
    )  # fmt: skip
    env = {
        "JUPYTER_PATH": str(share),
        "PYTHONPATH": str(LABEXT.parent.parent) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    with _server(tmp_path, root, env, ("--LabApp.expose_app_in_browser=True",)) as url:
        yield url, root


APP_READY = (
    "window.jupyterapp && window.jupyterapp.commands.hasCommand('notebook:create-new')"
    " && window.jupyterapp.commands.hasCommand('nbprod:check')"  # nbprod's extension is loaded
)
JS_SET_CELLS = """(sources) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const shared = nb.model.sharedModel;
  const have = shared.cells.length;
  for (let i = have; i < sources.length; i++) {
    shared.insertCell(i, {cell_type: 'code', source: ''});
  }
  sources.forEach((s, i) => { if (s !== null) shared.getCell(i).setSource(s); });
}"""
JS_RUN = """async (index) => {
  const app = window.jupyterapp;
  const nb = app.shell.currentWidget.content;
  nb.activeCellIndex = index;
  nb.deselectAll();
  await app.commands.execute('notebook:run-cell');
}"""


# code run in the notebook's kernel outside any cell; returns what it prints
JS_KERNEL = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, silent: false, store_history: false});
  let out = '';
  future.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') { out += msg.content.text; } };
  await future.done;
  return out.trim();
}"""
JS_RECEIVED = "from nbprod.live import frontend as _f; print(_f.CURRENT.received)"


def _run(page, index: int) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.evaluate(JS_RUN, index)
    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(index)
    expect(cell.locator(".jp-InputPrompt")).not_to_have_text("[*]:", timeout=30_000)
    expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=30_000)
    page.wait_for_timeout(400)  # the kernel's findings arrive over the comm just after


def _markers(page, index: int):  # type: ignore[no-untyped-def]
    return page.locator(".jp-Notebook .jp-CodeCell").nth(index).locator(":scope > .nbprod-marker")


def _shot(page, name: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(tmp_path / f"{name}.png"))
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


@pytest.mark.timeout(420)
def test_the_extension_follows_the_notebook_as_the_user_sees_it(
    lab_ext: tuple[str, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    url, root = lab_ext
    with _page(tmp_path, 1500) as page:
        page.goto(url)
        page.wait_for_function(APP_READY)
        # New notebook, then Rename (the kernel was started as Untitled.ipynb)
        page.evaluate(
            "async () => { await window.jupyterapp.commands.execute('notebook:create-new', "
            "{kernelName: 'python3'}); }"
        )
        page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
        _kernel_idle(page)
        page.evaluate("() => { window.jupyterapp.commands.execute('docmanager:rename'); }")
        name = page.locator(".jp-Dialog input")
        name.fill("churn.ipynb")
        page.keyboard.press("Enter")
        expect(page.locator(".jp-Dialog")).to_have_count(0)
        expect(page.locator(".lm-TabBar-tab.jp-mod-current")).to_contain_text("churn.ipynb")
        assert (root / "churn.ipynb").is_file() and not (root / "Untitled.ipynb").exists()

        page.evaluate(JS_SET_CELLS, ["%load_ext nbprod", "y = x + 1", "x = 1"])
        _run(page, 0)
        expect(page.locator(".jp-Notebook .jp-CodeCell").first).to_contain_text(
            "JupyterLab extension connected: live checks follow churn.ipynb"
        )
        # out of order, never saved: NB104 on the cell that reads x
        _run(page, 2)
        _run(page, 1)
        expect(_markers(page, 1)).to_have_attribute("data-rules", "NB104")
        expect(_markers(page, 2)).to_have_count(0)
        _markers(page, 1).click()
        expect(page.locator(".nbprod-popover")).to_contain_text("defined only in cell 3, below this one")
        _shot(page, "lab-finding-on-cell", tmp_path)

        # an edit without re-running the defining cell -> NB107; re-run -> resolved
        page.evaluate(JS_SET_CELLS, [None, "y = 1", None, "rate = 0.5", "cost = rate * 100"])
        _run(page, 3)
        _run(page, 4)
        expect(_markers(page, 4)).to_have_count(0)
        page.evaluate(JS_SET_CELLS, [None, None, None, "rate = 0.7"])
        page.wait_for_timeout(600)  # the edit reaches the kernel (debounced 300 ms)
        _run(page, 4)
        expect(_markers(page, 4)).to_have_attribute("data-rules", "NB107")
        expect(_markers(page, 4)).to_have_attribute("title", re.compile("before its last edit"))
        _run(page, 3)
        _run(page, 4)
        expect(_markers(page, 4)).to_have_count(0)
        # a comment-only edit changes nothing
        page.evaluate(JS_SET_CELLS, [None, None, None, "# per hour\nrate = 0.7   # cheaper"])
        page.wait_for_timeout(600)
        _run(page, 4)
        expect(_markers(page, 4)).to_have_count(0)
        # re-runs of unchanged cells send the kernel nothing (each message costs it a parse of
        # every cell): only edits, moves and renames do (running the edited cell 4 sends once:
        # it is no longer "edited since it ran")
        _run(page, 3)
        page.wait_for_timeout(600)
        before = int(page.evaluate(JS_KERNEL, JS_RECEIVED))
        for _ in range(3):
            _run(page, 3)
            _run(page, 4)
        page.wait_for_timeout(600)
        assert int(page.evaluate(JS_KERNEL, JS_RECEIVED)) == before
        expect(_markers(page, 4)).to_have_count(0)

        # a CSV read in the cell that imports pandas is recorded
        page.evaluate(
            JS_SET_CELLS,
            [None, None, None, None, None, "import pandas as pd\ndf = pd.read_csv('data/credit.csv')",
             "%nbprod record --json", "%nbprod check --text --select NB101", "%nbprod check",
                 "import random\nnoise = random.random()"],
        )  # fmt: skip
        _run(page, 5)
        _run(page, 6)
        expect(page.locator(".jp-Notebook .jp-CodeCell").nth(6)).to_contain_text("data/credit.csv")

        # saved with out-of-order counts, then Restart & Run All: no stale NB101
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1000)
        saved = nbformat.read(root / "churn.ipynb", as_version=4)
        counts = [c.execution_count for c in saved.cells[:3]]
        assert counts[1] > counts[2], counts  # the file says: cell 2 ran after cell 3
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); }")
        page.locator(".jp-Dialog .jp-mod-accept").click()
        last = page.locator(".jp-Notebook .jp-CodeCell").nth(8)
        expect(last.locator(".nbprod-checklist")).to_be_visible(timeout=90_000)
        check = page.locator(".jp-Notebook .jp-CodeCell").nth(7)
        expect(check.locator(".jp-OutputArea")).to_contain_text("churn.ipynb")
        expect(check.locator(".jp-OutputArea")).to_contain_text("0 warning(s)")
        expect(check.locator(".jp-OutputArea")).not_to_contain_text("NB101")
        expect(page.locator(".nbprod-marker[data-rules*=NB10]")).to_have_count(0)  # NB201 on the last cell

        # the side panel: the checklist from the kernel; a cell link selects the cell
        page.evaluate("() => window.jupyterapp.commands.execute('nbprod:check')")
        panel = page.locator("#nbprod-checklist-panel")
        expect(panel).to_contain_text("Overall")
        section = panel.locator(".nbprod-section", has=page.locator(".nbprod-cell-link")).first
        if section.get_attribute("open") is None:
            section.locator("summary").click()
        link = section.locator(".nbprod-cell-link").first
        expect(link).to_be_visible()
        target = int(re.search(r"cell (\d+)", link.inner_text()).group(1)) - 1  # type: ignore[union-attr]
        page.evaluate("() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0; }")
        link.click()
        cells = page.locator(".jp-Notebook .jp-Cell")
        expect(cells.nth(target)).to_have_class(re.compile(r"\bjp-mod-active\b"))
        _shot(page, "lab-checklist-panel", tmp_path)

        # reopen: the widget's model is gone, the static copy is readable
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1000)
        page.reload()
        page.wait_for_function(APP_READY)
        last = page.locator(".jp-Notebook .jp-CodeCell").nth(8)
        static = last.locator(".nbprod-static")
        expect(static).to_be_visible()
        expect(static).to_contain_text("Production readiness")

        # dark theme
        page.evaluate(
            "() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})"
        )
        page.wait_for_timeout(1500)
        _kernel_idle(page)
        page.evaluate(JS_SET_CELLS, [None, "y = z + 1", "z = 1"])
        page.wait_for_timeout(600)
        _run(page, 2)
        _run(page, 1)
        expect(_markers(page, 1)).to_have_attribute("data-rules", "NB104")
        page.evaluate("() => window.jupyterapp.commands.execute('nbprod:check')")
        expect(page.locator("#nbprod-checklist-panel")).to_contain_text("Overall")
        _markers(page, 1).click()
        _shot(page, "lab-dark", tmp_path)
