"""Scan files for tests, good and bad, made on the spot (nothing is copied into the project)."""
from __future__ import annotations

import ctypes
import io
import struct
import zlib
from pathlib import Path

import img2pdf
import numpy as np
import pikepdf
from pdf2image import convert_from_path
from PIL import Image

from ocr import ownership
from ocr.corpus import scan
from ocr.corpus.render import render_pdf
from ocr.pipeline import read_document
from ocr.result import DocumentResult


def letter_page(dpi_x: int, dpi_y: int, seed: int = 0) -> np.ndarray:
    """A white Letter page with dark bars, sampled at (dpi_x, dpi_y)."""
    rng = np.random.default_rng(seed)
    page = np.full((round(11 * dpi_y), round(8.5 * dpi_x)), 245, np.uint8)
    for _ in range(40):
        x, y = rng.integers(0, page.shape[1] - 60), rng.integers(0, page.shape[0] - 20)
        page[y:y + 10, x:x + 60] = 20
    return page


def png_bytes(page: np.ndarray, dpi: tuple[int, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, "PNG", **({"dpi": dpi} if dpi else {}))
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def pdf_file(path: Path, pages: int = 2) -> Path:
    """An image-only PDF of Letter pages, as a scanner writes it."""
    images = [png_bytes(letter_page(150, 150, seed), (150, 150)) for seed in range(pages)]
    return write(path, img2pdf.convert(images))


def encrypted_pdf(path: Path, user_password: str = "") -> Path:
    """A scanned PDF locked with an owner password, and a user password unless it is empty."""
    source = pikepdf.open(pdf_file(path.with_name(path.stem + "-plain.pdf"), pages=1))
    source.save(path, encryption=pikepdf.Encryption(owner="owner", user=user_password))
    return path


def long_pdf(path: Path, pages: int) -> Path:
    """A PDF of many blank Letter pages (quick to make: no page content)."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    pdf.save(path)
    return path


def bomb_png(path: Path, side: int) -> Path:
    """A valid bilevel PNG of side x side white pixels: tiny on disk, huge decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor, row = zlib.compressobj(9), b"\x00" + b"\xff" * ((side + 7) // 8)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit gray
    return write(path, b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
                 + chunk(b"IEND", b""))


def drop_root_file_powers() -> None:
    """Remove CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so file permissions bind even root."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # linux/capability.h
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def scan_and_read(pages: list[np.ndarray], profile: str, seed: int, folder: Path) -> DocumentResult:
    """The printed pages through a scanner profile, written as a TIFF and read back."""
    rng = np.random.default_rng(seed)
    degraded = [scan.degrade(page, profile, rng) for page in pages]
    path = scan.write_scan([img for img, _ in degraded], degraded[0][1], folder / f"{profile}.tif",
                           scan.store_jpeg_quality(profile))
    return read_document(path)


def printed_pages(doc: ownership.Doc, pdf: Path) -> list[np.ndarray]:
    """A filing printed by the renderer to ``pdf`` and rasterized at 300 dpi, gray."""
    return [np.asarray(p) for p in convert_from_path(render_pdf(doc, pdf), dpi=scan.SOURCE_DPI, grayscale=True)]
