"""Magic tour (cells 2-6 of magics.ipynb)."""

import os

from ._magics import getoutput, sh


def run():
    """Magic tour: the code of cells 2-6."""
    sh("echo hello from the shell")
    listing = getoutput("echo one && echo two")
    print(len(listing))
    os.environ["GOLDEN_FLAG"] = "on"
    print(os.environ["GOLDEN_FLAG"])
    return listing
