"""Files (cells 13-18 of magics.ipynb)."""

import asyncio
from pathlib import Path

from ._magics import sh
from .golden_helper import double


async def run():
    """Files: the code of cells 13-18."""
    print(double(21))
    Path("golden_notes.txt").write_text("some notes\n")
    sh("echo from bash\n")
    for i in range(2):
        sh(f"echo loop {i}")
    await asyncio.sleep(0)
    print("awaited")
