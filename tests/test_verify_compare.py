"""Output comparison, normalisation and root-cause classification of nbprod verify (no kernels)."""

from __future__ import annotations

import base64
import io
import json
import shutil
from pathlib import Path

import pytest

from nbprod.analysis.facts import analyze_notebook
from nbprod.notebook import parse_notebook
from nbprod.verify.causes import classify, seed_hint
from nbprod.verify.compare import Options, compare_outputs, compare_text
from nbprod.verify.normalize import normalise
from nbprod.verify.runner import Failure, expected_errors


def stdout(text: str) -> list[dict]:
    return [{"output_type": "stream", "name": "stdout", "text": text}]


def notebook(*sources: str) -> object:
    cells = [
        {"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None}
        for s in sources
    ]
    return parse_notebook(
        json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}), "nb.ipynb"
    )


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("saved", "fresh"),
    [
        ("<__main__.Thing object at 0x7f3a2b1c0d90>", "<__main__.Thing object at 0x7f00aa11bb22>"),
        ("started at 2024-05-17 12:34:56.123456", "started at 2025-01-02 08:00:01.000001"),
        (
            "CPU times: user 3 ms, sys: 0 ns, total: 3 ms\nWall time: 3.83 ms",
            "CPU times: user 1.2 s, sys: 4 µs, total: 1.2 s\nWall time: 1.21 s",
        ),
        (
            "7.1 ms ± 12 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)",
            "9.3 ms ± 1.2 ms per loop (mean ± std. dev. of 7 runs, 1,000 loops each)",
        ),
        ("wrote /tmp/tmpab12cd.csv", "wrote /tmp/tmpzz99xx.csv"),
        ("run 9f1c2b3a-1111-4a4a-8b8b-0123456789ab", "run 00000000-2222-4c4c-9d9d-ba9876543210"),
        (
            " 40%|####      | 40/100 [00:01<00:02, 30.1it/s]\r100%|##########| 100/100 [00:03<00:00, 31.0it/s]\n",
            "100%|##########| 100/100 [00:02<00:00, 45.9it/s]\n",
        ),
        ("\x1b[0;31mred\x1b[0m text", "red text"),
        (
            "/tmp/ipykernel_123/456.py:2: UserWarning: x",
            "/var/folders/ab/T/ipykernel_9/77.py:2: UserWarning: x",
        ),
        ("x   =   1  \n\n", "x = 1"),
    ],
)
def test_volatile_parts_are_normalised(saved: str, fresh: str) -> None:
    assert normalise(saved) == normalise(fresh)
    assert compare_outputs(stdout(saved), stdout(fresh)).status == "matched"


def test_normalisation_keeps_real_differences() -> None:
    assert normalise("accuracy 0.81") != normalise("accuracy 0.79")
    assert normalise("rows: 100") != normalise("rows: 101")


def test_known_folders_are_replaced() -> None:
    opts = Options(
        replace=[("/home/ann/project", "<nbdir>"), ("/tmp/nbprod-verify-x/work/project", "<nbdir>")]
    )
    assert (
        compare_text(
            "saved to /home/ann/project/out.csv", "saved to /tmp/nbprod-verify-x/work/project/out.csv", opts
        )
        is None
    )


# ---------------------------------------------------------------- numbers


def test_numbers_compare_within_relative_tolerance() -> None:
    a, b = 0.812345678, 0.812345678 * (1 + 1e-9)
    assert compare_text(f"auc {a!r}", f"auc {b!r}", Options()) is None
    far = a * (1 + 1e-3)
    diff = compare_text(f"auc {a!r}", f"auc {far!r}", Options())
    assert diff is not None and repr(a)[:6] in diff
    assert compare_text(f"auc {a!r}", f"auc {far!r}", Options(rtol=1e-2)) is None


def test_integers_compare_exactly() -> None:
    assert compare_text("rows 1000000", "rows 1000001", Options(rtol=1e-3)) is not None


def test_line_count_difference_is_reported() -> None:
    diff = compare_text("a\nb", "a\nb\nc", Options())
    assert diff is not None and "'c'" in diff


def test_order_only_difference_is_recognised() -> None:
    cmp = compare_outputs(stdout("{'b', 'a', 'c'}\n"), stdout("{'c', 'b', 'a'}\n"))
    assert cmp.status == "differed" and cmp.order_only


# ---------------------------------------------------------------- tables, html, images, stderr


def _html_result(df: object) -> list[dict]:
    return [
        {
            "output_type": "execute_result",
            "execution_count": 1,
            "metadata": {},
            "data": {"text/html": df._repr_html_(), "text/plain": repr(df)},
        }
    ]  # type: ignore[attr-defined]


def test_dataframes_compare_by_cell_values() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"income": [52000.0, 61000.5], "city": ["Oslo", "Lyon"]})
    assert compare_outputs(_html_result(df), _html_result(df.copy())).status == "matched"
    changed = df.copy()
    changed.loc[1, "income"] = 61999.5
    cmp = compare_outputs(_html_result(df), _html_result(changed))
    assert cmp.status == "differed"
    assert "'income'" in cmp.detail and "61000.5" in cmp.detail and "61999.5" in cmp.detail
    shorter = compare_outputs(_html_result(df), _html_result(df.head(1)))
    assert "table shape" in shorter.detail


def test_styler_ids_do_not_matter() -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("jinja2")
    df = pd.DataFrame({"a": [1.5, 2.5]})
    one, two = df.style.format("{:.1f}"), df.style.format("{:.1f}")
    one.set_uuid("aaaa")
    two.set_uuid("bbbb")
    a = [{"output_type": "display_data", "metadata": {}, "data": {"text/html": one.to_html()}}]
    b = [{"output_type": "display_data", "metadata": {}, "data": {"text/html": two.to_html()}}]
    assert a != b
    assert compare_outputs(a, b).status == "matched"


def _png(values: list[float], linewidth: float = 1.5, size: tuple[float, float] = (3, 2)) -> str:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=size)
    ax.plot(values, linewidth=linewidth)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _image(png: str) -> list[dict]:
    return [
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": png, "text/plain": "<Figure>"}}
    ]


def test_images_compare_by_size_and_perceptual_hash() -> None:
    pytest.importorskip("PIL")
    base = _png([1, 4, 9, 16])
    restyled = _png([1, 4, 9, 16], linewidth=1.6)
    assert base != restyled  # different bytes, same picture
    assert compare_outputs(_image(base), _image(restyled)).status == "matched"
    other = compare_outputs(_image(base), _image(_png([16, 1, 9, 4])))
    assert other.status == "differed" and "perceptual" in other.detail
    resized = compare_outputs(_image(base), _image(_png([1, 4, 9, 16], size=(4, 2))))
    assert resized.status == "differed" and "image size" in resized.detail


def test_stderr_is_reported_apart() -> None:
    saved = stdout("42\n") + [{"output_type": "stream", "name": "stderr", "text": "FutureWarning: old\n"}]
    fresh = stdout("42\n") + [
        {"output_type": "stream", "name": "stderr", "text": "DeprecationWarning: new\n"}
    ]
    cmp = compare_outputs(saved, fresh)
    assert cmp.status == "matched"
    assert "FutureWarning" in cmp.stderr_detail


def test_split_streams_are_coalesced() -> None:
    saved = [
        {"output_type": "stream", "name": "stdout", "text": "a\n"},
        {"output_type": "stream", "name": "stdout", "text": "b\n"},
    ]
    assert compare_outputs(saved, stdout("a\nb\n")).status == "matched"


def test_widgets_are_not_comparable_and_empty_cells_are_counted_apart() -> None:
    widget = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {
                "application/vnd.jupyter.widget-view+json": {"model_id": "abc"},
                "text/plain": "IntProgress()",
            },
        }
    ]
    assert compare_outputs(widget, widget).status == "not-comparable"
    assert compare_outputs([], []).status == "empty"
    cmp = compare_outputs(stdout("x\n"), [])
    assert cmp.status == "differed" and "saved 1 output" in cmp.detail


def test_errors_compare_by_name_and_message() -> None:
    err = [{"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": ["..."]}]
    assert compare_outputs(err, [{**err[0], "traceback": ["other"]}]).status == "matched"
    assert compare_outputs(err, [{**err[0], "evalue": "worse"}]).status == "differed"


def test_expected_errors_come_from_tags_and_saved_errors() -> None:
    cells = [
        {"cell_type": "code", "metadata": {"tags": ["raises-exception"]}, "outputs": []},
        {"cell_type": "code", "metadata": {}, "outputs": [{"output_type": "error", "ename": "KeyError"}]},
        {"cell_type": "code", "metadata": {}, "outputs": []},
    ]
    assert expected_errors(cells) == {0: None, 1: "KeyError"}


# ---------------------------------------------------------------- root causes


def _tb(*frames: str) -> list[str]:
    return ["\x1b[0;31m----\x1b[0m", *frames]


def test_name_defined_later_points_at_the_defining_cell() -> None:
    facts = analyze_notebook(notebook("import math", "area = math.pi * radius ** 2", "radius = 2.0"))
    failure = Failure(
        1, "error", "NameError", "name 'radius' is not defined", _tb("Cell \x1b[0;32mIn[2], line 1\x1b[0m")
    )
    cause = classify(failure, facts)
    assert cause.kind == "defined-later" and cause.rule == "NB104" and cause.name == "radius"
    assert "cell 3" in cause.message and cause.line == 1


def test_name_defined_nowhere() -> None:
    facts = analyze_notebook(notebook("x = 1", "print(y)"))
    cause = classify(Failure(1, "error", "NameError", "name 'y' is not defined"), facts)
    assert cause.kind == "undefined-name" and cause.rule == "NB105"


def test_missing_module_and_files() -> None:
    facts = analyze_notebook(
        notebook(
            "import sklearn",
            "open('/home/ann/data.csv')",
            "open('data/x.csv')",
            "open('../shared/y.csv')",
            "df.to_csv('later.csv')",
        )
    )
    mod = classify(Failure(0, "error", "ModuleNotFoundError", "No module named 'sklearn'"), facts)
    assert mod.kind == "missing-module" and "pip install scikit-learn" in mod.message
    user = classify(
        Failure(1, "error", "FileNotFoundError", "[Errno 2] No such file or directory: '/home/ann/data.csv'"),
        facts,
    )
    assert user.kind == "missing-file" and user.rule == "NB204"
    data = classify(
        Failure(2, "error", "FileNotFoundError", "[Errno 2] No such file or directory: 'data/x.csv'"), facts
    )
    assert data.kind == "missing-file" and "data/x.csv" in data.message
    outside = classify(
        Failure(3, "error", "FileNotFoundError", "[Errno 2] No such file or directory: '../shared/y.csv'"),
        facts,
    )
    assert "--root" in outside.message
    later = classify(
        Failure(2, "error", "FileNotFoundError", "[Errno 2] No such file or directory: 'later.csv'"), facts
    )
    assert later.kind == "defined-later" and "cell 5" in later.message


def test_library_api_change() -> None:
    frames = _tb(
        "Cell In[3], line 1",
        "File ~/.venv/lib/python3.11/site-packages/pandas/core/generic.py:6299, in NDFrame.__getattr__",
    )
    cause = classify(
        Failure(0, "error", "AttributeError", "'DataFrame' object has no attribute 'append'", frames)
    )
    assert cause.kind == "api-change" and "pandas" in cause.message
    mod = classify(Failure(0, "error", "AttributeError", "module 'numpy' has no attribute 'float'"))
    assert mod.kind == "api-change" and mod.name == "numpy"
    own = classify(
        Failure(
            0, "error", "AttributeError", "'Thing' object has no attribute 'x'", _tb("Cell In[1], line 4")
        )
    )
    assert own.kind == "error"


def test_timeout_input_and_dead_kernel() -> None:
    assert classify(Failure(2, "timeout"), timeout=30).kind == "timeout"
    assert classify(Failure(2, "dead")).kind == "kernel-died"
    assert (
        classify(Failure(2, "error", "StdinNotImplementedError", "raw_input was called")).kind
        == "needs-input"
    )


def test_seed_hint_names_the_seed() -> None:
    facts = analyze_notebook(notebook("import numpy as np", "x = np.random.rand(3)", "print(x)"))
    hint = seed_hint(facts, 2)
    assert hint is not None and "np.random.seed(0)" in hint and "NB201" in hint
    split = analyze_notebook(
        notebook(
            "from sklearn.model_selection import train_test_split", "a, b = train_test_split([1, 2, 3, 4])"
        )
    )
    hint = seed_hint(split, 1)
    assert hint is not None and "random_state" in hint and "NB202" in hint
    assert seed_hint(analyze_notebook(notebook("x = 1", "print(x)")), 1) is None


# ---------------------------------------------------------------- API surface


def test_options_validation_and_config_keys() -> None:
    from nbprod.config import Config
    from nbprod.errors import ConfigError
    from nbprod.verify import VerifyOptions

    config = Config(options={"verify-runs": 2, "verify-timeout": 30})
    opts = VerifyOptions.from_config(config, jobs=2, timeout=None)
    assert (opts.runs, opts.timeout, opts.jobs) == (2, 30, 2)
    with pytest.raises(ConfigError):
        VerifyOptions.from_config(Config(options={"verify-runs": 0}))
    with pytest.raises(TypeError):
        VerifyOptions.from_config(Config(), colour="red")


def test_nbprod_verify_stays_callable_after_the_package_is_imported() -> None:
    import nbprod
    import nbprod.verify

    assert callable(nbprod.verify)
    assert nbprod.verify.VerifyResult is not None


def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from nbprod.cli import main

    assert main(["verify", "x.ipynb", "--runs", "0"]) == 2
    assert main(["verify", "does-not-exist.ipynb"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_root_must_contain_the_notebook(tmp_path: Path) -> None:
    import nbprod

    src = Path(__file__).parent / "data" / "verify" / "seeded.ipynb"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy2(src, tmp_path / "a" / "nb.ipynb")
    report = nbprod.verify(tmp_path / "a" / "nb.ipynb", root=tmp_path / "b", isolated=True)
    (error,) = report.errors
    assert "does not contain" in error["message"]
    assert report.exit_code() == 2


def test_the_nbprod_record_under_load_ext_is_not_compared() -> None:
    """The record shown under `%load_ext nbprod` grows as the session runs: a fresh run's
    (0 packages so far) never matches the saved one, and that is no reproducibility problem."""

    def record(packages: int) -> list[dict[str, object]]:
        return [
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {
                    "application/vnd.nbprod.record+json": {"nbprod_record": 1, "packages": {}},
                    "text/plain": f"nbprod is recording this session ({packages} packages)",
                },
            }
        ]

    assert compare_outputs(record(5), record(0)).status == "not-comparable"
    changed = [{"output_type": "stream", "name": "stdout", "text": "5"}]
    assert compare_outputs(changed, [{**changed[0], "text": "6"}]).status == "differed"
