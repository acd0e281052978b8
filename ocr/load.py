"""Stage 1 of the reader: open a scan and hand out its pages one at a time, at one resolution.

Every later stage measures boxes in pixels, so every page leaves here grayscale at ``dpi``
in both axes, whatever the input was (PDF, multi-page TIFF including CCITT G4 fax, PNG,
JPEG). Pages are streamed, never all rasterized at once, so a 300-page PDF costs one page
of memory. Every input that cannot be read raises ``InputError`` with a one-line reason
that names the file, before anything large is decoded.
"""
from __future__ import annotations

import errno
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pdf2image
from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError
from PIL import Image, UnidentifiedImageError

from .errors import InputError, MissingDependencyError

# File type by magic bytes, never by extension: scanners and mail gateways rename files.
MAGIC = {
    b"%PDF-": "pdf",
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
}
PDF_HEADER_WINDOW = 1024  # the PDF header may follow a little garbage (PDF 1.7, 7.5.2)
PDF_EOF_WINDOW = 1024  # readers look for %%EOF in the last 1024 bytes; none there: cut off
LETTER_WIDTH_INCHES = 8.5  # assumed page width when an image carries no usable dpi
PAGE_INCHES = (3.0, 20.0)  # dpi metadata implying a page side outside this is a default (72, 96, 1)
MIN_PAGE_SIDE = 300  # pixels; below this on either side no box on a form can be read
SCAN_EXTENSIONS = frozenset({".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg"})
PAGE_SIZE_KEY = re.compile(r"Page +\d+ size")  # pdfinfo -f/-l: "Page    1 size:  612 x 792 pts"
PAGE_SIZE = re.compile(r"([\d.]+) x ([\d.]+) pts")
POPPLER_HINT = "(poppler) is not installed: apt-get install poppler-utils"
ENCRYPTED = "encrypted PDF; decrypt it first (for example qpdf --decrypt)"


def display_name(path: Path) -> str:
    """The path as printable UTF-8 text, even when the name holds undecodable bytes."""
    return os.fsencode(path).decode("utf-8", "replace")


def sniff(path: Path) -> str:
    """Return the file's type ("pdf", "tiff", "png", "jpeg") from its first bytes.

    Raises InputError for a file that cannot be opened (missing, symlink loop, permissions),
    is empty, or is not one of the scan types.
    """
    name = display_name(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(PDF_HEADER_WINDOW)
    except OSError as exc:
        reasons = {errno.ENOENT: "no such file", errno.ELOOP: "symlink loop",
                   errno.EACCES: "permission denied", errno.EISDIR: "is a directory"}
        raise InputError(f"{name}: cannot read: {reasons.get(exc.errno, exc.strerror)}") from exc
    if not head:
        raise InputError(f"{name}: empty file (0 bytes)")
    for magic, kind in MAGIC.items():
        if head.startswith(magic):
            return kind
    if b"%PDF-" in head:
        return "pdf"
    raise InputError(f"{name}: not a scan (the file is not a PDF, TIFF, PNG or JPEG)")


def page_count(path: Path, *, max_pages: int = 1000) -> int:
    """Number of pages, read from the file's header only (pdfinfo, or the TIFF directory)."""
    if sniff(path) == "pdf":
        return len(_pdf_page_sizes(path, max_pages))
    with _open_image(path) as image:
        return _frame_count(path, image, max_pages)


def iter_pages(path: Path, *, dpi: int = 300, max_pages: int = 1000) -> Iterator[np.ndarray]:
    """Yield each page as a grayscale uint8 array at ``dpi``, one page in memory at a time."""
    if sniff(path) == "pdf":
        yield from _pdf_pages(path, dpi, max_pages)
    else:
        yield from _image_pages(path, dpi, max_pages)


def _pdf_page_sizes(path: Path, max_pages: int) -> list[tuple[float, float]]:
    """Page sizes in points from one pdfinfo call, after the checks that need no rendering."""
    name = display_name(path)
    with open(path, "rb") as fh:
        fh.seek(max(0, os.fstat(fh.fileno()).st_size - PDF_EOF_WINDOW))
        if b"%%EOF" not in fh.read():
            raise InputError(f"{name}: truncated PDF (no %%EOF marker at the end)")
    info = _pdfinfo(path, max_pages)
    if info.get("Encrypted", "no").startswith("yes"):
        raise InputError(f"{name}: {ENCRYPTED}")
    pages = info["Pages"]
    if pages > max_pages:
        raise InputError(f"{name}: has {pages} pages; the limit is {max_pages} (--max-pages)")
    sizes = [tuple(float(v) for v in PAGE_SIZE.match(value).groups())
             for key, value in info.items() if PAGE_SIZE_KEY.fullmatch(key)]
    if pages < 1 or len(sizes) != pages:
        raise InputError(f"{name}: damaged PDF (pdfinfo lists {pages} pages and {len(sizes)} page sizes)")
    return sizes


def _pdfinfo(path: Path, max_pages: int) -> dict:
    """pdfinfo's fields with the size of pages 1..max_pages; poppler's complaint becomes the reason."""
    name = display_name(path)
    try:
        return pdf2image.pdfinfo_from_path(str(Path(path).absolute()), first_page=1, last_page=max_pages)
    except PDFInfoNotInstalledError as exc:
        raise MissingDependencyError(f"pdfinfo {POPPLER_HINT}") from exc
    except PDFPageCountError as exc:
        lines = [line for line in str(exc).splitlines()[1:] if line.strip()]
        if any("Incorrect password" in line for line in lines):
            raise InputError(f"{name}: {ENCRYPTED}") from exc
        reason = lines[0] if lines else "pdfinfo cannot read it"
        raise InputError(f"{name}: damaged PDF ({reason})") from exc


def _pdf_pages(path: Path, dpi: int, max_pages: int) -> Iterator[np.ndarray]:
    """Render one page per pdftoppm call, after refusing pages too large to rasterize."""
    name = display_name(path)
    sizes = _pdf_page_sizes(path, max_pages)
    for number, (width, height) in enumerate(sizes, start=1):
        pixels = round(width / 72 * dpi) * round(height / 72 * dpi)
        if pixels > Image.MAX_IMAGE_PIXELS:
            raise InputError(f"{name}: page {number} is {width / 72:.0f}x{height / 72:.0f} inches, "
                             f"{pixels} pixels at {dpi} dpi; the limit is {Image.MAX_IMAGE_PIXELS}")
        try:
            (image,) = pdf2image.convert_from_path(str(Path(path).absolute()), dpi=dpi, first_page=number,
                                                   last_page=number, grayscale=True)
        except (PDFInfoNotInstalledError, FileNotFoundError) as exc:  # pdfinfo or pdftoppm missing
            raise MissingDependencyError(f"pdftoppm {POPPLER_HINT}") from exc
        except ValueError as exc:  # pdftoppm wrote nothing for the page
            raise InputError(f"{name}: damaged PDF (page {number} does not render)") from exc
        yield np.asarray(image.convert("L"))


def _open_image(path: Path) -> Image.Image:
    """Open an image header, turning Pillow's decompression-bomb warning into a refusal."""
    name = display_name(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(f"{name}: image refused as a decompression bomb ({str(exc).rstrip('.')})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise InputError(f"{name}: damaged image ({exc})") from exc


def _frame_count(path: Path, image: Image.Image, max_pages: int) -> int:
    """Frames (pages) in the image file, refused above the page limit like a long PDF."""
    frames = getattr(image, "n_frames", 1)
    if frames > max_pages:
        raise InputError(f"{display_name(path)}: has {frames} pages; the limit is {max_pages} (--max-pages)")
    return frames


def _image_pages(path: Path, dpi: int, max_pages: int) -> Iterator[np.ndarray]:
    """Decode one frame at a time, each checked for size before its pixels are decoded."""
    name = display_name(path)
    with _open_image(path) as image:
        for index in range(_frame_count(path, image, max_pages)):
            image.seek(index)
            target = _target_size(path, image, dpi)
            try:
                # Pillow's convert("L") clips 16-bit gray instead of scaling it
                page = (image.convert("I").point(lambda v: v / 256) if image.mode.startswith("I;16")
                        else image).convert("L")
            except (OSError, SyntaxError) as exc:
                raise InputError(f"{name}: damaged image (page {index + 1}: {exc})") from exc
            if page.size != target:
                page = page.resize(target, Image.Resampling.LANCZOS)
            yield np.asarray(page)


def _target_size(path: Path, image: Image.Image, dpi: int) -> tuple[int, int]:
    """Pixel size of the page at ``dpi``, from its own dpi metadata or from a Letter width."""
    name = display_name(path)
    width, height = image.size
    if min(width, height) < MIN_PAGE_SIDE:
        raise InputError(f"{name}: image too small to be a page ({width}x{height} pixels; "
                         f"a page needs at least {MIN_PAGE_SIDE} on each side)")
    if width * height > Image.MAX_IMAGE_PIXELS:
        raise InputError(f"{name}: image refused as a decompression bomb ({width}x{height} = "
                         f"{width * height} pixels; the limit is {Image.MAX_IMAGE_PIXELS})")
    x_dpi, y_dpi = _metadata_dpi(image)
    low, high = PAGE_INCHES
    if not (x_dpi > 0 and y_dpi > 0 and low <= width / x_dpi <= high and low <= height / y_dpi <= high):
        x_dpi = y_dpi = width / LETTER_WIDTH_INCHES
    target = (round(width * dpi / x_dpi), round(height * dpi / y_dpi))
    if target[0] * target[1] > Image.MAX_IMAGE_PIXELS:
        raise InputError(f"{name}: image too large at {dpi} dpi ({target[0]}x{target[1]} pixels; "
                         f"the limit is {Image.MAX_IMAGE_PIXELS})")
    return target


def _metadata_dpi(image: Image.Image) -> tuple[float, float]:
    """(x, y) dpi from the file (TIFF resolution tags, PNG pHYs, JPEG JFIF), or (0, 0)."""
    found = image.info.get("dpi")
    if not found:
        return 0.0, 0.0
    return float(found[0]), float(found[1])
