"""Rules whose findings come from the live extension or from re-execution, not static checks."""

from __future__ import annotations

from nbprod.rules import declare

declare(
    "NB107",
    "stale-value",
    "warning",
    "a cell read a value whose defining cell was since edited, re-run below it, or deleted",
    "Restart the kernel and run all cells top to bottom.",
    "Found live by the IPython extension (`%load_ext nbprod`): the value a cell read came "
    "from a version of its defining cell that no longer exists in the notebook.",
)
declare(
    "NB501",
    "fails-on-fresh-run",
    "error",
    "the notebook fails when run top to bottom in a fresh kernel",
    "Fix the first failing cell; later failures are usually consequences of it.",
    "Found by `nbprod verify`: only the first failing cell is reported, with its root cause "
    "(missing module, missing data file, name defined nowhere or later, API change, timeout).",
)
declare(
    "NB502",
    "outputs-differ",
    "warning",
    "a cell's outputs on a fresh run differ from the saved ones",
    "Re-run the notebook top to bottom and save it, or fix the source of the difference.",
    "Found by `nbprod verify`: volatile parts (addresses, times, paths) are normalised and "
    "numbers compared within a tolerance before a difference counts.",
)
declare(
    "NB503",
    "non-deterministic",
    "warning",
    "two fresh runs of the notebook give different outputs",
    "Seed every random generator (`%nbprod seed`) and pass random_state to estimators.",
    "Found by `nbprod verify --runs 2`: the first cell whose outputs differ between two fresh "
    "runs, with the unseeded draw (NB201) or missing random_state (NB202) in or above it that a "
    "seed would fix, when the analysis finds one.",
)
