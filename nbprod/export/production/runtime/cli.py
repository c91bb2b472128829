"""The console script: ``train``, ``predict INPUT``, ``monitor INPUT``; anything else runs the pipeline."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import (
    ProductionError,
    artifacts_dir,
    config,
    read_table,
    sha256_file,
    spec,
    write_text,
)

COMMANDS = ("train", "predict", "monitor")


def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Train, score and monitor the notebook's model.")
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--artifacts", help=f"artifacts folder (default: ${spec()['artifacts_env']}, else ./artifacts)"
    )
    common.add_argument("--config", help="a JSON file overriding config.json's thresholds")
    sub.add_parser(
        "train", parents=[common], help="run the pipeline; write the model, model card and reference profile"
    )
    pr = sub.add_parser("predict", parents=[common], help="score a CSV/Parquet file of raw rows")
    pr.add_argument("input")
    pr.add_argument("-o", "--output", help="CSV or Parquet (default: INPUT's name + .predictions.csv)")
    mo = sub.add_parser(
        "monitor",
        parents=[common],
        help="drift of a CSV/Parquet batch against the reference; exit 1 on drift",
    )
    mo.add_argument("input")
    mo.add_argument("--report", help="folder for drift.json and drift.html (default: ARTIFACTS/monitor)")
    return p


def _train(args: argparse.Namespace) -> int:
    from .train import train

    art = artifacts_dir(args.artifacts)
    card = train(art, args.config)
    print(f"trained {card['model']['class']} in {card['training_seconds']:.2f} s -> {art}")
    for row in card["metrics"]:
        base = "" if row.get("baseline") is None else f" (baseline {row['baseline']:.4g})"
        print(f"  {row['name']}: {row['model']:.4g}{base}")
    for note in card["notes"]:
        print(f"  note: {note}")
    print(f"  model card: {art / 'MODEL_CARD.md'}; artifact sha256 {card['artifact']['sha256'][:16]}")
    return 0


def _load(art: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    from .serve import load_bundle

    bundle, card = load_bundle(art)
    profile = json.loads((art / "reference_profile.json").read_text(encoding="utf-8"))
    return bundle, card, profile


def _score(bundle: dict[str, Any], X: Any) -> Any:
    from .serve import apply

    try:
        return apply(bundle, X)
    except Exception as exc:  # noqa: BLE001 - the model's own error, on data it cannot score
        raise ProductionError(f"the model could not score the batch ({type(exc).__name__}: {exc})") from None


def _predict(args: argparse.Namespace) -> int:
    from . import write_table
    from .serve import check_predictions, output_frame, summary, validate

    cfg = config(args.config)
    art = artifacts_dir(args.artifacts)
    bundle, card, profile = _load(art)
    df = read_table(args.input)
    X, errors, problems, notices = validate(df, bundle, profile)
    fail = cfg["on_input_problem"] == "fail"
    if not errors:
        pred, proba = _score(bundle, X)
        pred_errors, pred_problems = check_predictions(pred, bundle)
        errors += pred_errors
        if cfg["on_prediction_problem"] == "fail":
            errors += pred_problems
        else:
            problems += pred_problems
    for line in notices:
        print(f"predict: warning: {line}", file=sys.stderr)
    if errors or (problems and fail):
        for line in errors + (problems if fail else []):
            print(f"predict: error: {line}", file=sys.stderr)
        print(
            f"predict: {args.input}: not scored (on_input_problem={cfg['on_input_problem']})", file=sys.stderr
        )
        return 1
    for line in problems:
        print(f"predict: warning: {line}", file=sys.stderr)
    src = Path(args.input)
    out = Path(args.output) if args.output else src.with_name(src.name.split(".")[0] + ".predictions.csv")
    write_table(output_frame(pred, proba, bundle, X.index), out)
    entry = {
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),  # noqa: UP017 - datetime.UTC needs Python 3.11
        "input": str(src),
        "input_sha256": sha256_file(src),
        "rows": len(X),
        "output": str(out),
        "model_sha256": card["artifact"]["sha256"],
        "package_version": card["package_version"],
        "warnings": problems,
        "summary": summary(pred, bundle),
    }
    log = art / cfg["prediction_log"]
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, default=str) + "\n")
    print(f"predict: {len(X)} rows -> {out} (model {card['artifact']['sha256'][:12]}); logged to {log}")
    return 0


def _monitor(args: argparse.Namespace) -> int:
    from .drift import batch_drift, feature_drift
    from .html import render
    from .serve import prediction_signal, validate

    cfg = config(args.config)
    art = artifacts_dir(args.artifacts)
    bundle, card, profile = _load(art)
    df = read_table(args.input)
    report: dict[str, Any] = {"input": str(args.input), "checked_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),  # noqa: UP017 - datetime.UTC needs Python 3.11
                              "model_sha256": card["artifact"]["sha256"], "thresholds": cfg}  # fmt: skip
    factorized: dict[str, Any] = {}  # text columns hashed once, for drift and validation both
    report.update(batch_drift(profile, df, cfg, factorized))
    X, errors, _problems, _notices = validate(df, bundle, profile, factorized)
    report["predictions"] = None
    if not errors:
        import pandas as pd

        pred, proba = _score(bundle, X)
        pcfg = dict(cfg, psi=cfg["prediction_psi"])
        report["predictions"] = feature_drift(
            profile["predictions"], pd.Series(prediction_signal(pred, proba, bundle)), pcfg
        )
    drifted = [n for n, f in report["features"].items() if f["drift"]]
    pred_drift = bool(report["predictions"] and report["predictions"]["drift"])
    report["drift"] = bool(drifted or report["missing_columns"] or pred_drift)
    out = Path(args.report) if args.report else art / "monitor"
    write_text(out / "drift.json", json.dumps(report, indent=1, default=str) + "\n")
    write_text(out / "drift.html", render(report, profile, int(cfg["max_plots"])))
    n = len(report["features"])
    print(
        f"monitor: {args.input}: {report['rows']} rows, {len(drifted)} of {n} features drifted"
        + (":" if drifted else "")
    )
    for name in drifted:
        print(f"  {name}: {'; '.join(report['features'][name]['reasons'])}")
    if report["missing_columns"]:
        print(f"  missing column(s): {', '.join(report['missing_columns'])}")
    if report["predictions"] is None:
        print(f"  predictions: not computed ({errors[0]})")
    else:
        p = report["predictions"]
        print(
            f"  predictions: {'drift: ' + '; '.join(p['reasons']) if p['drift'] else 'no drift'} (PSI {p['psi']:.3f})"
        )
    print(f"  report: {out / 'drift.html'}")
    return 1 if report["drift"] else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``train`` / ``predict`` / ``monitor``, else the pipeline's own command line."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in COMMANDS:
        from ..pipeline import main as pipeline_main

        return pipeline_main(args_list)
    prog = spec()["dist"]
    args = _parser(prog).parse_args(args_list)
    try:
        return {"train": _train, "predict": _predict, "monitor": _monitor}[args.command](args)
    except ProductionError as exc:
        print(f"{prog} {args.command}: error: {exc}", file=sys.stderr)
        return 2
