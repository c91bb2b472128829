"""Files (cells 13-18 of magics.ipynb)."""

import asyncio
from pathlib import Path

from ._magics import sh
from .golden_helper import double


async def run():
    """Files: the code of cells 13-18."""
    # (notebook cell 13)
    print(double(21))
    # (notebook cell 14)
    Path("golden_notes.txt").write_text("some notes\n")
    # (notebook cell 15)
    sh("echo from bash\n")
    # (notebook cell 16)
    for i in range(2):
        sh(f"echo loop {i}")
    # (notebook cell 17)
    await asyncio.sleep(0)
    print("awaited")
