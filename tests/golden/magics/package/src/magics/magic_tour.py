"""Magic tour (cells 1-5 of magics.ipynb)."""

import os

from ._magics import getoutput, sh


def run():
    """Magic tour: the code of cells 1-5."""
    sh("echo hello from the shell")
    listing = getoutput("echo one && echo two")
    print(len(listing))
    os.environ["GOLDEN_FLAG"] = "on"
    print(os.environ["GOLDEN_FLAG"])
    return listing
