"""Magic tour (cells 2-6 of magics.ipynb)."""

import os

from ._magics import getoutput, sh


def run():
    """Magic tour: the code of cells 2-6."""
    # (notebook cell 3)
    sh("echo hello from the shell")
    # (notebook cell 4)
    listing = getoutput("echo one && echo two")
    print(len(listing))
    # (notebook cell 5)
    os.environ["GOLDEN_FLAG"] = "on"
    print(os.environ["GOLDEN_FLAG"])
    return listing
