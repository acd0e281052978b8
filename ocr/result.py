"""What the reader returns for one document: plain data the exporters and the batch use."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Box = tuple[int, int, int, int]  # x, y, width, height in pixels of the oriented page


@dataclass
class FieldResult:
    """One value read from the page.

    ``path`` is the flattened ownershipDocument path (see ``ownership.flatten``), so a field
    maps to exactly one XML element; ``value`` is normalized (ISO dates, plain numbers,
    "true"/"false"), ``text`` is what OCR saw before parsing.
    """

    path: str
    value: str | None
    text: str
    confidence: float
    page: int
    box: Box
    needs_review: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class PageResult:
    index: int
    role: str  # "first", "continuation" or "other"
    rotation: int = 0  # degrees turned to make the page upright
    skew: float = 0.0  # degrees of deskew applied
    template: str | None = None
    alignment: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class DocumentResult:
    source: str
    document: dict[str, Any]  # ownershipDocument plain data (see ownership.py)
    fields: list[FieldResult]
    pages: list[PageResult]
    template: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> int:
        return sum(f.needs_review for f in self.fields)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
