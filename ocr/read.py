"""Reading one box: a clean crop (form lines removed, empty boxes skipped) handed to the OCR engine."""
from __future__ import annotations

import cv2
import numpy as np

from .engine import Engine
from .locate import Rules

Box = tuple[int, int, int, int]

MIN_INK_PX = 40  # fewer ink pixels than this (after lines and specks are removed) is an empty box
SPECK_PX = 6  # connected ink components this small are scanner dust, not print


def ink_mask(ink: np.ndarray, rules: Rules, box: Box) -> np.ndarray:
    """Ink of a box without the ruled lines and without dust specks."""
    x, y, w, h = box
    lines = cv2.bitwise_or(rules.horizontal[y : y + h, x : x + w], rules.vertical[y : y + h, x : x + w])
    lines = cv2.dilate(lines, np.ones((5, 5), np.uint8))
    mask = cv2.bitwise_and(ink[y : y + h, x : x + w], cv2.bitwise_not(lines))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    small = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] <= SPECK_PX)
    small = small[small > 0]
    if small.size:
        mask[np.isin(labels, small)] = 0
    return mask


def crop_for_ocr(gray: np.ndarray, mask: np.ndarray, box: Box) -> np.ndarray | None:
    """The box's pixels with everything that is not kept ink set to paper white; None when empty."""
    if int(np.count_nonzero(mask)) < MIN_INK_PX:
        return None
    x, y, w, h = box
    keep = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    crop = gray[y : y + h, x : x + w].copy()
    crop[keep == 0] = 255
    ys, xs = np.nonzero(mask)
    return crop[max(0, ys.min() - 4) : ys.max() + 5, max(0, xs.min() - 4) : xs.max() + 5]


def read_box(
    engine: Engine,
    gray: np.ndarray,
    ink: np.ndarray,
    rules: Rules,
    box: Box,
    *,
    psm: int = 7,
    whitelist: str | None = None,
) -> tuple[str, float, bool]:
    """(text, confidence, empty) for one box of an aligned page."""
    crop = crop_for_ocr(gray, ink_mask(ink, rules, box), box)
    if crop is None:
        return "", 1.0, True
    text, confidence = engine.read(image=crop, psm=psm, whitelist=whitelist)
    return text, confidence, False
