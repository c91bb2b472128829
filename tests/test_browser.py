"""End to end in a real browser: JupyterLab + Debian's chromium driven by Playwright.

Open a sample notebook, run ``%load_ext nbprod`` and ``%nbprod check``, tick a manual item,
restart the kernel, run the check again and see the tick kept. Skipped, with the reason,
when chromium, Playwright or JupyterLab is missing.
"""

from __future__ import annotations

import json
import os
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


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A JupyterLab server on a free localhost port, rooted in tmp_path; stopped at the end."""
    reason = _requirements()
    if reason:
        pytest.skip(f"browser test skipped: {reason}")
    root = tmp_path / "work"
    (root / "data").mkdir(parents=True)
    shutil.copy(SAMPLES / "data" / "credit.csv", root / "data" / "credit.csv")
    nb = nbformat.read(SAMPLES / "credit_risk_messy.ipynb", as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(CHECK_CELL))
    path = root / "credit_risk_messy.ipynb"
    nbformat.write(nb, path)
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    panel = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    panel.mkdir(parents=True)
    (panel / "panel.jupyterlab-settings").write_text(json.dumps({"autoStartDefaultKernel": True}))
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "NBPROD_USER": "browser-test",
    }
    log = (tmp_path / "lab.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.port_retries=0", "--allow-root"],
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
        yield f"{base}/lab/tree/{path.name}?token={token}", path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


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
    from playwright.sync_api import expect, sync_playwright

    from nbprod.manual import load_ticks

    url, notebook = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(45_000)
        try:
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
            page.locator(
                ".lm-Menu-itemLabel", has_text="Restart Kernel and Clear Outputs of All Cells…"
            ).click()
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
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            raise
        finally:
            browser.close()
    assert (tmp_path / "after-restart.png").stat().st_size > 10_000
