"""Scanner simulation: turn clean 300 dpi pages into scans as people really send them.

The reader is judged on these pages, so each damage a real scan shows (skew, scale, shift,
blur, noise, JPEG blocks, gray paper, uneven lighting, photocopy binarization, speckle,
pages fed sideways, fax resolution) is one seeded step; the profiles that chain them, and
every parameter range, live in ``profiles.json``. Writers store the pages as image-only
PDF, multi-page TIFF or PNG, so no text layer can leak the answer to the reader.
"""
from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import img2pdf
import numpy as np
from PIL import Image

from ..atomic import write_bytes

SOURCE_DPI = 300  # degrade() takes pages rasterized at this resolution

Dpi = tuple[float, float]
Step = Callable[[np.ndarray, Dpi, np.random.Generator, dict[str, Any]], tuple[np.ndarray, Dpi]]


@lru_cache(maxsize=None)
def profiles() -> dict[str, dict[str, Any]]:
    """Profile definitions from ``profiles.json`` (keys starting with ``_`` are comments)."""
    text = resources.files("ocr.corpus").joinpath("profiles.json").read_text()
    return {name: spec for name, spec in json.loads(text).items() if not name.startswith("_")}


def profile_names() -> list[str]:
    """Profile names in file order."""
    return list(profiles())


def store_jpeg_quality(profile: str) -> int | None:
    """JPEG quality for storing this profile's gray pages in PDF/TIFF (None: lossless)."""
    return _profile(profile)["store_jpeg_quality"]


def _profile(name: str) -> dict[str, Any]:
    try:
        return profiles()[name]
    except KeyError:
        raise ValueError(f"unknown scanner profile {name!r}; known: {', '.join(profiles())}") from None


def _steps(name: str) -> list[tuple[str, dict[str, Any]]]:
    spec = _profile(name)
    base = _steps(spec["base"]) if "base" in spec else []
    return base + [(step, params) for step, params in spec["steps"]]


def draw(rng: np.random.Generator, spec: Any) -> Any:
    """One value from a parameter spec: [lo, hi] uniform (integers if both are), {'choice': [...]}, or fixed."""
    if isinstance(spec, dict):
        return spec["choice"][int(rng.integers(len(spec["choice"])))]
    if isinstance(spec, list):
        lo, hi = spec
        if isinstance(lo, int) and isinstance(hi, int):
            return int(rng.integers(lo, hi + 1))
        return float(rng.uniform(lo, hi))
    return spec


def _to_uint8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _paper(img: np.ndarray, dpi: Dpi, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, Dpi]:
    """Off-white paper: white becomes ``level``, black stays black."""
    level = draw(rng, p["level"])
    return _to_uint8(img.astype(np.float32) * (level / 255.0)), dpi


def _warp(img: np.ndarray, dpi: Dpi, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, Dpi]:
    """Skew, scale, shift and (optionally) perspective of a page lying askew on the glass;
    the uncovered scanner lid shows as white."""
    h, w = img.shape
    angle = draw(rng, p["rotate_deg"])
    scale = draw(rng, p["scale"])
    dx = draw(rng, p["shift_in"]) * dpi[0]
    dy = draw(rng, p["shift_in"]) * dpi[1]
    affine = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale), [0, 0, 1]])
    affine[0, 2] += dx
    affine[1, 2] += dy
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = np.float32([[draw(rng, p.get("perspective", 0.0)) * s for s in (w, h)] for _ in range(4)])
    signs = rng.choice([-1.0, 1.0], size=(4, 2)).astype(np.float32)
    perspective = cv2.getPerspectiveTransform(corners, corners + jitter * signs)
    out = cv2.warpPerspective(img, perspective @ affine, (w, h), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return out, dpi


def _blur(img: np.ndarray, dpi: Dpi, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, Dpi]:
    """Optics and sensor softness."""
    return cv2.GaussianBlur(img, (0, 0), draw(rng, p["sigma_px"])), dpi


def _noise(img: np.ndarray, dpi: Dpi, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, Dpi]:
    """Sensor noise, Gaussian per pixel."""
    sigma = draw(rng, p["sigma"])
    noise = rng.standard_normal(img.shape, dtype=np.float32) * sigma
    return _to_uint8(img.astype(np.float32) + noise), dpi


def _jpeg(img: np.ndarray, dpi: Dpi, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, Dpi]:
    """The scanner's JPEG compression: 8x8 blocks and ringing around strokes."""
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, draw(rng, p["quality"])])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE), dpi


def _resample(img: np.ndarray, dpi: Dpi, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, Dpi]:
    """Scan at another resolution, possibly different across and along the feed (fax)."""
    x_dpi, y_dpi = draw(rng, p["x_dpi"]), draw(rng, p["y_dpi"])
    h, w = img.shape
    size = (round(w * x_dpi / dpi[0]), round(h * y_dpi / dpi[1]))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA), (x_dpi, y_dpi)


def _paper_white(img: np.ndarray) -> float:
    """Gray level of the paper: the 90th percentile, read off the histogram."""
    cumulative = np.cumsum(np.bincount(img.ravel(), minlength=256))
    return float(np.searchsorted(cumulative, 0.9 * cumulative[-1]))


def _binarize(img: np.ndarray, dpi: Dpi, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, Dpi]:
    """Photocopier or fax: one global threshold, so thin strokes break and gray fills vanish."""
    threshold = draw(rng, p["threshold"]) * _paper_white(img)
    return np.where(img > threshold, 255, 0).astype(np.uint8), dpi


def _speckle(img: np.ndarray, dpi: Dpi, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, Dpi]:
    """Toner and dust specks, dark dots scattered over the page."""
    h, w = img.shape
    out = img.copy()
    count = round(draw(rng, p["per_mpx"]) * h * w / 1e6)
    for _ in range(count):
        centre = (int(rng.integers(w)), int(rng.integers(h)))
        cv2.circle(out, centre, draw(rng, p["radius_px"]), 0, thickness=-1)
    return out, dpi


def _lighting(img: np.ndarray, dpi: Dpi, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, Dpi]:
    """Uneven lamp or a lifted page: a smooth random shading of up to ``depth``."""
    h, w = img.shape
    grid = draw(rng, p["grid"])
    field = cv2.resize(rng.uniform(0, 1, (grid, grid)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    field = (field - field.min()) / max(float(np.ptp(field)), 1e-6)
    gain = 1.0 - draw(rng, p["depth"]) * field
    return _to_uint8(img.astype(np.float32) * gain), dpi


def _turn(img: np.ndarray, dpi: Dpi, rng: np.random.Generator, p: dict[str, Any]) -> tuple[np.ndarray, Dpi]:
    """A page fed sideways or upside down: quarter turns counter-clockwise."""
    k = draw(rng, p["quarter_turns"])
    return np.ascontiguousarray(np.rot90(img, k)), (dpi[1], dpi[0]) if k % 2 else dpi


STEPS: dict[str, Step] = {
    "paper": _paper,
    "warp": _warp,
    "blur": _blur,
    "noise": _noise,
    "jpeg": _jpeg,
    "resample": _resample,
    "binarize": _binarize,
    "speckle": _speckle,
    "lighting": _lighting,
    "turn": _turn,
}


def to_gray(page: np.ndarray) -> np.ndarray:
    """Luminance of an RGB(A) page (blue values become dark gray, as on the real prints)."""
    if page.ndim == 2:
        return page
    code = cv2.COLOR_RGBA2GRAY if page.shape[2] == 4 else cv2.COLOR_RGB2GRAY
    return cv2.cvtColor(page, code)


def degrade(page: np.ndarray, profile: str, rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int]]:
    """Scan a 300 dpi RGB or gray page with a named profile; returns the gray (or 0/255) page
    and its (x_dpi, y_dpi). Same page, profile and generator state give the same pixels."""
    img = to_gray(np.asarray(page, dtype=np.uint8))
    dpi: Dpi = (SOURCE_DPI, SOURCE_DPI)
    for name, params in _steps(profile):
        img, dpi = STEPS[name](img, dpi, rng, params)
    return img, (int(dpi[0]), int(dpi[1]))


def is_bilevel(page: np.ndarray) -> bool:
    """True when a page holds only black and white, so it can be stored as 1 bit (CCITT G4)."""
    return bool(np.isin(np.unique(page), (0, 255)).all())


def _encode_page(page: np.ndarray, dpi: tuple[int, int], jpeg_quality: int | None) -> bytes:
    """One page as the image file a scanner would embed: G4 TIFF, JPEG, or PNG."""
    buf = io.BytesIO()
    if is_bilevel(page):
        Image.fromarray(page).convert("1").save(buf, format="TIFF", compression="group4", dpi=dpi)
    elif jpeg_quality is not None:
        Image.fromarray(page).save(buf, format="JPEG", quality=jpeg_quality, dpi=dpi)
    else:
        Image.fromarray(page).save(buf, format="PNG", dpi=dpi)
    return buf.getvalue()


def encode_pdf(pages: Sequence[np.ndarray], dpi: tuple[int, int], jpeg_quality: int | None = None) -> bytes:
    """Image-only PDF, one page per image, page size from pixels and dpi (Letter at any dpi).
    No date and img2pdf's own writer (no time-based /ID), so the same pages give the same bytes."""
    images = [_encode_page(page, dpi, jpeg_quality) for page in pages]
    return img2pdf.convert(images, layout_fun=img2pdf.get_fixed_dpi_layout_fun(dpi), nodate=True,
                           engine=img2pdf.Engine.internal)


def encode_tiff(pages: Sequence[np.ndarray], dpi: tuple[int, int], jpeg_quality: int | None = None) -> bytes:
    """Multi-page TIFF with the dpi tag: CCITT G4 when every page is bilevel, else JPEG or deflate."""
    if all(is_bilevel(page) for page in pages):
        images = [Image.fromarray(page).convert("1") for page in pages]
        options: dict[str, Any] = {"compression": "group4"}
    elif jpeg_quality is not None:
        images = [Image.fromarray(page) for page in pages]
        options = {"compression": "jpeg", "quality": jpeg_quality}
    else:
        images = [Image.fromarray(page) for page in pages]
        options = {"compression": "tiff_adobe_deflate"}
    buf = io.BytesIO()
    images[0].save(buf, format="TIFF", save_all=True, append_images=images[1:], dpi=dpi, **options)
    return buf.getvalue()


def encode_png(pages: Sequence[np.ndarray], dpi: tuple[int, int], jpeg_quality: int | None = None) -> bytes:
    """Single-page PNG with the dpi set (1 bit when bilevel); PNG is always lossless."""
    if len(pages) != 1:
        raise ValueError(f"PNG holds one page, got {len(pages)}")
    image = Image.fromarray(pages[0])
    if is_bilevel(pages[0]):
        image = image.convert("1")
    buf = io.BytesIO()
    image.save(buf, format="PNG", dpi=dpi)
    return buf.getvalue()


ENCODERS: dict[str, Callable[[Sequence[np.ndarray], tuple[int, int], int | None], bytes]] = {
    "pdf": encode_pdf,
    "tif": encode_tiff,
    "png": encode_png,
}


def write_scan(pages: Sequence[np.ndarray], dpi: tuple[int, int], path: Path,
               jpeg_quality: int | None = None) -> Path:
    """Write pages atomically in the format named by the suffix (.pdf, .tif, .png)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".").replace("tiff", "tif")
    if fmt not in ENCODERS:
        raise ValueError(f"{path.name}: scan format must be one of {', '.join(ENCODERS)}")
    return write_bytes(path, ENCODERS[fmt](pages, dpi, jpeg_quality))
