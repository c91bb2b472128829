"""NB1: execution order and hidden state in a saved notebook."""

from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis.facts import NotebookFacts, is_predefined
from nbprod.rules import Hit, rule


def _executed(facts: NotebookFacts) -> list[tuple[int, int]]:
    return [(c.index, c.execution_count) for c in facts.notebook.code_cells if c.execution_count is not None]


def _in_order(counts: list[int]) -> set[int]:
    """Positions of a longest increasing run of counts (the order most cells agree on)."""
    import bisect

    tails: list[int] = []  # smallest tail count of an increasing run of each length
    tail_pos: list[int] = []
    prev = [-1] * len(counts)
    for i, c in enumerate(counts):
        k = bisect.bisect_left(tails, c)
        if k == len(tails):
            tails.append(c)
            tail_pos.append(i)
        else:
            tails[k] = c
            tail_pos[k] = i
        prev[i] = tail_pos[k - 1] if k else -1
    keep, i = set(), tail_pos[-1] if tail_pos else -1
    while i >= 0:
        keep.add(i)
        i = prev[i]
    return keep


@rule(
    "NB101",
    "out-of-order-execution",
    "warning",
    "execution counts of executed code cells are not increasing in notebook order",
    "Restart the kernel and run all cells top to bottom, then save.",
)
def out_of_order(facts: NotebookFacts) -> Iterator[Hit]:
    """The saved execution counts show that cells ran in another order than the
    notebook's, so the outputs came from a run a reader cannot repeat. Only the fewest
    cells that explain the disorder are reported (those outside the longest run of
    increasing counts): one cell re-run at the end is one finding, not one per cell."""
    executed = _executed(facts)
    counts = [c for _, c in executed]
    keep = _in_order(counts)
    for pos, (index, count) in enumerate(executed):
        if pos in keep:
            continue
        below = [(i, c) for i, c in executed[pos + 1 :] if c < count]
        above = [(i, c) for i, c in executed[:pos] if c > count]
        if below:
            i, c = below[0]
            more = f" and {len(below) - 1} more" if len(below) > 1 else ""
            msg = f"cell ran as [{count}], after cell {i + 1} below it ([{c}]){more}"
        elif above:
            i, c = above[-1]
            msg = f"cell ran as [{count}], before cell {i + 1} above it ([{c}])"
        else:  # equal counts: a copied cell, or one saved with another run's count
            i = next(i for i, c in executed if c == count and i != index)
            msg = f"cell has the same execution count [{count}] as cell {i + 1}: one of them did not run as saved"
        yield index, None, msg


@rule(
    "NB102",
    "execution-gaps",
    "info",
    "counts increase but do not start at 1 or have gaps (cells run, then edited or deleted)",
    "Restart the kernel and run all cells top to bottom, then save.",
)
def gaps(facts: NotebookFacts) -> Iterator[Hit]:
    """Increasing counts with gaps mean cells were run that are not in the notebook any
    more (deleted or edited), or cells were run several times: hidden state is likely."""
    executed = _executed(facts)
    counts = [count for _, count in executed]
    if not counts or counts != sorted(counts) or len(set(counts)) != len(counts):
        return
    expected = 1
    for index, count in executed:
        if count != expected:
            what = "starts at" if expected == 1 else f"jumps from [{expected - 1}] to"
            yield (
                index,
                None,
                f"execution count {what} [{count}]: {count - expected} run(s) not in the notebook",
            )
            return
        expected += 1


@rule(
    "NB103",
    "skipped-cell",
    "warning",
    "a non-empty code cell was never executed while cells after it were",
    "Run the cell or delete it; a top-to-bottom run will execute it.",
)
def skipped(facts: NotebookFacts) -> Iterator[Hit]:
    """A code cell with no execution count sits above executed cells: the saved outputs
    come from a run that skipped it, but Restart & Run All will not."""
    last_executed = max((i for i, _ in _executed(facts)), default=-1)
    for cell, cf in facts.code():
        if cell.index >= last_executed:
            break
        if cell.execution_count is None and cf.ok and cf.stmts:
            yield cell.index, None, "cell was never run but cells below it were"
        elif cell.execution_count is None and not cf.ok and cell.source.strip():
            yield cell.index, None, "cell was never run but cells below it were"


def _broken_words(facts: NotebookFacts) -> frozenset[str]:
    """Every word in the cells that do not parse: such a cell may define any of them."""
    import re

    words: set[str] = set()
    for _, cf in facts.code():
        if not cf.ok:
            words.update(re.findall(r"\w+", cf.source))
    return frozenset(words)


def _function_reads(facts: NotebookFacts, cell: int, name: str) -> dict[str, int]:
    """Notebook names a call of the notebook's function ``name`` reads, through the
    functions it calls in turn (the definitions nearest above the calling cell)."""
    defs: dict[str, dict[str, int]] = {}
    for c, cf in facts.code():
        if c.index > cell:
            break
        defs.update(cf.function_uses)
    reads: dict[str, int] = {}
    todo, seen = [name], {name}
    while todo:
        for read, line in defs.get(todo.pop(), {}).items():
            reads.setdefault(read, line)
            if read in defs and read not in seen:
                seen.add(read)
                todo.append(read)
    return reads


@rule(
    "NB104",
    "defined-later",
    "error",
    "a cell reads a name that is first defined only in a later cell (Restart & Run All fails)",
    "Move the definition above its first use, or move this cell below it.",
)
def defined_later(facts: NotebookFacts) -> Iterator[Hit]:
    """Restart & Run All would raise NameError: the name exists only because a cell
    further down the notebook was run first. Calls of the notebook's own functions count
    too: ``f()`` in cell 2 fails when ``f`` reads a name first defined in cell 5."""
    first = facts.first_definitions()
    broken = _broken_words(facts)
    for cell, cf in facts.code():
        for name, line in cf.uses.items():
            if name in broken:
                continue
            where = first.get(name)
            if where is not None and where > cell.index and not is_predefined(name):
                yield (
                    cell.index,
                    line,
                    f"'{name}' is used here but first defined in cell {where + 1}, below",
                )
        reported = set(cf.uses)
        for call in cf.calls:
            if call.deferred or "." in call.name or not call.name or call.name not in first:
                continue
            if first[call.name] > cell.index:
                continue
            for name, _ in _function_reads(facts, cell.index, call.name).items():
                where = first.get(name)
                if name in reported or name in broken or where is None or where <= cell.index:
                    continue
                reported.add(name)
                yield (
                    cell.index,
                    call.line,
                    f"{call.name}() reads '{name}', which is first defined in cell {where + 1}, below",
                )


@rule(
    "NB105",
    "undefined-name",
    "error",
    "a cell reads a name defined nowhere in the notebook (state from a deleted or edited cell)",
    "Restore the cell that defined it, or define it before this cell.",
)
def undefined(facts: NotebookFacts) -> Iterator[Hit]:
    """The name was defined by a cell that was deleted or edited since: the notebook
    only works in the kernel that still remembers it. Names that come from ``from x
    import *``, ``%run`` or ``%pylab`` cannot be known, so then this rule stays quiet."""
    if facts.injects_unknown:
        return
    first = facts.first_definitions()
    broken = _broken_words(facts)
    for cell, cf in facts.code():
        for uses, when in ((cf.uses, ""), (cf.deferred_uses, " (inside a function)")):
            for name, line in uses.items():
                if name not in first and not is_predefined(name) and name not in broken:
                    yield cell.index, line, f"'{name}' is not defined anywhere in the notebook{when}"


@rule(
    "NB106",
    "syntax-error",
    "error",
    "a code cell does not parse, even after IPython's transforms",
    "Fix the syntax; Python 2 code must be ported to Python 3.",
)
def syntax_error(facts: NotebookFacts) -> Iterator[Hit]:
    """The cell is not valid Python 3 (with IPython's magics, shell escapes and
    top-level await taken into account); the rest of the notebook is still checked."""
    py2 = facts.notebook.python_major == 2
    for cell, cf in facts.code():
        if not cf.ok:
            hint = " (Python 2 syntax in a Python 2 notebook)" if py2 else ""
            yield cell.index, cf.error_line, f"cell does not parse: {cf.error}{hint}"
