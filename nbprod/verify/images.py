"""Images compared by size and a perceptual thumbnail, never by bytes alone.

A 64x64 greyscale thumbnail of each image; they look the same when at most 0.5% of its
pixels differ by more than 32 grey levels. Measured on matplotlib plots: restyling
(line width 1.5 -> 2, font size) changes 0%; moving one point or reseeding a scatter
or histogram changes 1.6% to 9%.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct

_SVG_NOISE = [
    (re.compile(r"<metadata>.*?</metadata>", re.S), ""),
    (re.compile(r"<!--.*?-->", re.S), ""),
    (re.compile(r'\bid="[^"]*"'), 'id=""'),
    (re.compile(r"url\(#[^)]*\)"), "url(#)"),
    (re.compile(r'href="#[^"]*"'), 'href="#"'),
]


def _decode(data: str) -> bytes:
    try:
        return base64.b64decode(data.strip())
    except (binascii.Error, ValueError):
        return data.encode()


def png_size(raw: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG header, without decoding the image."""
    if raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR":
        width, height = struct.unpack(">II", raw[16:24])
        return int(width), int(height)
    return None


def thumbnail(raw: bytes, size: int = 64) -> object | None:
    """A ``size`` x ``size`` greyscale thumbnail (None when Pillow is missing or the image is bad)."""
    try:
        from PIL import Image
    except ImportError:
        return None
    try:
        with Image.open(io.BytesIO(raw)) as img:
            return img.convert("L").resize((size, size), Image.Resampling.BOX)
    except Exception:
        return None


def changed_share(a: object, b: object, level: int = 32) -> float:
    """The share of thumbnail pixels whose grey level differs by more than ``level`` (of 255)."""
    from PIL import ImageChops

    hist = ImageChops.difference(a, b).histogram()  # type: ignore[arg-type]
    return sum(hist[level + 1 :]) / max(1, sum(hist))


def image_size(raw: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG (Pillow for anything but PNG)."""
    size = png_size(raw)
    if size is not None:
        return size
    try:
        from PIL import Image

        with Image.open(io.BytesIO(raw)) as img:
            return int(img.width), int(img.height)
    except Exception:
        return None


def compare_images(
    saved: str, fresh: str, max_share: float = 0.005, labels: tuple[str, str] = ("saved", "now")
) -> str | None:
    """None when the images look the same (same size, thumbnails alike), else why not."""
    a, b = _decode(saved), _decode(fresh)
    if a == b:
        return None
    sa, sb = image_size(a), image_size(b)
    if sa != sb:
        fmt = lambda s: f"{s[0]}x{s[1]}" if s else "unreadable"  # noqa: E731
        return f"image size: {labels[0]} {fmt(sa)}, {labels[1]} {fmt(sb)}"
    ta, tb = thumbnail(a), thumbnail(b)
    if ta is None or tb is None:
        return None if ta is tb and sa is not None else "image differs (could not be decoded to compare)"
    share = changed_share(ta, tb)
    if share <= max_share:
        return None
    return f"image looks different: {share:.1%} of a 64x64 perceptual thumbnail changed"


def svg_text(svg: str) -> str:
    """SVG text without its metadata, comments and generated ids."""
    for pattern, repl in _SVG_NOISE:
        svg = pattern.sub(repl, svg)
    return svg
