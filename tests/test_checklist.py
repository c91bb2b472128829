"""The readiness checklist model: items filled from rules and facts, scoring, sections."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, SAMPLES

from nbprod.checker import check_paths
from nbprod.checklist import ITEMS, MANUAL_IDS, SECTIONS, Checklist, checklist_for
from nbprod.record import record_path
from nbprod.render import headline, to_html, to_text


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    dst = tmp_path / "credit_risk_messy.ipynb"
    shutil.copy(SAMPLES / "credit_risk_messy.ipynb", dst)
    return dst


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    dst = tmp_path / "credit_risk_clean.ipynb"
    shutil.copy(SAMPLES / "credit_risk_clean.ipynb", dst)
    return dst


def test_catalog_has_five_sections_and_matches_checklist_md() -> None:
    assert [s.title for s in SECTIONS] == [
        "Data", "Features and split", "Model and evaluation", "Code and environment", "Deployment and monitoring",
    ]  # fmt: skip
    assert len(ITEMS) == sum(len(s.items) for s in SECTIONS) == 32
    # the design card beside the checkout
    text = Path(__file__).resolve().parents[2] / "shared" / "CHECKLIST.md"
    if not text.is_file():
        pytest.skip("shared/CHECKLIST.md is not on this machine; the catalog was checked above")
    rows = [line.split("|") for line in text.read_text().splitlines() if line.startswith("| ")]
    catalog = {r[1].strip(): r[3].strip() for r in rows if r[1].strip() not in ("id",) and "---" not in r[1]}
    assert catalog == {i.id: i.kind for i in ITEMS.values()}


def test_scores_are_points_over_max_and_overall_is_weakest(messy: Path) -> None:
    cl = checklist_for(messy)
    for s in cl.sections:
        applicable = [r for r in s.items if r.score is not None]
        assert s.points == sum(r.score for r in applicable if r.score is not None)
        assert s.maximum == 2 * len(applicable)
        assert s.score == pytest.approx(s.points / s.maximum, abs=1e-3)
        assert all(r.score in (None, 0, 1, 2) for r in s.items)
    assert cl.overall == min(s.score for s in cl.sections)
    assert cl.weakest.score == cl.overall


def test_messy_sample_auto_items_follow_rule_findings(messy: Path) -> None:
    report = check_paths([messy])
    fired = {}
    for f in report.findings:
        fired.setdefault(f.rule, f)
    cl = checklist_for(messy)
    for item_id, rule in (("F1", "NB201"), ("F2", "NB202"), ("F3", "NB301"), ("M1", "NB302"), ("M2", "NB303"),
                          ("C4", "NB204"), ("C5", "NB401"), ("C7", "NB305")):  # fmt: skip
        assert rule in fired, rule
        r = cl.item(item_id)
        assert r.score == 0 and r.status == "fail"
        assert rule in r.reason and r.fix, item_id
        assert r.cell == fired[rule].cell and r.line == fired[rule].line
    assert cl.item("C1").score == 0 and "NB104" in cl.item("C1").reason  # a name defined only below
    assert cl.item("D4").score == 0 and "get_dummies" in cl.item("D4").reason
    assert cl.item("D3").score == 1  # fillna by hand
    # which section holds it back: the first fully failing one, with an actionable next step
    assert cl.weakest.section.id == "features"
    assert "Features and split" in headline(cl) and "next: F1" in headline(cl)


def test_clean_sample_passes_what_it_does(clean: Path) -> None:
    cl = checklist_for(clean)
    for item_id in ("D3", "D4", "F1", "F2", "F3", "M1", "M2", "M3", "M6", "C1", "C4", "C5"):
        assert cl.item(item_id).score == 2, (item_id, cl.item(item_id).reason)
    assert cl.item("M4").score == 1  # saved as model.joblib, no version in the name
    assert cl.item("C2").status == "unknown" and "nbprod verify" in cl.item("C2").fix
    assert all(cl.item(i).status == "open" for i in MANUAL_IDS)
    assert (
        cl.section("features").score
        > checklist_for(SAMPLES / "credit_risk_messy.ipynb").section("features").score
    )


@pytest.mark.parametrize(
    ("cells", "item", "score"),
    [
        (["import pandas as pd\ndf = pd.read_csv('d.csv')\ndf = pd.get_dummies(df)"], "D4", 0),
        (["from sklearn.preprocessing import OneHotEncoder\nenc = OneHotEncoder()"], "D4", 0),
        (
            ["from sklearn.preprocessing import OneHotEncoder\nenc = OneHotEncoder(handle_unknown='ignore')"],
            "D4",
            2,
        ),
        (["x = 1"], "D4", None),
        (["import pandas as pd\ndf = pd.read_csv('d.csv').dropna()"], "D3", 1),
        (["from sklearn.impute import SimpleImputer\nimp = SimpleImputer()"], "D3", 2),
        (["x = 1"], "D3", 0),
        (["import pandas as pd\ndf = pd.read_csv('d.csv')"], "D1", 1),
        (["from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)"], "D1", 2),
        (["x = 1"], "D1", None),
    ],
)
def test_data_items(make_notebook, cells: list[str], item: str, score: int | None) -> None:
    assert checklist_for(make_notebook(cells)).item(item).score == score


MODEL = "from sklearn.linear_model import LogisticRegression\nm = LogisticRegression()\nm.fit(X, y)\n"


@pytest.mark.parametrize(
    ("extra", "item", "score"),
    [
        ("p = m.predict(X)\nassert np.isfinite(p).all()", "M3", 2),
        ("p = m.predict_proba(X)[:, 1]\nassert p.min() >= 0", "M3", 2),
        ("p = m.predict(X)\nprint(np.isnan(p).any())", "M3", 1),
        ("p = m.predict(X)", "M3", 0),
        ("import joblib\njoblib.dump(m, 'model-v2.joblib')", "M4", 2),
        ("import joblib\npath = f'model-{VERSION}.joblib'\njoblib.dump(m, path)", "M4", 2),
        ("import joblib\njoblib.dump(m, 'model.joblib')", "M4", 1),
        ("x = 1", "M4", 0),
        ("imp = m.coef_", "M6", 2),
        ("x = 1", "M6", 0),
        ("print(m.score(X, y))", "M2", 0),  # a classifier's .score() is accuracy: NB303
        ("from sklearn.metrics import mean_absolute_error\nmean_absolute_error(y, m.predict(X))", "M2", 2),
    ],
)
def test_model_items(make_notebook, extra: str, item: str, score: int) -> None:
    nb = make_notebook(["import numpy as np\n" + MODEL, extra])
    r = checklist_for(nb).item(item)
    assert r.score == score, r.reason
    assert (r.fix == "") == (score == 2)


def test_model_items_not_applicable_without_a_model(make_notebook) -> None:
    cl = checklist_for(make_notebook(["import pandas as pd\ndf = pd.DataFrame({'a': [1]})"]))
    for item_id in ("M1", "M2", "M3", "M4", "M6"):
        assert cl.item(item_id).score is None and cl.item(item_id).status == "n/a"
    model = cl.section("model")
    # the manual items are not assessed until ticked: nothing in the section has a score yet
    assert model.maximum == 0 and not model.assessed
    assert [r.item.id for r in model.awaiting()] == [
        r.item.id for r in model.items if r.item.kind == "manual"
    ]


def test_order_problems_without_missing_names_are_partial(make_notebook) -> None:
    nb = make_notebook([{"source": "a = 1", "execution_count": 2}, {"source": "b = a", "execution_count": 1}])
    r = checklist_for(nb).item("C1")
    assert r.score == 1 and "NB101" in r.reason


def test_record_fills_data_verify_and_export_items(make_notebook) -> None:
    nb = make_notebook(["import pandas as pd\ndf = pd.read_csv('d.csv')"])
    before = checklist_for(nb)
    record = {
        "nbprod_record": 1,
        "inputs": [{"path": "d.csv", "sha256": "ab" * 32, "rows": 3, "stats": {"a": {"mean": 1.0}}}],
        "packages": {"pandas": "2.2.0"},
        "verify": {"ok": True, "message": "2 fresh runs reproduce the saved outputs"},
        "export": {
            "exists": True,
            "in_sync": True,
            "path": "pkg",
            "tests": "pkg/tests",
            "reference": "ref.json",
        },
    }
    record_path(nb).write_text(json.dumps(record))
    after = checklist_for(nb)
    assert (before.item("D1").score, after.item("D1").score) == (1, 2)
    assert (before.item("D2").score, after.item("D2").score) == (0, 2)
    assert (before.item("C2").score, after.item("C2").score) == (0, 2)
    assert after.item("C2").reason == record["verify"]["message"]
    assert (before.item("O2").score, after.item("O2").score) == (0, 2)
    assert after.item("C7").score == 2
    assert after.section("data").score > before.section("data").score


def test_broken_record_is_ignored_not_executed(make_notebook, tmp_path: Path) -> None:
    nb = make_notebook(["x = 1"])
    marker = tmp_path / "pwned"
    record_path(nb).write_text(
        json.dumps({"inputs": f"__import__('os').system('touch {marker}')", "verify": 3})
    )
    cl = checklist_for(nb)
    assert cl.item("C2").status == "unknown" and not marker.exists()


def test_cli_json_has_checklist_and_readiness(messy: Path, capsys) -> None:
    from nbprod.cli import main

    assert main(["check", "--format", "json", str(messy)]) == 1
    doc = json.loads(capsys.readouterr().out)
    nb = doc["notebooks"][0]
    cl = nb["checklist"]
    assert [s["id"] for s in cl["sections"]] == [s.id for s in SECTIONS]
    assert nb["score"]["readiness"] == cl["overall"] == min(s["score"] for s in cl["sections"])
    assert nb["score"]["sections"] == {s["id"]: s["score"] for s in cl["sections"]}
    items = {i["id"]: i for s in cl["sections"] for i in s["items"]}
    assert set(items) == set(ITEMS)
    assert Checklist.from_dict(str(messy), cl).to_dict() == cl  # the JSON form round-trips


def test_cli_text_ends_with_one_line_per_section(messy: Path, capsys) -> None:
    from nbprod.cli import main

    main(["check", str(messy)])
    lines = capsys.readouterr().out.rstrip("\n").splitlines()
    tail = lines[-len(SECTIONS) :]
    assert [line.split("  ")[1].strip() for line in tail] == [s.title for s in SECTIONS]
    assert (
        "readiness" in lines[-len(SECTIONS) - 1]
        and "held back by Features and split" in lines[-len(SECTIONS) - 1]
    )


def test_checklist_sees_every_rule_whatever_select_says(messy: Path, capsys) -> None:
    from nbprod.cli import main

    main(["check", "--format", "json", "--select", "NB4", str(messy)])
    nb = json.loads(capsys.readouterr().out)["notebooks"][0]
    assert {f["rule"] for f in nb["findings"]} == {"NB401"}
    items = {i["id"]: i for s in nb["checklist"]["sections"] for i in s["items"]}
    assert items["F1"]["score"] == 0 and "NB201" in items["F1"]["reason"]


def test_cli_report_dir_writes_png_and_html(messy: Path, clean: Path, tmp_path: Path, capsys) -> None:
    import matplotlib.image

    from nbprod.cli import main

    out = tmp_path / "artifacts" / "readiness"
    assert main(["check", "--report", str(out), str(messy), str(clean)]) == 1
    assert "wrote 5 report file(s)" in capsys.readouterr().err
    for stem in ("credit_risk_messy", "credit_risk_clean"):
        png = matplotlib.image.imread(out / f"{stem}.readiness.png")
        assert png.shape[0] > 200 and png.shape[1] > 400
        page = (out / f"{stem}.readiness.html").read_text()
        assert page.startswith("<!doctype html>") and "data:image/png;base64," in page
        assert all(f">{i}<" in page for i in ITEMS)
    assert "credit_risk_messy.readiness.html" in (out / "index.html").read_text()


def test_cli_report_dir_that_is_a_file_is_a_usage_error(messy: Path, tmp_path: Path, capsys) -> None:
    from nbprod.cli import main

    blocker = tmp_path / "taken"
    blocker.write_text("mine")
    assert main(["check", "--report", str(blocker), str(messy)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("nbprod: error: --report") and blocker.read_text() == "mine"


def test_non_python_notebook_has_no_checklist(tmp_path: Path) -> None:
    dst = tmp_path / "r.ipynb"
    shutil.copy(FIXTURES / "r_kernel.ipynb", dst)
    nb = check_paths([dst]).notebooks[0]
    assert nb.skipped and "checklist" not in nb.extra


def test_text_and_html_renderings_carry_every_item(messy: Path) -> None:
    cl = checklist_for(messy)
    text, page = to_text(cl), to_html(cl)
    for item_id in ITEMS:
        assert f" {item_id} [" in text and f">{item_id}<" in page
    assert "<script" not in page  # renders in nbconvert HTML and GitHub's viewer
    assert "&#x27;threshold&#x27;" in page  # reasons are escaped
    bundle = cl._repr_mimebundle_()
    assert bundle["text/plain"] == text and bundle["text/html"] == page


def test_exported_package_fills_c6_and_c7_until_the_notebook_changes(clean: Path) -> None:
    import nbformat

    from nbprod.export import export_notebook

    before = checklist_for(clean)
    export_notebook(clean)
    after = checklist_for(clean)
    assert (before.item("C6").score, after.item("C6").score) == (1, 2)
    assert (before.item("C7").score, after.item("C7").score) == (1, 2) and "test module" in after.item(
        "C7"
    ).reason
    nb = nbformat.read(clean, as_version=4)
    nb.cells[-1].source += "\nprint('changed')"
    nbformat.write(nb, clean)
    stale = checklist_for(clean).item("C6")
    assert stale.score == 1 and "out of date" in stale.reason


@pytest.mark.slow
def test_check_verify_fills_c2_from_a_fresh_run(tmp_path: Path, capsys) -> None:
    from nbprod.cli import main

    nb = tmp_path / "iris_quick.ipynb"
    shutil.copy(SAMPLES / "iris_quick.ipynb", nb)
    main(["check", "--format", "json", str(nb)])
    plain = json.loads(capsys.readouterr().out)["notebooks"][0]
    main(["check", "--verify", "--format", "json", str(nb)])
    verified = json.loads(capsys.readouterr().out)["notebooks"][0]
    c2 = {s["id"]: s for s in verified["checklist"]["sections"]}["code"]["items"][1]
    assert c2["id"] == "C2" and verified["verify"]["reproduced"] is True
    assert c2["score"] == 2 and c2["status"] == "pass"
    assert verified["score"]["sections"]["code"] > plain["score"]["sections"]["code"]


def test_write_report_makes_a_folder_that_does_not_exist(clean: Path, tmp_path: Path) -> None:
    """``nbprod.render.write_report`` is public (docs/checklist.md): a new folder is made."""
    from nbprod.render import write_report

    out = tmp_path / "reports" / "nested"
    written = write_report(checklist_for(clean), out)
    assert [p.name for p in written] == [
        "credit_risk_clean.readiness.png",
        "credit_risk_clean.readiness.html",
    ]
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)


def _corrupt_ticks(path: Path) -> None:
    path.with_name(path.stem + ".checklist.toml").write_text("[D5\ndone = maybe\n")


def _good_ticks(path: Path) -> None:
    from nbprod.manual import save_tick

    (path.parent / "ci.yml").write_text("on: push\n")
    save_tick(path, "D5", True, "watched by ci.yml", by="ana")
    save_tick(path, "C8", True, "pre-commit runs it", by="bo")
    save_tick(path, "O1", False, "planned", by="cy")


@pytest.mark.parametrize("ticks", [None, _good_ticks, _corrupt_ticks], ids=["no-ticks", "ticks", "corrupt"])
def test_the_compact_checklist_expands_to_the_models_dict(tmp_path: Path, ticks) -> None:
    """What ``nbprod check`` carries (compact, expanded when read) is the dict of the
    checklist model, for every sample and test notebook, with and without ticks."""
    from nbprod.checklist_data import expand, is_compact
    from nbprod.errors import NbprodError
    from nbprod.notebook import read_notebook
    from nbprod.record import find_record

    paths = []
    for src in [*sorted(SAMPLES.glob("*.ipynb")), *sorted(FIXTURES.glob("*.ipynb"))]:
        dst = tmp_path / src.name
        shutil.copy(src, dst)
        if ticks is not None:
            ticks(dst)
        paths.append(dst)
    report = check_paths(paths, jobs=1)
    compared = 0
    for nb in report.notebooks:
        compact = nb._compact
        if compact is None:
            assert "checklist" not in nb.extra  # skipped (not Python)
            continue
        assert is_compact(compact)
        record = find_record(read_notebook(nb.path))  # as the checker finds it: file, else embedded
        try:
            model = checklist_for(nb.path, record, strict=True).to_dict()
        except NbprodError as exc:  # the corrupt ticks file: the checklist without ticks
            assert ticks is _corrupt_ticks
            model = {**checklist_for(nb.path, record, strict=False).to_dict(), "error": str(exc)}
            model.pop("warnings")
        assert expand(compact) == model
        assert nb.extra["checklist"] == model  # expanded on this first read
        assert nb._compact is None
        compared += 1
    assert compared >= 5
    if ticks is _good_ticks:
        item = report.notebooks[0].extra["checklist"]["sections"][0]["items"][4]
        assert item["id"] == "D5" and item["status"] == "automated" and item["tick"]["by"] == "ana"


def test_the_checklist_is_expanded_only_when_read(messy: Path, clean: Path) -> None:
    """Totals, findings and the exit code need no checklist dict; the report's JSON has it."""
    report = check_paths([messy, clean], jobs=1)
    assert all(nb._compact is not None for nb in report.notebooks)
    assert report.score == {"errors": report.score["errors"], "warnings": report.score["warnings"],
                            "info": report.score["info"]}  # fmt: skip
    assert report.exit_code() == 1 and report.findings
    assert all(nb._compact is not None for nb in report.notebooks)
    doc = json.loads(report.to_json())
    assert all(nb._compact is None for nb in report.notebooks)
    assert [n["checklist"]["tally"] for n in doc["notebooks"]] == [
        nb.extra["checklist"]["tally"] for nb in report.notebooks
    ]
    assert list(doc["notebooks"][0]) == ["path", "language", "findings", "score", "checklist"]


def test_calls_by_name_are_the_calls_a_predicate_finds() -> None:
    """``Evidence.named`` (an index built once) finds what a walk over every call finds."""
    from nbprod.analysis.facts import analyze_notebook
    from nbprod.autochecks import BY_HAND_CLEANING, READERS, Evidence
    from nbprod.notebook import read_notebook
    from nbprod.rules.readiness import SAVE_CALLS

    checked = 0
    for path in sorted(SAMPLES.glob("*.ipynb")):
        nb = read_notebook(path)
        if not nb.is_python:
            continue
        ev = Evidence.collect(analyze_notebook(nb), [])
        for names in (READERS, BY_HAND_CLEANING, SAVE_CALLS, ("score",), ("fit", "predict"), ()):
            assert ev.named(names) == ev.calls(lambda c, q, names=names: c.leaf in names)
        assert sorted(ev.leaves()) == sorted({c.leaf for _, c, _ in ev.facts.calls()})
        checked += bool(ev.named(("fit",)))
    assert checked >= 2


def test_notebooks_of_one_folder_each_get_their_own_ticks_and_package(tmp_path: Path) -> None:
    """One run over a folder: each notebook's ticks file and exported package are its own; a
    ticks file, a corrupt one or a package made between two runs of one process is seen by the next."""
    from nbprod.export import export_notebook
    from nbprod.manual import save_tick

    names = ["credit_risk_clean", "credit_risk_messy", "iris_quick"]
    for name in names:
        shutil.copy(SAMPLES / f"{name}.ipynb", tmp_path / f"{name}.ipynb")
    clean, messy, iris = (tmp_path / f"{n}.ipynb" for n in names)

    def items(item_id: str) -> list[tuple[str, str]]:
        report = check_paths([tmp_path], jobs=1)
        assert [Path(nb.path).name for nb in report.notebooks] == [f"{n}.ipynb" for n in names]
        return [
            (i["status"], nb.extra["checklist"].get("error", ""))
            for nb in report.notebooks
            for s in nb.extra["checklist"]["sections"]
            for i in s["items"]
            if i["id"] == item_id
        ]

    manual = MANUAL_IDS[0]
    assert items(manual) == [("open", "")] * 3
    assert [s for s, _ in items("C6")] == ["partial", "partial", "fail"]
    save_tick(messy, manual, True, "checked by hand", by="a")  # the middle notebook only
    assert items(manual) == [("open", ""), ("ticked", ""), ("open", "")]
    (tmp_path / "iris_quick.checklist.toml").write_text("[D5\nnot toml")
    after = items(manual)
    assert after[:2] == [("open", ""), ("ticked", "")]
    assert after[2][0] == "open" and "iris_quick.checklist.toml" in after[2][1]
    export_notebook(clean)  # a package beside the first notebook: not the others'
    assert [s for s, _ in items("C6")] == ["pass", "partial", "fail"]
    assert not (tmp_path / "credit-risk-messy").exists() and iris.exists()
