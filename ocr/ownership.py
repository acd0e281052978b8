"""The ownershipDocument as plain data, and its EDGAR XML form.

Shared by the reader's exporter, the corpus generator and the scorer, so that all three
speak the same element names and nesting. Plain-data form:

* an element with children is a dict keyed by child tag, in any order;
* a repeated element (see ``data/ownership.json``) is a list;
* a ``<value>``-bearing element is ``{"value": str, "footnoteId": ["F1", ...]}``;
* a footnote is ``{"id": "F1", "text": "..."}``; other leaves are strings.

Element order on output comes from the technical specification, not from dict order.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import lru_cache
from importlib import resources
from typing import Any

Doc = dict[str, Any]


@lru_cache(maxsize=None)
def schema() -> dict[str, Any]:
    """Element order, repeated and valued element names (data file)."""
    text = resources.files("ocr").joinpath("data/ownership.json").read_text()
    spec = json.loads(text)
    spec["repeated"] = frozenset(spec["repeated"])
    spec["valued"] = frozenset(spec["valued"])
    return spec


def _from_element(el: ET.Element) -> Any:
    spec = schema()
    if el.tag == "footnote":
        return {"id": el.get("id", ""), "text": " ".join((el.text or "").split())}
    if el.tag == "footnoteId":
        return el.get("id", "")
    children = list(el)
    if not children:
        return (el.text or "").strip()
    out: dict[str, Any] = {}
    for child in children:
        item = _from_element(child)
        if child.tag in spec["repeated"]:
            out.setdefault(child.tag, []).append(item)
        else:
            out[child.tag] = item
    return out


def parse(xml: bytes | str) -> Doc:
    """Read ownershipDocument XML into plain data."""
    root = ET.fromstring(xml)
    if root.tag != "ownershipDocument":
        raise ValueError(f"root element is {root.tag!r}, not ownershipDocument")
    return _from_element(root)


def _append(parent: ET.Element, tag: str, item: Any) -> None:
    if tag == "footnoteId":
        ET.SubElement(parent, tag, id=item)
        return
    if tag == "footnote":
        ET.SubElement(parent, tag, id=item["id"]).text = item["text"]
        return
    el = ET.SubElement(parent, tag)
    if isinstance(item, dict):
        _fill(el, item)
    else:
        el.text = str(item)


def _fill(el: ET.Element, data: dict[str, Any]) -> None:
    spec = schema()
    order = spec["order"].get(el.tag) or (["value", "footnoteId"] if el.tag in spec["valued"] else [])
    unknown = set(data) - set(order)
    if unknown:
        raise ValueError(f"{el.tag}: unknown children {sorted(unknown)}")
    for tag in order:
        if tag not in data or data[tag] is None:
            continue
        items = data[tag] if tag in spec["repeated"] else [data[tag]]
        for item in items:
            _append(el, tag, item)


def to_xml(doc: Doc) -> bytes:
    """Write plain data as ownershipDocument XML in the specification's element order."""
    root = ET.Element("ownershipDocument")
    _fill(root, doc)
    ET.indent(root, space="    ")
    return b'<?xml version="1.0"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def flatten(doc: Doc, prefix: str = "") -> dict[str, str]:
    """Map every leaf to a path such as ``nonDerivativeTable/nonDerivativeTransaction[0]/
    transactionAmounts/transactionShares/value``; footnote ids join with spaces."""
    spec = schema()
    out: dict[str, str] = {}
    for tag, item in doc.items():
        path = f"{prefix}{tag}"
        if tag == "footnoteId":
            out[path] = " ".join(item)
        elif tag == "footnote":
            for note in item:
                out[f"{path}[{note['id']}]"] = note["text"]
        elif tag in spec["repeated"]:
            for i, sub in enumerate(item):
                out.update(flatten(sub, f"{path}[{i}]/") if isinstance(sub, dict) else {f"{path}[{i}]": sub})
        elif isinstance(item, dict):
            out.update(flatten(item, f"{path}/"))
        else:
            out[path] = item
    return out
