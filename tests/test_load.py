"""Stage 1 (load): every input kind reads at one resolution; every bad input fails with its reason."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image
from scan_files import (bomb_png, drop_root_file_powers, encrypted_pdf, letter_page, long_pdf, pdf_file,
                        png_bytes, write)

from ocr.errors import InputError, MissingDependencyError
from ocr.load import iter_pages, page_count, sniff

DPI = 100  # tests read at 100 dpi: a Letter page is 850x1100, quick to resample


def message(path: Path, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        list(iter_pages(path, dpi=DPI, **kwargs))
    text = str(caught.value)
    assert "\n" not in text
    return text


# --- inputs that read ---------------------------------------------------------------

def test_pdf_pages_are_streamed_gray_at_dpi(tmp_path):
    path = pdf_file(tmp_path / "scan.pdf", pages=3)
    assert page_count(path) == 3
    pages = iter_pages(path, dpi=DPI)
    first = next(pages)  # a generator: one page rendered, the rest not yet
    assert first.dtype == np.uint8 and first.ndim == 2 and first.shape == (1100, 850)
    assert len(list(pages)) == 2


def test_pdf_with_text_layer_reads(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    pdf.save(tmp_path / "text.pdf")
    (page,) = iter_pages(tmp_path / "text.pdf", dpi=DPI)
    assert page.shape == (1100, 850) and page.min() == 255  # blank page, white


def test_multipage_g4_tiff_and_fax_resolution(tmp_path):
    fax = [Image.fromarray(letter_page(204, 98, seed)).convert("1") for seed in range(2)]
    path = tmp_path / "fax.tif"
    fax[0].save(path, compression="group4", dpi=(204, 98), save_all=True, append_images=fax[1:])
    assert page_count(path) == 2
    pages = list(iter_pages(path, dpi=DPI))
    assert [p.shape for p in pages] == [(1100, 850)] * 2  # 204x98 normalized to 100x100
    assert {0, 255} <= set(np.unique(pages[0]).tolist())


def test_png_and_jpeg_with_dpi_metadata(tmp_path):
    page = letter_page(200, 200)
    png = write(tmp_path / "page.png", png_bytes(page, (200, 200)))
    jpeg = tmp_path / "page.jpg"
    Image.fromarray(page).save(jpeg, quality=80, dpi=(200, 200))
    for path in (png, jpeg):
        (read,) = iter_pages(path, dpi=DPI)
        assert read.shape == (1100, 850)


def test_image_without_usable_dpi_is_taken_as_letter(tmp_path):
    page = letter_page(240, 240)  # 2040x2640 pixels
    bare = write(tmp_path / "bare.png", png_bytes(page))
    default_72 = write(tmp_path / "screen.png", png_bytes(page, (72, 72)))  # "28 inches wide"
    for path in (bare, default_72):
        (read,) = iter_pages(path, dpi=DPI)
        assert read.shape == (1100, 850)


def test_16_bit_gray_is_scaled_not_clipped(tmp_path):
    page = letter_page(100, 100).astype(np.uint16) * 257
    path = tmp_path / "deep.png"
    Image.fromarray(page).save(path, dpi=(100, 100))
    (read,) = iter_pages(path, dpi=DPI)
    assert read.min() < 30 and read.max() > 230


def test_type_comes_from_magic_bytes_not_extension(tmp_path):
    png = write(tmp_path / "really-a-png.pdf", png_bytes(letter_page(100, 100), (100, 100)))
    assert sniff(png) == "png"
    (read,) = iter_pages(png, dpi=DPI)
    assert read.shape == (1100, 850)


# --- bad inputs: each fails with a one-line reason naming the file -----------------------

def test_zero_byte_file(tmp_path):
    path = write(tmp_path / "empty.pdf", b"")
    assert message(path) == f"{path}: empty file (0 bytes)"


def test_text_file_named_png_is_not_a_scan(tmp_path):
    path = write(tmp_path / "notes.png", b"Minutes of the meeting\n")
    assert message(path) == f"{path}: not a scan (the file is not a PDF, TIFF, PNG or JPEG)"


def test_truncated_pdf(tmp_path):
    data = pdf_file(tmp_path / "whole.pdf").read_bytes()
    path = write(tmp_path / "cut.pdf", data[: len(data) // 2])
    assert message(path) == f"{path}: truncated PDF (no %%EOF marker at the end)"


def test_damaged_pdf_reports_poppler_reason(tmp_path):
    data = pdf_file(tmp_path / "whole.pdf").read_bytes()
    path = write(tmp_path / "damaged.pdf", data[:200] + b"\n%%EOF\n")
    text = message(path)
    assert text.startswith(f"{path}: damaged PDF (") and "Error" in text


@pytest.mark.parametrize("user_password", ["secret", ""])
def test_encrypted_pdf(tmp_path, user_password):
    path = encrypted_pdf(tmp_path / "locked.pdf", user_password)
    expected = f"{path}: encrypted PDF; decrypt it first (for example qpdf --decrypt)"
    assert message(path) == expected
    with pytest.raises(InputError, match="encrypted PDF"):
        page_count(path)


def test_pdf_over_the_page_limit(tmp_path):
    path = long_pdf(tmp_path / "archive.pdf", 3000)
    assert message(path) == f"{path}: has 3000 pages; the limit is 1000 (--max-pages)"
    assert message(path, max_pages=10) == f"{path}: has 3000 pages; the limit is 10 (--max-pages)"


def test_pdf_page_too_large_to_rasterize(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200 * 72, 200 * 72))  # 200 inches square
    pdf.save(tmp_path / "poster.pdf")
    text = message(tmp_path / "poster.pdf")
    assert "page 1 is 200x200 inches" in text and "the limit is" in text


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    path = bomb_png(tmp_path / "bomb.png", 30000)
    assert path.stat().st_size < 1_000_000
    text = message(path)
    assert text.startswith(f"{path}: image refused as a decompression bomb (")
    assert "900000000 pixels" in text


def test_one_pixel_image(tmp_path):
    path = write(tmp_path / "dot.png", png_bytes(np.zeros((1, 1), np.uint8)))
    assert message(path) == (f"{path}: image too small to be a page (1x1 pixels; "
                             f"a page needs at least 300 on each side)")


def test_truncated_image(tmp_path):
    data = png_bytes(letter_page(100, 100), (100, 100))
    path = write(tmp_path / "cut.png", data[: len(data) // 2])
    assert message(path).startswith(f"{path}: damaged image (")


def test_symlink_loop(tmp_path):
    loop = tmp_path / "loop.pdf"
    loop.symlink_to(tmp_path / "loop.pdf")
    assert message(loop) == f"{loop}: cannot read: symlink loop"


def test_missing_file(tmp_path):
    assert message(tmp_path / "gone.pdf") == f"{tmp_path / 'gone.pdf'}: cannot read: no such file"


def test_unreadable_file(tmp_path):
    path = write(tmp_path / "locked.png", png_bytes(letter_page(100, 100)))
    path.chmod(0o000)
    code = "import sys\nfrom ocr.load import sniff\ntry:\n    sniff(sys.argv[1])\nexcept Exception as exc:\n    print(exc)\n"
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          check=True, preexec_fn=drop_root_file_powers if os.geteuid() == 0 else None)
    assert done.stdout.strip() == f"{path}: cannot read: permission denied"


def test_non_utf8_name_with_spaces_reads_and_is_named_readably(tmp_path):
    raw = os.fsencode(tmp_path) + b"/scan \xff\xfe copy.png"
    path = Path(os.fsdecode(raw))
    path.write_bytes(b"")
    with pytest.raises(InputError) as caught:
        list(iter_pages(path))
    assert str(caught.value) == f"{tmp_path}/scan \ufffd\ufffd copy.png: empty file (0 bytes)"
    path.write_bytes(png_bytes(letter_page(100, 100), (100, 100)))
    (read,) = iter_pages(path, dpi=DPI)
    assert read.shape == (1100, 850)


def test_missing_poppler_names_the_package(tmp_path, monkeypatch):
    path = pdf_file(tmp_path / "scan.pdf", pages=1)
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    with pytest.raises(MissingDependencyError, match="apt-get install poppler-utils"):
        list(iter_pages(path, dpi=DPI))
