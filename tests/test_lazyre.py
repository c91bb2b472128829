"""``nbprod.lazyre``: module-level patterns compiled on first use, answering as ``re`` does."""

from __future__ import annotations

import re

from nbprod import lazyre


def test_compiled_on_first_use_then_the_real_pattern_answers() -> None:
    lazy = lazyre.compile(r"(?P<word>[a-z]+)-(\d+)", re.IGNORECASE)
    real = re.compile(r"(?P<word>[a-z]+)-(\d+)", re.IGNORECASE)
    assert "compiled" not in vars(lazy)  # nothing compiled yet
    text = "Abc-12 x-3 -4"
    assert lazy.match(text).groups() == real.match(text).groups()  # type: ignore[union-attr]
    assert "compiled" in vars(lazy)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.sub(r"\2", text) == real.sub(r"\2", text)
    assert lazy.split(text) == real.split(text)
    assert lazy.findall(text) == real.findall(text)
    assert (lazy.pattern, lazy.flags, lazy.groups, lazy.groupindex) == (
        real.pattern,
        real.flags,
        real.groups,
        real.groupindex,
    )
    assert lazy.fullmatch("q-1") is not None and lazy.search("...") is None


def test_a_bad_pattern_fails_when_used_as_re_would() -> None:
    lazy = lazyre.compile(r"(unclosed")
    try:
        lazy.search("x")
    except re.error as exc:
        assert "missing )" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("re.error expected")


def test_every_module_pattern_on_the_check_path_compiles() -> None:
    """A typo in a rarely met pattern would otherwise show only on the notebook that meets it."""
    import gc

    import nbprod.autochecks  # noqa: F401
    import nbprod.checker  # noqa: F401
    from nbprod.rules import all_rules

    all_rules()
    lazies = [o for o in gc.get_objects() if isinstance(o, lazyre._Lazy)]
    assert len(lazies) > 40
    for pattern in lazies:
        assert isinstance(pattern.compiled, re.Pattern)  # type: ignore[attr-defined]
