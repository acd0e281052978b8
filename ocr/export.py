"""Exporters: what a read document becomes on disk.

* ``<stem>.xml``: the ownershipDocument, for tools that read EDGAR XML;
* ``<stem>.json``: every field with value, confidence, page, box, needs_review and warnings,
  plus source, template, pages (alignment quality) and document warnings;
* rows for the batch's ``transactions.csv``: one per Table I / Table II row, EDGAR names;
* overlay PNGs: the aligned page with every box drawn, labelled and coloured by confidence.

Every file goes through ``atomic.write_bytes`` (temporary name beside the target, then
rename), so a reader never sees half a file.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import atomic, ownership
from .result import DocumentResult, FieldResult

TABLES = {
    "nonDerivativeTable": ("nonDerivativeTransaction", "nonDerivativeHolding"),
    "derivativeTable": ("derivativeTransaction", "derivativeHolding"),
}
HEADER_COLUMNS = ["source", "documentType", "periodOfReport", "issuerName", "issuerTradingSymbol", "rptOwnerName"]


def _row_value_columns(element: str) -> list[str]:
    """Leaf columns of a table row in specification order; a ``<value>`` element also gets a
    ``<name>Footnotes`` column, and transactionCoding's own marks ``transactionCodingFootnotes``."""
    spec = ownership.schema()
    columns: list[str] = []
    for child in spec["order"][element]:
        if child == "footnoteId":
            columns.append(f"{element}Footnotes")
        elif child in spec["valued"]:
            columns += [child, f"{child}Footnotes"]
        elif child in spec["order"]:
            columns += _row_value_columns(child)
        else:
            columns.append(child)
    return columns


@lru_cache(maxsize=None)
def row_columns() -> tuple[str, ...]:
    """Every transactions.csv column, the same for every document so batches concatenate."""
    # The derivative transaction row has every column, in specification order; the rest add none.
    kinds = ("derivativeTransaction", "nonDerivativeTransaction", "derivativeHolding", "nonDerivativeHolding")
    values = [c for kind in kinds for c in _row_value_columns(kind)]
    return (*HEADER_COLUMNS, "table", "kind", "row", *dict.fromkeys(values), "needsReview")


def _column(path: str) -> str:
    """Column of a flattened row path: ".../transactionShares/footnoteId" -> "transactionSharesFootnotes"."""
    parts = path.split("/")
    if parts[-1] == "value":
        return parts[-2]
    if parts[-1] == "footnoteId":
        return f"{parts[-2]}Footnotes"
    return parts[-1]


def transaction_rows(result: DocumentResult) -> list[dict[str, str]]:
    """One dict per Table I / Table II row (columns from ``row_columns``, missing cells "")."""
    doc = result.document
    owners = doc.get("reportingOwner", [])
    header = {
        "source": result.source,
        "documentType": doc.get("documentType", ""),
        "periodOfReport": doc.get("periodOfReport", ""),
        "issuerName": doc.get("issuer", {}).get("issuerName", ""),
        "issuerTradingSymbol": doc.get("issuer", {}).get("issuerTradingSymbol", ""),
        "rptOwnerName": "; ".join(o.get("reportingOwnerId", {}).get("rptOwnerName", "") for o in owners),
    }
    rows = []
    for table, kinds in TABLES.items():
        for kind in kinds:
            for i, item in enumerate(doc.get(table, {}).get(kind, [])):
                prefix = f"{table}/{kind}[{i}]/"
                row = dict.fromkeys(row_columns(), "")
                row.update(header, table=table, kind="transaction" if kind.endswith("Transaction") else "holding", row=str(i))
                row.update({_column(path): value for path, value in ownership.flatten(item).items()})
                row["needsReview"] = str(sum(f.needs_review for f in result.fields if f.path.startswith(prefix)))
                rows.append(row)
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> Path:
    """transactions.csv with the fixed column set (an unknown key is an error, not a lost value)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=row_columns(), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return atomic.write_bytes(Path(path), buffer.getvalue().encode("utf-8"))


def document_json(result: DocumentResult) -> dict[str, Any]:
    """The JSON form: summary first, then pages, fields and the ownershipDocument plain data."""
    data = result.to_dict()
    return {
        "source": data["source"],
        "template": data["template"],
        "needs_review": result.needs_review,
        "warnings": data["warnings"],
        "pages": data["pages"],
        "fields": data["fields"],
        "document": data["document"],
    }


def write_document(result: DocumentResult, out_dir: Path, stem: str) -> list[Path]:
    """``<stem>.xml`` and ``<stem>.json`` in ``out_dir``; both are built before either is written."""
    out_dir = Path(out_dir)
    xml = ownership.to_xml(result.document)
    text = json.dumps(document_json(result), indent=2, ensure_ascii=False) + "\n"
    return [
        atomic.write_bytes(out_dir / f"{stem}.xml", xml),
        atomic.write_bytes(out_dir / f"{stem}.json", text.encode("utf-8")),
    ]


@lru_cache(maxsize=None)
def overlay_style() -> dict[str, Any]:
    """Colours, thresholds and label size of overlay pictures (data file)."""
    return json.loads(resources.files("ocr").joinpath("data/overlay.json").read_text())


def field_color(field: FieldResult) -> tuple[int, int, int]:
    """RGB: green for a confident value, orange in between, red for low or needs_review."""
    style = overlay_style()
    if field.needs_review or field.confidence < style["confidence_low"]:
        band = "low"
    elif field.confidence < style["confidence_high"]:
        band = "mid"
    else:
        band = "high"
    return tuple(style["colors"][band])


def _label(field: FieldResult) -> str:
    limit = overlay_style()["max_label_chars"]
    value = "(empty)" if field.value is None else " ".join(field.value.split())
    if len(value) > limit:
        value = value[: limit - 3] + "..."
    return f"{value}  {field.confidence:.2f}"


def draw_overlay(page: np.ndarray, fields: list[FieldResult], page_index: int) -> np.ndarray:
    """BGR picture of the aligned page with each field of ``page_index`` boxed and labelled.

    Labels sit just above their box (inside it when the box touches the top of the page) on
    a near-opaque band of the box's colour, in black or white, whichever reads better.
    """
    style = overlay_style()
    rgb = cv2.cvtColor(page, cv2.COLOR_GRAY2RGB if page.ndim == 2 else cv2.COLOR_BGR2RGB)
    base = Image.fromarray(rgb).convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = max(10, round(base.height * style["label_height"]))
    font = ImageFont.load_default(size)
    line = max(2, size // 8)
    alpha = round(255 * style["label_alpha"])
    for field in fields:
        if field.page != page_index:
            continue
        color = field_color(field)
        x, y, w, h = field.box
        draw.rectangle((x, y, x + w, y + h), outline=(*color, 255), width=line)
        text = _label(field)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        pad = max(1, size // 6)
        label_h = bottom - top + 2 * pad
        ly = y - label_h if y >= label_h else y + line
        draw.rectangle((x, ly, x + right - left + 2 * pad, ly + label_h), fill=(*color, alpha))
        ink = (0, 0, 0, 255) if sum(c * k for c, k in zip(color, (0.299, 0.587, 0.114))) > 150 else (255, 255, 255, 255)
        draw.text((x + pad - left, ly + pad - top), text, font=font, fill=ink)
    out = Image.alpha_composite(base, layer).convert("RGB")
    return cv2.cvtColor(np.asarray(out), cv2.COLOR_RGB2BGR)


def write_overlays(pages: Sequence[np.ndarray], result: DocumentResult, out_dir: Path, stem: str) -> list[Path]:
    """``<stem>-p<N>.png`` per page (N counts from 1; ``pages[i]`` holds fields with page == i)."""
    paths = []
    for index, page in enumerate(pages):
        ok, png = cv2.imencode(".png", draw_overlay(page, result.fields, index))
        if not ok:
            raise ValueError(f"page {index + 1} of {stem} could not be encoded as PNG")
        paths.append(atomic.write_bytes(Path(out_dir) / f"{stem}-p{index + 1}.png", png.tobytes()))
    return paths
