"""OCR engine wrapper: real rendered text, both backends, page rectangles and crops."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr import engine as eng
from ocr.errors import MissingDependencyError

SERIF = Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "374WaterForm4-print-300dpi-1.png"
BACKENDS = ["tesserocr", "pytesseract"]

# Values as the EDGAR print shows them (Times-like serif, about 10 pt at 300 dpi).
LINES = [
    "04/30/2025",
    "757,756",
    "$2.29",
    "$0",
    "5,381.2",
    "97,183",
    "Common Stock (restricted stock units)",
    "Melkote Rajesh Ramaswamy",
    "C/O 374 WATER INC.",
    "100 SOUTHCENTER COURT, SUITE 200",
    "/s/ Rajesh Melkote",
    "Stock options (right to buy)",
]

# Boxes on the real 300 dpi print of 374WaterForm4 (x, y, w, h) and what they hold.
SAMPLE_BOXES = [
    ((160, 775, 520, 50), "Melkote Rajesh Ramaswamy"),
    ((160, 935, 340, 40), "C/O 374 WATER INC."),
    ((160, 988, 640, 40), "100 SOUTHCENTER COURT, SUITE 200"),
    ((945, 943, 170, 38), "04/30/2025"),
    ((842, 1575, 160, 50), "04/30/2025"),
    ((1744, 1575, 40, 50), "$0"),
    ((1885, 1575, 116, 50), "757,756"),
    ((152, 1575, 533, 50), "Common Stock (restricted stock units)"),
]


@pytest.fixture(scope="module")
def font() -> ImageFont.FreeTypeFont:
    if not SERIF.is_file():
        pytest.skip("fonts-liberation not installed")
    return ImageFont.truetype(str(SERIF), 42)


def render(text: str, font: ImageFont.FreeTypeFont, pad: int = 20) -> np.ndarray:
    left, top, right, bottom = font.getbbox(text)
    img = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 255)
    ImageDraw.Draw(img).text((pad - left, pad - top), text, font=font, fill=0)
    return np.array(img)


def office(gray: np.ndarray, seed: int) -> np.ndarray:
    """Blur, gray paper, sensor noise and JPEG 60, as an office scanner leaves text."""
    rng = np.random.default_rng(seed)
    out = cv2.GaussianBlur(gray, (0, 0), 0.9).astype(np.float64) * 0.85 + 30
    out = np.clip(out + rng.normal(0, 14, out.shape), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 60])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def page_of(crops: list[np.ndarray], gap: int = 30) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Stack crops on one white page, returning the page and each crop's box."""
    width = max(c.shape[1] for c in crops) + 100
    height = sum(c.shape[0] + gap for c in crops) + gap
    page = np.full((height, width), 255, np.uint8)
    boxes, y = [], gap
    for i, crop in enumerate(crops):
        x = 50 + 7 * i
        h, w = crop.shape
        page[y : y + h, x : x + w] = crop
        boxes.append((x, y, w, h))
        y += h + gap
    return page, boxes


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request) -> eng.Engine:
    if request.param == "tesserocr":
        pytest.importorskip("tesserocr")
    return eng.Engine(request.param)


def test_reads_clean_rendered_lines(engine, font):
    for text in LINES:
        got, conf = engine.read(image=render(text, font))
        assert got == text
        assert 0.5 < conf <= 1.0


def test_reads_office_degraded_lines(engine, font):
    for i, text in enumerate(LINES):
        got, _ = engine.read(image=office(render(text, font), seed=i))
        assert got == text


def test_noise_lowers_confidence(engine, font):
    clean = render("757,756", font)
    rng = np.random.default_rng(3)
    noisy = np.where(rng.random(clean.shape) < 0.12, 0, clean).astype(np.uint8)
    assert engine.read(image=noisy)[1] < engine.read(image=clean)[1]


def test_page_rectangles_match_crops(engine, font):
    crops = [render(t, font) for t in LINES[:6]]
    page, boxes = page_of(crops)
    engine.set_page(page)
    for text, box in zip(LINES, boxes):
        assert engine.read(box)[0] == text
    # A crop read in between replaces the image in the backend; the page must come back.
    assert engine.read(image=crops[2])[0] == LINES[2]
    assert engine.read(boxes[0])[0] == LINES[0]


def test_whitelist_applies_to_one_call_only(engine, font):
    img = render("Code A 12", font)
    digits, _ = engine.read(image=img, whitelist="0123456789")
    assert set(digits) <= set("0123456789 ")
    assert engine.read(image=img)[0] == "Code A 12"


def test_blank_and_outside_boxes_read_nothing(engine):
    page = np.full((200, 400), 255, np.uint8)
    engine.set_page(page)
    assert engine.read((10, 10, 200, 60)) == ("", 0.0)
    assert engine.read((500, 500, 50, 50)) == ("", 0.0)


def test_read_lines_gives_block_lines_in_order(engine, font):
    lines = ["1. Vesting commencement date is March 31, 2025.", "2. Shares withheld to cover taxes."]
    page, boxes = page_of([render(t, font) for t in lines], gap=12)
    got = engine.read_lines(page)
    assert [t for t, _, _ in got] == lines
    for (_, conf, box), want in zip(got, boxes):
        assert 0.5 < conf <= 1.0
        assert abs(box[1] - want[1]) < 25  # the line box sits where the line was drawn


def test_backends_agree_on_clean_text(font):
    pytest.importorskip("tesserocr")
    fast, slow = eng.Engine("tesserocr"), eng.Engine("pytesseract")
    for text in LINES:
        img = render(text, font)
        assert fast.read(image=img)[0] == slow.read(image=img)[0]


@pytest.mark.skipif(not SAMPLE.is_file(), reason="../shared samples absent")
def test_real_print_fields(engine):
    page = cv2.imread(str(SAMPLE), cv2.IMREAD_GRAYSCALE)
    engine.set_page(page)
    for box, text in SAMPLE_BOXES:
        got, conf = engine.read(box)
        assert got == text
        assert conf > 0.5


@pytest.mark.skipif(not SAMPLE.is_file(), reason="../shared samples absent")
def test_real_print_color_page_and_date_whitelist(engine):
    page = cv2.imread(str(SAMPLE), cv2.IMREAD_COLOR)
    engine.set_page(page)  # BGR goes gray inside
    assert engine.read((945, 943, 170, 38), whitelist="0123456789/")[0] == "04/30/2025"


def test_engine_name_follows_env(monkeypatch):
    monkeypatch.setenv(eng.ENGINE_ENV, "pytesseract")
    assert eng.engine_name() == "pytesseract"
    assert eng.get_engine().name == "pytesseract"
    assert eng.get_engine() is eng.get_engine("pytesseract")  # one model per process
    monkeypatch.setenv(eng.ENGINE_ENV, "easyocr")
    with pytest.raises(ValueError):
        eng.engine_name()
    monkeypatch.delenv(eng.ENGINE_ENV)
    expected = "tesserocr" if eng.importlib.util.find_spec("tesserocr") else "pytesseract"
    assert eng.engine_name() == expected


def test_falls_back_when_tesserocr_does_not_import(monkeypatch):
    monkeypatch.delenv(eng.ENGINE_ENV, raising=False)
    real = eng.importlib.util.find_spec
    monkeypatch.setattr(eng.importlib.util, "find_spec", lambda name: None if name == "tesserocr" else real(name))
    assert eng.engine_name() == "pytesseract"


def test_thread_limit_set_before_tesseract_loads():
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    code = "import sys, os, ocr.engine; print(os.environ['OMP_THREAD_LIMIT'], 'tesserocr' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "False"]  # set at import, before any libtesseract is loaded


@pytest.mark.parametrize("name", BACKENDS)
def test_missing_language_data_names_the_package(monkeypatch, tmp_path, name):
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    with pytest.raises(MissingDependencyError, match="tesseract-ocr-eng"):
        eng.Engine(name)


def test_read_without_page_is_an_error():
    with pytest.raises(ValueError, match="set_page"):
        eng.Engine("pytesseract").read((0, 0, 10, 10))
