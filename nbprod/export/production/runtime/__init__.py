"""The package's production face: train, predict, monitor (written by nbprod export)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


class ProductionError(Exception):
    """A problem the user can fix: one line on stderr, exit code 2."""


def spec() -> dict[str, Any]:
    """What nbprod found in the notebook: the model, its features, target and held-out rows."""
    data: dict[str, Any] = json.loads((HERE / "spec.json").read_text(encoding="utf-8"))
    return data


def config(path: str | None = None) -> dict[str, Any]:
    """Thresholds and switches: ``config.json`` beside this file, overridden by ``path``."""
    cfg: dict[str, Any] = json.loads((HERE / "config.json").read_text(encoding="utf-8"))
    if path:
        try:
            extra = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ProductionError(f"cannot read the config {path}: {exc}") from None
        if not isinstance(extra, dict):
            raise ProductionError(f"{path}: the config must be a JSON object")
        unknown = sorted(set(extra) - set(cfg))
        if unknown:
            raise ProductionError(f"{path}: unknown config key(s) {', '.join(unknown)}")
        cfg.update(extra)
    return cfg


def artifacts_dir(override: str | None = None) -> Path:
    """``--artifacts``, else ``$<PACKAGE>_ARTIFACTS``, else ``artifacts/`` in the current folder."""
    return Path(override or os.environ.get(spec()["artifacts_env"]) or "artifacts")


def sha256_file(path: Path) -> str:
    """sha256 of a file's bytes."""
    with open(path, "rb") as fh:
        if hasattr(hashlib, "file_digest"):  # Python 3.11+: no Python-level loop
            return hashlib.file_digest(fh, "sha256").hexdigest()
        h = hashlib.sha256()
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_table(path: str | Path) -> Any:
    """A CSV or Parquet file as a DataFrame; a clear error otherwise."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise ProductionError(f"{path}: no such file")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(p)
        return pd.read_csv(p)
    except ImportError as exc:
        raise ProductionError(f"{path}: reading Parquet needs pyarrow ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - pandas raises many kinds for a bad file
        raise ProductionError(
            f"{path}: not a readable CSV/Parquet table ({type(exc).__name__}: {exc})"
        ) from None


def write_table(df: Any, path: str | Path) -> None:
    """Write CSV or Parquet (by suffix) atomically."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            df.to_parquet(tmp, index=False)
        else:
            body = _csv_body(df)
            if body is None:
                df.to_csv(tmp, index=False)
            else:
                with open(tmp, "wb") as fh:
                    fh.write(df.head(0).to_csv(index=False, lineterminator="\n").encode("utf-8"))
                    fh.write(body)
    except ImportError as exc:
        tmp.unlink(missing_ok=True)
        raise ProductionError(f"{path}: writing Parquet needs pyarrow ({exc})") from None
    os.replace(tmp, p)


_QUOTED = frozenset(',"\r\n')  # what makes the csv module quote a field (pandas' dialect)


def _float_fields(v: Any) -> list[str]:
    """What pandas writes for each float64: its ``repr``, an empty field for NaN."""
    import numpy as np

    fields = _shortest(v)
    if fields is None:
        fields = list(map(repr, v.tolist()))
    for i in np.flatnonzero(np.isnan(v)).tolist():
        fields[i] = ""
    return fields


def _odd(v: Any) -> Any:
    """Where ``repr`` writes an exponent (non-zero and below 1e-4, or from 1e16 on, in size),
    ``nan`` or ``inf``: what orjson writes in other forms."""
    import numpy as np

    size = np.abs(v)
    return ~((size >= 1e-4) & (size < 1e16)) & (v != 0)  # NaN: True (its comparisons are False)


def _orjson_text(plain: Any) -> bytes | None:
    """orjson's text of float64s in repr's plain range, comma-separated (None without orjson).

    repr is the shortest text that reads back as the same float, of those the nearest to it;
    orjson writes the same digits (a shortest round-trip algorithm), about 20x faster. In that
    range their forms agree too; an orjson that writes an exponent or a word there is not used."""
    try:
        import orjson
    except ImportError:
        return None
    import numpy as np

    text = orjson.dumps(np.ascontiguousarray(plain, dtype=np.float64), option=orjson.OPT_SERIALIZE_NUMPY)
    if len(text) > 2 and np.frombuffer(text, dtype=np.uint8)[1:-1].max() > ord("9"):  # a letter: e, E, n
        return None
    return text[1:-1]


def _float_text(v: Any) -> bytes | None:
    """``repr`` of each float64, comma-separated, when orjson writes them all; None otherwise."""
    if len(v) == 0 or _odd(v).any():
        return None
    return _orjson_text(v)


def _shortest(v: Any) -> list[str] | None:
    """``repr`` of each float64, by orjson where it writes repr's form (None without orjson);
    the others (``_odd``) by repr itself."""
    import numpy as np

    if len(v) == 0:
        return []
    odd = _odd(v)
    text = _orjson_text(np.where(odd, 0.0, v) if odd.any() else v)
    if text is None:
        return None
    fields = text.decode("ascii").split(",")
    if len(fields) != len(v):
        return None
    for i in np.flatnonzero(odd).tolist():
        fields[i] = repr(float(v[i]))
    return fields


def _labels(s: Any) -> tuple[Any, list[str] | bytes] | None:
    """One column as pandas writes it: (codes, labels), a row's field being ``labels[code]``,
    or (None, one field per row: a list, or the fields comma-separated in bytes); None for
    what only pandas itself writes.

    Low-cardinality columns (class labels, small integers, a forest's probabilities) format
    each distinct value once; a float's identity is its bit pattern, so -0.0 stays apart
    from 0.0. Floats are ``repr`` (pandas' shortest round-trip form), NaN an empty field."""
    import numpy as np
    import pandas as pd

    dtype = s.dtype
    n = len(s)
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        if cats.dtype != object and not pd.api.types.is_string_dtype(cats.dtype):
            return None
        labels = _text_labels(cats.to_numpy(dtype=object))
        if labels is None:
            return None
        return np.asarray(s.cat.codes, dtype=np.intp), labels
    if not isinstance(dtype, np.dtype):
        if not pd.api.types.is_string_dtype(dtype):
            return None
        dtype = np.dtype(object)
    if dtype.kind == "b":
        return s.to_numpy().view(np.uint8).astype(np.intp), ["False", "True"]
    if dtype.kind in "iu":
        v = s.to_numpy()
        lo, hi = int(v.min()), int(v.max())
        if hi - lo < max(1024, n // 8):  # a small range: each row's label is its offset
            # unsigned: v - min cannot wrap; signed: widened first (int8's 127 - -128 wraps)
            offset = v - v.min() if dtype.kind == "u" else v.astype(np.int64) - np.int64(lo)
            return offset.astype(np.intp), [str(i) for i in range(lo, hi + 1)]
        if not _many(v):
            codes, uniques = pd.factorize(v)
            if len(uniques) <= n // 4:
                return codes, list(map(str, uniques.tolist()))
        return None, list(map(str, v.tolist()))
    if dtype == np.float64:
        v = s.to_numpy()
        bits = v.view(np.int64)  # a float's exact identity: -0.0 and 0.0 apart
        if not _many(bits):
            codes, uniques = pd.factorize(bits)
            if len(uniques) <= n // 4:
                return codes, _float_fields(uniques.view(np.float64))
        return None, _float_text(v) or _float_fields(v)
    if dtype.kind == "O":
        codes, uniques = pd.factorize(s.to_numpy(dtype=object))  # None, NaN, NA: code -1
        labels = _text_labels(uniques)
        if labels is None:
            return None
        return codes, labels
    return None  # float32 and others: pandas' own formatting


def _many(v: Any) -> bool:
    """Whether most of the first 1,000 values differ: a column not worth counting distinct values of."""
    import pandas as pd

    head = v[:1000]
    return len(head) >= 100 and len(pd.unique(head)) > len(head) // 2


def _text_labels(uniques: Any) -> list[str] | None:
    """Distinct texts as unquoted fields, plus "" (missing) last so code -1 finds it; None when
    one is not a ``str`` or needs the csv module's quoting."""
    out = []
    for u in uniques.tolist():
        if type(u) is not str or not u or not _QUOTED.isdisjoint(u):
            return None
        out.append(u)
    out.append("")
    return out


def _csv_body(df: Any) -> bytes | None:
    """The CSV rows pandas writes (``index=False``), byte for byte in UTF-8; None when pandas
    must write them (``_labels`` says which columns).

    Numbers with many distinct values are one orjson call (``_numeric_body``). Otherwise each
    column is formatted once per distinct value where it has few; when every column has few,
    each distinct row is joined once too, and the body is one take and one join."""
    import numpy as np
    import pandas as pd

    if df.shape[1] == 0:
        return None
    n = len(df)
    if n == 0:
        return b""
    body = _numeric_body(df)
    if body is not None:
        return body
    cols: list[tuple[Any, Any]] = []
    for i in range(df.shape[1]):
        got = _labels(df.iloc[:, i])
        if got is None:
            return None
        cols.append(got)
    if df.shape[1] == 1:  # the csv module writes a row of one empty field as ""
        cols = [(c, labels if isinstance(labels, bytes) else ['""' if f == "" else f for f in labels])
                for c, labels in cols]  # fmt: skip
    if all(codes is not None for codes, _ in cols):
        sizes = [len(labels) for _, labels in cols]
        if float(np.prod(sizes, dtype=float)) < 2.0**62:
            key = np.zeros(n, dtype=np.int64)
            for (codes, _), size in zip(cols, sizes, strict=True):
                key *= size
                key += np.where(codes < 0, size - 1, codes)  # -1: the last label, ""
            row_codes, keys = pd.factorize(key)
            if len(keys) <= n // 2:
                parts = []
                for size, (_, labels) in zip(reversed(sizes), reversed(cols), strict=True):
                    keys, code = np.divmod(keys, size)
                    parts.append(np.asarray(labels, dtype=object)[code].tolist())
                rows = np.asarray(list(map(",".join, zip(*reversed(parts), strict=True))), dtype=object)
                return ("\n".join(rows[row_codes].tolist()) + "\n").encode("utf-8")
    if len(cols) == 1:
        codes, labels = cols[0]
        if isinstance(labels, bytes):
            return labels.replace(b",", b"\n") + b"\n"
        fields = labels if codes is None else np.asarray(labels, dtype=object)[codes].tolist()
        return ("\n".join(fields) + "\n").encode("utf-8")
    k = len(cols)
    # one join of every field and separator in file order (slice assignments lay them out):
    # no tuple and no join per row
    parts = [","] * (2 * k * n)
    for j, (codes, labels) in enumerate(cols):
        if isinstance(labels, bytes):
            labels = labels.decode("ascii").split(",")
        parts[2 * j :: 2 * k] = labels if codes is None else np.asarray(labels, dtype=object)[codes].tolist()
    parts[2 * k - 1 :: 2 * k] = ["\n"] * n
    return "".join(parts).encode("utf-8")


def _numeric_body(df: Any) -> bytes | None:
    """The CSV rows of a frame of float64 and integer columns, in one orjson call, when some
    float column has many distinct values, none is ``_odd`` and every integer is below 2**53
    in size; None otherwise.

    The integers go in as floats (exact below 2**53), so orjson writes them ``N.0``; the
    ``.0`` is taken out after, and every k-th comma becomes the line's end."""
    import numpy as np

    k = df.shape[1]
    cols = [df.iloc[:, j].to_numpy() for j in range(k)] if k > 1 else []
    if not cols or any(not isinstance(c.dtype, np.dtype) or c.dtype.kind not in "iuf" for c in cols):
        return None
    if any(c.dtype.kind == "f" and c.dtype != np.float64 for c in cols):
        return None
    if not any(c.dtype.kind == "f" and _many(c.view(np.int64)) for c in cols):
        return None  # few distinct values: formatted once each (_labels)
    ints = [j for j, c in enumerate(cols) if c.dtype.kind in "iu"]
    for j in ints:
        c = cols[j]
        if int(c.min()) <= -(2**53) or int(c.max()) >= 2**53:
            return None
        cols[j] = c.astype(np.float64)
    block = np.column_stack(cols)
    if _odd(block).any():
        return None
    text = _orjson_text(block.ravel())
    if text is None:
        return None
    buf = np.frombuffer(text + b",", dtype=np.uint8).copy()
    seps = np.flatnonzero(buf == 44)  # each field's separator
    if len(seps) != k * len(df):
        return None
    ends = seps.reshape(-1, k)
    buf[ends[:, -1]] = 10  # "\n"
    if not ints:
        return buf.tobytes()
    drop = ends[:, ints].ravel()
    if not ((buf[drop - 2] == 46).all() and (buf[drop - 1] == 48).all()):  # ".0", as repr writes
        return None
    buf[drop - 2] = 0  # orjson writes no NUL: bytes.translate deletes these (a mask's copy costs 10x)
    buf[drop - 1] = 0
    return buf.tobytes().translate(None, b"\0")


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
