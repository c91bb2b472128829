"""``nbprod rules [ID]``: the rule catalog in the terminal."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("rule", nargs="?", help="a rule id to explain (default: list all)")


def run(args: argparse.Namespace) -> int:
    from nbprod.errors import ConfigError
    from nbprod.rules import all_rules

    rules = all_rules()
    if args.rule:
        r = rules.get(args.rule.upper())
        if r is None:
            raise ConfigError(f"unknown rule '{args.rule}' (see 'nbprod rules')")
        print(f"{r.id} {r.name} [{r.severity}]\n{r.summary}\n\n{r.doc}\n\nFix: {r.fix}")
        return 0
    for r in rules.values():
        print(f"{r.id}  {r.severity:<7}  {r.name:<28} {r.summary}")
    return 0
