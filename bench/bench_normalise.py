"""How long verify's text comparison takes on long runs without spaces (issue 9).

Before the fix the normaliser was quadratic in such a run (20k characters 6 s, 80k 86 s,
a 50 MB saved output past 10 minutes). Run: ``python bench/bench_normalise.py``.
"""

from __future__ import annotations

import time

from nbprod.verify.compare import Options, compare_text


def main() -> None:
    """Print seconds per comparison for a few lengths and shapes of text."""
    shapes = {"letters": "x", "digits": "1", "slashes": "x/", "path-like": "a/b.c:"}
    for n in (20_000, 80_000, 200_000, 1_000_000, 50_000_000):
        row = []
        for name, unit in shapes.items():
            text = (unit * (n // len(unit) + 1))[:n]
            started = time.perf_counter()
            compare_text(text, text[:-1] + "#", Options())
            row.append(f"{name} {time.perf_counter() - started:.3f} s")
        print(f"{n:>11,} characters: " + ", ".join(row))


if __name__ == "__main__":
    main()
