"""Scanner simulation: every profile, every writer, dpi metadata, no text layer, determinism."""
from __future__ import annotations

import io
import re
import subprocess
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from ocr.corpus import scan

LETTER_IN = (8.5, 11.0)
PROFILES = ["clean", "office", "rough", "flipped", "fax"]


@lru_cache(maxsize=None)
def page() -> np.ndarray:
    """A 300 dpi Letter RGB page: black labels, blue values, ruled boxes."""
    img = np.full((3300, 2550, 3), 255, np.uint8)
    for row in range(20):
        y = 200 + row * 150
        cv2.rectangle(img, (150, y - 60), (2400, y + 40), (0, 0, 0), 3)
        cv2.putText(img, f"Label {row}", (180, y), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (0, 0, 0), 3)
        cv2.putText(img, f"{row * 1234:,}", (900, y), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (0, 0, 255), 3)
    return img


@lru_cache(maxsize=None)
def scanned(profile: str, seed: int = 0) -> tuple[np.ndarray, tuple[int, int]]:
    return scan.degrade(page(), profile, np.random.default_rng(seed))


def pdf_tool(tool: str, path: Path) -> str:
    return subprocess.run([tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)],
                          check=True, capture_output=True, text=True).stdout


def test_profile_names_are_the_documented_five() -> None:
    assert scan.profile_names() == PROFILES


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scanner profile"):
        scan.degrade(page(), "camera", np.random.default_rng(0))


def test_colour_becomes_gray_with_blue_values_dark_gray() -> None:
    gray = scan.to_gray(np.array([[[0, 0, 255], [0, 0, 0], [255, 255, 255]]], np.uint8))
    assert gray.tolist() == [[29, 0, 255]]


@pytest.mark.parametrize("profile", PROFILES)
def test_degraded_page_is_gray_letter_at_profile_dpi(profile: str) -> None:
    img, dpi = scanned(profile)
    expected_dpi = {"rough": (200, 200), "fax": (204, 98)}.get(profile, (300, 300))
    assert dpi == expected_dpi
    assert img.dtype == np.uint8 and img.ndim == 2
    inches = (img.shape[1] / dpi[0], img.shape[0] / dpi[1])
    assert inches in (LETTER_IN, LETTER_IN[::-1])


def test_clean_is_the_gray_page_untouched() -> None:
    img, _ = scanned("clean")
    assert np.array_equal(img, scan.to_gray(page()))


def test_flipped_pages_are_turned() -> None:
    turned = set()
    for seed in range(8):
        img, _ = scanned("flipped", seed)
        upright = scan.to_gray(page())
        if img.shape != upright.shape:
            turned.add("quarter")
        else:
            top, bottom = img[: img.shape[0] // 10], img[-img.shape[0] // 10:]
            turned.add("half" if top.mean() > bottom.mean() else "upright")
    assert turned == {"quarter", "half"}


@pytest.mark.parametrize("profile, bilevel", [("clean", False), ("office", False), ("rough", False),
                                              ("flipped", False), ("fax", True)])
def test_only_fax_is_bilevel(profile: str, bilevel: bool) -> None:
    assert scan.is_bilevel(scanned(profile)[0]) is bilevel


@pytest.mark.parametrize("profile", PROFILES)
def test_degrade_is_deterministic_per_seed(profile: str) -> None:
    first, dpi = scan.degrade(page(), profile, np.random.default_rng(7))
    again, dpi_again = scan.degrade(page(), profile, np.random.default_rng(7))
    other, _ = scan.degrade(page(), profile, np.random.default_rng(8))
    assert dpi == dpi_again and np.array_equal(first, again)
    if profile != "clean":
        assert first.shape != other.shape or not np.array_equal(first, other)


@pytest.mark.parametrize("profile", PROFILES)
def test_pdf_is_image_only_letter_with_right_dpi(profile: str, tmp_path: Path) -> None:
    img, dpi = scanned(profile)
    path = scan.write_scan([img, img], dpi, tmp_path / "doc.pdf", scan.store_jpeg_quality(profile))
    assert pdf_tool("pdftotext", path).strip() == ""
    fonts = pdf_tool("pdffonts", path).splitlines()
    assert len(fonts) == 2, fonts  # the two header lines, no font rows
    info = pdf_tool("pdfinfo", path)
    assert re.search(r"Pages:\s+2\b", info)
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert sorted((round(width), round(height))) == [612, 792]
    images = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True,
                            text=True).stdout.splitlines()[2:]
    assert len(images) == 2
    x_ppi, y_ppi = (int(v) for v in images[0].split()[12:14])
    assert (x_ppi, y_ppi) == dpi
    expected_encoding = "ccitt" if profile == "fax" else ("image" if profile == "clean" else "jpeg")
    assert images[0].split()[8] == expected_encoding


@pytest.mark.parametrize("profile", PROFILES)
def test_tiff_is_multipage_with_dpi_tag(profile: str, tmp_path: Path) -> None:
    img, dpi = scanned(profile)
    path = scan.write_scan([img, img], dpi, tmp_path / "doc.tif", scan.store_jpeg_quality(profile))
    with Image.open(path) as tif:
        assert tif.format == "TIFF" and tif.n_frames == 2
        assert tuple(round(v) for v in tif.info["dpi"]) == dpi
        assert tif.info["compression"] == {"fax": "group4", "clean": "tiff_adobe_deflate"}.get(profile, "jpeg")
        tif.seek(1)
        assert tif.size == (img.shape[1], img.shape[0])


@pytest.mark.parametrize("profile", PROFILES)
def test_png_is_one_page_with_dpi(profile: str, tmp_path: Path) -> None:
    img, dpi = scanned(profile)
    path = scan.write_scan([img], dpi, tmp_path / "doc.png")
    with Image.open(path) as png:
        assert png.format == "PNG"
        assert tuple(round(v) for v in png.info["dpi"]) == dpi
        assert png.mode == ("1" if profile == "fax" else "L")
        assert np.array_equal(np.asarray(png.convert("L")), img)


@pytest.mark.parametrize("fmt", ["pdf", "tif", "png"])
def test_same_pages_give_same_bytes(fmt: str, tmp_path: Path) -> None:
    img, dpi = scanned("office")
    first = scan.write_scan([img], dpi, tmp_path / f"a.{fmt}", 70).read_bytes()
    assert scan.write_scan([img], dpi, tmp_path / f"b.{fmt}", 70).read_bytes() == first


def test_png_refuses_several_pages(tmp_path: Path) -> None:
    img, dpi = scanned("clean")
    with pytest.raises(ValueError, match="one page"):
        scan.write_scan([img, img], dpi, tmp_path / "doc.png")


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    img, dpi = scanned("clean")
    with pytest.raises(ValueError, match="scan format"):
        scan.write_scan([img], dpi, tmp_path / "doc.jpg")


def test_write_is_atomic_and_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "doc.png"
    path.write_bytes(b"old")
    img, dpi = scanned("fax")
    scan.write_scan([img], dpi, path)
    assert [p.name for p in tmp_path.iterdir()] == ["doc.png"]
    assert Image.open(io.BytesIO(path.read_bytes())).format == "PNG"
