"""Tesseract for one field at a time: the OCR stage's engine wrapper.

tesserocr drives libtesseract through its C API, so the model loads once per process and a
page is handed over once (``set_page``) and then read rectangle by rectangle (``read(box)``):
about 6x faster per field than pytesseract, which starts a tesseract process and loads the
model for every call. pytesseract is the fallback where tesserocr does not import, and can be
forced with ``FORM4_OCR_ENGINE=pytesseract``.

Both backends return words with their confidences and boxes; the text of a field is built
from those words the same way for both, so the two engines give comparable output. Words of
confidence 0 are kept when they hold a letter or digit and other words of the reading have a
confidence: Tesseract gives 0 to some words it read right (a signature's "Gomez," whose
comma kept a piece of the underline was dropped), and a field holding one is at confidence
0, so it is retried and reviewed. In a rectangle of the page, a reading of nothing but such
words is what Tesseract makes of blank paper or noise, and is no text; a crop is handed
over only when its ink holds text, and there even a lone such word is kept (a fax's
"123.61", right at confidence 0).

Confidence of a field is the *minimum* word confidence (0-1): a date, a share amount or a
name is wrong as soon as one of its words is wrong, and the mean of several good words hides
the one bad word that should send the field to review.
"""
from __future__ import annotations

import os

# Tesseract's OpenMP threads fight each other and the page worker pool on a small machine;
# this must be in the environment before libtesseract (or a tesseract child) starts.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import importlib.util  # noqa: E402
import shlex  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import lru_cache  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from .errors import MissingDependencyError  # noqa: E402
from .result import Box  # noqa: E402

DEFAULT_TESSDATA = "/usr/share/tesseract-ocr/5/tessdata/"
LANG = "eng"
ENGINE_ENV = "FORM4_OCR_ENGINE"
ENGINES = ("tesserocr", "pytesseract")
# White margin put around a crop read on its own: Tesseract finds text touching the image
# edge less reliably (measured: +1-2 points of exact lines on fax-quality crops).
CROP_BORDER = 8


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # 0-100 as Tesseract reports it
    box: Box  # in coordinates of the image handed to the backend
    line: tuple[int, int, int]  # (block, paragraph, line) so words group into lines


def tessdata_dir() -> Path:
    """The tessdata folder holding eng.traineddata (TESSDATA_PREFIX wins over Debian's)."""
    path = Path(os.environ.get("TESSDATA_PREFIX") or DEFAULT_TESSDATA)
    if not (path / f"{LANG}.traineddata").is_file():
        raise MissingDependencyError(
            f"Tesseract language data {LANG}.traineddata not found in {path}: "
            "install it with `apt-get install tesseract-ocr-eng` or point TESSDATA_PREFIX at it"
        )
    return path


def engine_name() -> str:
    """The backend this process uses: tesserocr unless forced or not importable."""
    wanted = os.environ.get(ENGINE_ENV, "").strip().lower()
    if wanted and wanted not in ENGINES:
        raise ValueError(f"{ENGINE_ENV}={wanted!r}: expected one of {', '.join(ENGINES)}")
    if wanted == "pytesseract" or importlib.util.find_spec("tesserocr") is None:
        return "pytesseract"
    return "tesserocr"


def _gray(image: np.ndarray) -> np.ndarray:
    """8-bit single-channel, C-contiguous (what both backends read without copying again)."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.dtype != np.uint8:
        raise ValueError(f"expected an 8-bit image, got {image.dtype}")
    return np.ascontiguousarray(image)


class _Tesserocr:
    """libtesseract in this process: one model, one image at a time, rectangles on it."""

    def __init__(self, tessdata: Path, dpi: int) -> None:
        import tesserocr

        self._tr = tesserocr
        self._api = tesserocr.PyTessBaseAPI(path=str(tessdata), lang=LANG)
        self._dpi = dpi
        self._data = b""  # kept alive while set: SetImageBytes is documented as not copying

    def set_image(self, gray: np.ndarray) -> None:
        self._data = gray.tobytes()
        h, w = gray.shape
        self._api.SetImageBytes(self._data, w, h, 1, w)
        self._api.SetSourceResolution(self._dpi)

    def words(self, box: Box, psm: int, whitelist: str | None) -> list[Word]:
        api, tr = self._api, self._tr
        api.SetPageSegMode(psm)
        api.SetVariable("tessedit_char_whitelist", whitelist or "")
        try:
            api.SetRectangle(*box)
            api.Recognize()
            out: list[Word] = []
            it = api.GetIterator()
            level = tr.RIL.WORD
            block = para = line = -1
            while it is not None and not it.Empty(level):
                if it.IsAtBeginningOf(tr.RIL.BLOCK):
                    block += 1
                if it.IsAtBeginningOf(tr.RIL.PARA):
                    para += 1
                if it.IsAtBeginningOf(tr.RIL.TEXTLINE):
                    line += 1
                text = it.GetUTF8Text(level)
                x0, y0, x1, y1 = it.BoundingBox(level)
                if text and kept_word(text, it.Confidence(level)):
                    out.append(Word(text.strip(), it.Confidence(level), (x0, y0, x1 - x0, y1 - y0), (block, para, line)))
                if not it.Next(level):
                    break
            return out
        finally:
            api.SetVariable("tessedit_char_whitelist", "")


class _Pytesseract:
    """A tesseract child process per call (slow: the model loads every time)."""

    def __init__(self, tessdata: Path, dpi: int) -> None:
        import pytesseract

        self._pt = pytesseract
        try:
            pytesseract.get_tesseract_version()
        except pytesseract.TesseractNotFoundError as exc:
            raise MissingDependencyError("tesseract is not installed: `apt-get install tesseract-ocr`") from exc
        self._tessdata = tessdata
        self._dpi = dpi
        self._image: np.ndarray | None = None

    def set_image(self, gray: np.ndarray) -> None:
        self._image = gray

    def words(self, box: Box, psm: int, whitelist: str | None) -> list[Word]:
        x, y, w, h = box
        crop = self._image[y : y + h, x : x + w]
        config = f"--tessdata-dir {shlex.quote(str(self._tessdata))} --psm {psm} --dpi {self._dpi}"
        if whitelist:
            config += f" -c tessedit_char_whitelist={shlex.quote(whitelist)}"
        data = self._pt.image_to_data(crop, lang=LANG, config=config, output_type=self._pt.Output.DICT)
        out: list[Word] = []
        for i, text in enumerate(data["text"]):
            conf = float(data["conf"][i])
            if not kept_word(text, conf):
                continue
            wbox = (data["left"][i] + x, data["top"][i] + y, data["width"][i], data["height"][i])
            line = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            out.append(Word(text.strip(), conf, wbox, line))
        return out


def kept_word(text: str, confidence: float) -> bool:
    """Whether a word Tesseract returned is text (see the module notes on confidence 0)."""
    return bool(text.strip()) and (confidence > 0 or (confidence == 0 and any(c.isalnum() for c in text)))


def _lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped by Tesseract's line, in reading order."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    return list(lines.values())


def _union(boxes: list[Box]) -> Box:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


class Engine:
    """One Tesseract per process; ``get_engine()`` hands out the shared instance."""

    def __init__(self, name: str | None = None, dpi: int = 300) -> None:
        self.name = name or engine_name()
        if self.name not in ENGINES:
            raise ValueError(f"unknown OCR engine {self.name!r}")
        backend = _Tesserocr if self.name == "tesserocr" else _Pytesseract
        self._backend = backend(tessdata_dir(), dpi)
        self._page: np.ndarray | None = None
        self._page_is_set = False  # False after a crop replaced the page in the backend

    def set_page(self, gray: np.ndarray) -> None:
        """Hand over the aligned page once; later ``read(box)`` calls cut rectangles from it."""
        self._page = _gray(gray)
        self._backend.set_image(self._page)
        self._page_is_set = True

    def _words(self, box: Box | None, psm: int, whitelist: str | None, image: np.ndarray | None) -> list[Word]:
        words = self._backend_words(box, psm, whitelist, image)
        return words if image is not None or any(w.confidence > 0 for w in words) else []

    def _backend_words(self, box: Box | None, psm: int, whitelist: str | None, image: np.ndarray | None) -> list[Word]:
        if image is not None:
            crop = cv2.copyMakeBorder(_gray(image), *(4 * [CROP_BORDER]), cv2.BORDER_CONSTANT, value=255)
            self._backend.set_image(crop)
            self._page_is_set = False
            words = self._backend.words((0, 0, crop.shape[1], crop.shape[0]), psm, whitelist)
            shift = CROP_BORDER
            return [Word(w.text, w.confidence, (w.box[0] - shift, w.box[1] - shift, w.box[2], w.box[3]), w.line) for w in words]
        if self._page is None:
            raise ValueError("no page: call set_page() first or pass image=")
        if not self._page_is_set:
            self._backend.set_image(self._page)
            self._page_is_set = True
        h, w = self._page.shape
        if box is None:
            box = (0, 0, w, h)
        x, y, bw, bh = box
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(w, x + bw), min(h, y + bh)
        if x1 <= x0 or y1 <= y0:
            return []
        return self._backend.words((x0, y0, x1 - x0, y1 - y0), psm, whitelist)

    def read(
        self,
        box: Box | None = None,
        *,
        psm: int = 7,
        whitelist: str | None = None,
        image: np.ndarray | None = None,
    ) -> tuple[str, float]:
        """Text and 0-1 confidence of one field: a rectangle of the page, or a given crop.

        Lines join with newlines, words with single spaces. Nothing read gives ("", 0.0).
        """
        words = self._words(box, psm, whitelist, image)
        if not words:
            return "", 0.0
        text = "\n".join(" ".join(w.text for w in line) for line in _lines(words))
        return text, min(w.confidence for w in words) / 100.0

    def read_words(self, image: np.ndarray | None = None, box: Box | None = None, *, psm: int = 4) -> list[list[Word]]:
        """Words of a text region grouped into Tesseract's lines, each word with its box and
        confidence, for regions whose lines must be told apart by where their words sit."""
        return _lines(self._words(box, psm, None, image))

    def read_lines(self, image: np.ndarray | None = None, box: Box | None = None, *, psm: int = 6) -> list[tuple[str, float, Box]]:
        """Block text (footnotes, remarks) as lines: text, min word confidence, line box."""
        words = self._words(box, psm, None, image)
        return [
            (" ".join(w.text for w in line), min(w.confidence for w in line) / 100.0, _union([w.box for w in line]))
            for line in _lines(words)
        ]


@lru_cache(maxsize=1)
def _second():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)


def second_opinion(image: np.ndarray) -> tuple[str, float] | None:
    """RapidOCR's reading of a one-line crop (recognition only, model loaded once per
    process), or None where it is not installed.

    Measured on fax-quality Form 4 table cells (277 numbers, dates, prices): Tesseract 79.8%
    right, RapidOCR 87.4%, Tesseract with RapidOCR on its doubtful reads 88.8%, 6.7 ms a call.
    """
    engine = _second()
    if engine is None:
        return None
    crop = cv2.copyMakeBorder(_gray(image), *(4 * [CROP_BORDER]), cv2.BORDER_CONSTANT, value=255)
    result, _ = engine(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR), use_det=False, use_cls=False, use_rec=True)
    if not result:
        return "", 0.0
    text, confidence = result[0][0], float(result[0][1])
    return text.strip(), confidence


def get_engine(name: str | None = None) -> Engine:
    """The process-wide engine (model loaded once), by backend name or the default."""
    return _engine(name or engine_name())


@lru_cache(maxsize=None)
def _engine(name: str) -> Engine:
    return Engine(name)
