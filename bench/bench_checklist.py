"""Cost of the readiness checklist: on top of the rules (the floor), and the widget build.

Run: python bench/bench_checklist.py [NOTEBOOK...]  (default: the sample notebooks).
Prints medians over repeats; the machine is shared, so compare ratios, not absolutes.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def median_ms(fn, repeats: int = 15) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main(paths: list[str]) -> None:
    from nbprod.analysis.facts import analyze_notebook
    from nbprod.checker import run_rules
    from nbprod.checklist import checklist_extra, checklist_for
    from nbprod.notebook import read_notebook
    from nbprod.widget import ChecklistWidget

    files = paths or sorted(str(p) for p in (REPO / "sample_notebooks").glob("*.ipynb"))
    print(f"{'notebook':<28} {'rules ms':>9} {'checklist ms':>13} {'ratio':>6} {'widget ms':>10}")
    for path in files:
        nb = read_notebook(path)
        facts = analyze_notebook(nb)
        findings = run_rules(facts)
        rules = median_ms(lambda facts=facts: run_rules(facts))
        extra = median_ms(lambda facts=facts, findings=findings: checklist_extra(facts, findings))
        cl = checklist_for(path)
        build = median_ms(lambda cl=cl: ChecklistWidget(cl), repeats=5)
        print(f"{Path(path).name:<28} {rules:9.2f} {extra:13.2f} {extra / rules:6.2f} {build:10.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
