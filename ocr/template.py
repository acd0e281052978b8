"""Template folders: a blank reference image plus a box map naming every box by its EDGAR element.

A template is data (``templates/<name>/reference.png`` and ``boxes.json``); this module only
loads it and precomputes what alignment needs, once per process.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .align import Features, detect_features
from .glyphs import Glyphs, load_glyphs

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Template:
    name: str
    image: np.ndarray  # gray reference page at the template's dpi
    boxes: dict[str, Any]  # the box map
    features: Features  # ORB features of the anchor region, in reference pixels
    glyphs: Glyphs | None  # the print's footnote marks, when the box map names them
    letters: Glyphs | None = None  # the print's one-letter codes, when the box map names them
    digits: Glyphs | None = None  # the print's table digits, when the box map names them

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the reference page."""
        return self.image.shape[1], self.image.shape[0]

    @property
    def canvas(self) -> tuple[int, int]:
        """(width, height) a scan is warped to: taller than the page, because a filing the
        browser shrank to fit its paper grows back to the template's scale, and its bottom
        lines must not fall off."""
        return self.size[0], int(self.size[1] * self.boxes.get("canvas_height", 1.0))


def load_template(folder: Path) -> Template:
    boxes = json.loads((folder / "boxes.json").read_text())
    image = cv2.imread(str(folder / boxes["reference"]), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise FileNotFoundError(f"{folder}: reference image {boxes['reference']} is missing")
    mask = np.zeros_like(image)
    x, y, w, h = boxes["anchor"]
    mask[y : y + h, x : x + w] = 255
    glyphs, letters, digits = (load_glyphs(folder / spec["image"], spec["labels"]) if spec else None
                               for spec in (boxes.get(k) for k in ("mark_glyphs", "letter_glyphs", "digit_glyphs")))
    return Template(folder.name, image, boxes, detect_features(image, mask), glyphs, letters, digits)


@lru_cache(maxsize=None)
def load_templates(root: Path = TEMPLATES_DIR) -> tuple[Template, ...]:
    """Every template folder under ``root`` (a folder with a boxes.json)."""
    folders = sorted(p.parent for p in Path(root).glob("*/boxes.json"))
    if not folders:
        raise FileNotFoundError(f"no templates (*/boxes.json) under {root}")
    return tuple(load_template(f) for f in folders)
