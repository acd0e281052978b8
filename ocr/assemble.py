"""Parse and validate: readings of boxes become ownershipDocument plain data plus one
FieldResult per value, with the box map saying which element each box holds.

A value that fails a check is kept and flagged for review, never dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein

from . import ownership, parse
from .layout import FieldBox
from .result import FieldResult
from .trailer import Trailer, TrailerLine

REVIEW_BELOW = 0.8  # OCR confidence under which a value goes to a person
TEXT_KINDS = ("text", "title", "relationship")  # free text, wrapped over lines in print
SINGLE_VALUE_KINDS = ("date", "code", "number", "price")  # a cell of these holds one value, never split over pages
_INDEX = re.compile(r"^(\w+)\[(\d+)\]$")


@dataclass
class Reading:
    """What was read in one box: OCR text, or a mark decision (``marked`` not None)."""

    field: FieldBox
    text: str
    confidence: float
    empty: bool
    marked: bool | None = None
    mark_ranks: tuple[str, ...] = ()  # see read.BoxReading


_TRAILING_MARKS = re.compile(r"(?:\(\d\))+$")
SETTLED_MARK_CONFIDENCE = 0.5  # a mark set to a footnote the filing has goes to review


def settle_marks(readings: list[Reading], footnotes: int) -> None:
    """A footnote mark whose glyph match was ambiguous and names a footnote the filing does
    not have (a photocopy's "(3)" matched as "(4)" in a filing of three footnotes) is the
    runner-up digit when that names one it has; the value goes to review. The footnotes it
    has are those read, and as many as its unambiguous marks name (a footnote whose
    number the scan lost is still there). Nothing changes when no footnote was read."""
    def trailing(reading: Reading) -> list[str]:
        found = _TRAILING_MARKS.search(reading.text) if reading.mark_ranks else None
        digits = re.findall(r"\d", found.group()) if found else []
        return digits if len(digits) == len(reading.mark_ranks) else []

    sure = [int(d) for r in readings for d, ranks in zip(trailing(r), r.mark_ranks) if len(ranks) == 1 and d != "0"]
    have = {str(i) for i in range(1, min(max([footnotes, *sure]), 9) + 1)} if footnotes else set()
    for reading in readings:
        digits = trailing(reading)
        if not have or all(d in have or len(ranks) == 1 for d, ranks in zip(digits, reading.mark_ranks)):
            continue
        settled = [ranks[1] if d not in have and len(ranks) > 1 and ranks[1] in have else d
                   for d, ranks in zip(digits, reading.mark_ranks)]
        if settled == digits:
            continue
        start = _TRAILING_MARKS.search(reading.text).start()
        reading.text = reading.text[:start] + "".join(f"({d})" for d in settled)
        reading.confidence = min(reading.confidence, SETTLED_MARK_CONFIDENCE)


def _container(doc: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    node: Any = doc
    for part in parts:
        m = _INDEX.match(part)
        if m:
            items = node.setdefault(m.group(1), [])
            while len(items) <= int(m.group(2)):
                items.append({})
            node = items[int(m.group(2))]
        else:
            node = node.setdefault(part, {})
    return node


def put(doc: dict[str, Any], path: str, value: str | None, footnotes: list[str] = ()) -> str:
    """Store a value at an element path; returns the flattened path of what holds it.

    Valued elements get ``{"value", "footnoteId"}``; footnotes on a plain element (a
    transaction code) go to its parent's footnoteId, as the schema has them.
    """
    parts = path.split("/")
    parent, name = _container(doc, parts[:-1]), parts[-1]
    if name in ownership.schema()["valued"]:
        element = parent.setdefault(name, {})
        if value is not None:
            element["value"] = value
        if footnotes:
            element.setdefault("footnoteId", []).extend(f for f in footnotes if f not in element.get("footnoteId", []))
        return f"{path}/value"
    if value is not None:
        parent[name] = value
    if footnotes and holds_footnotes(path):
        parent.setdefault("footnoteId", []).extend(footnotes)
    return path


def holds_footnotes(path: str) -> bool:
    """Whether the schema has a footnoteId for the element at ``path`` (on itself when valued,
    else on its parent): a mark OCR found on a street or a city has none, and is left out."""
    parts = [re.sub(r"\[\d+\]$", "", part) for part in path.removesuffix("/value").split("/")]
    spec = ownership.schema()
    return parts[-1] in spec["valued"] or "footnoteId" in spec["order"].get(parts[-2] if len(parts) > 1 else "", [])


def _result(path: str, value: str | None, reading: Reading, parsed: parse.Parsed | None = None) -> FieldResult:
    warnings = [parsed.warning] if parsed and parsed.warning else []
    if parsed and parsed.footnotes and not holds_footnotes(path):
        warnings.append(f"footnote marks {', '.join(parsed.footnotes)} read here have no place in the schema")
    # a box with ink but no value read is doubtful too: something printed there was lost
    review = bool(warnings) or ((value is not None or not reading.empty) and reading.confidence < REVIEW_BELOW)
    return FieldResult(path, value, reading.text, round(reading.confidence, 3), reading.field.page,
                       reading.field.box, review, warnings)


def header(doc: dict[str, Any], readings: list[Reading]) -> list[FieldResult]:
    """Values of the header boxes and checkboxes."""
    results = []
    for r in readings:
        f = r.field
        if f.settings.get("role") == "reference":
            continue
        if r.marked is not None:
            value = "true" if r.marked else "false"
            results.append(_result(put(doc, f.key, value), value, r))
            continue
        if r.empty:
            continue
        r.text = parse.drop_labels(r.text, f.settings.get("labels", []))
        if "|" in f.key:  # one box, one element per printed line
            lines = [line.strip() for line in r.text.splitlines() if line.strip()]
            lines = parse.street_lines(lines) if f.kind == "street" else lines
            paths = f.key.split("|")
            lines = lines[: len(paths) - 1] + [" ".join(lines[len(paths) - 1 :])] if len(lines) >= len(paths) else lines
            for path, line in zip(paths, lines):
                parsed = parse.parse_value(line, f.kind)
                results.append(_result(put(doc, path, parsed.value, parsed.footnotes), parsed.value, r, parsed))
            continue
        if f.settings.get("joined_with"):  # two elements the print ran together
            first, second = parse.split_joined(parse.join_lines(r.text))
            parts = [(f.key, first)] + ([(f.settings["joined_with"], second)] if second is not None else [])
            for path, text in parts:
                parsed = parse.parse_value(text, f.kind)
                if second is None:
                    parsed.ok, parsed.warning = False, f"{text!r} holds both texts; where one ends was not found"
                results.append(_result(put(doc, path, parsed.value, parsed.footnotes), parsed.value, r, parsed))
            continue
        parsed = parse.parse_value(parse.join_lines(r.text) if f.kind in TEXT_KINDS else r.text, f.kind)
        if parsed.parts:  # a box printing several elements, e.g. "Name [ TICK ]"
            for name, value in parsed.parts.items():
                results.append(_result(put(doc, f"{f.key}/{name}", value), value, r, parsed))
            continue
        results.append(_result(put(doc, f.key, parsed.value, parsed.footnotes), parsed.value, r, parsed))
    return results


def _join_split_rows(by_row: dict[tuple[str, int], dict[int, Reading]], kinds: dict[str, list[str]]) -> None:
    """A row the browser split across a page break is read twice, its head open at the foot of
    one page and its tail first on the next: the two are one row, the tail's text below the head's.

    A head whose foot only looks open (a fax lost the rule) is followed by a whole row, not a
    tail: when head and tail both hold a value in a one-value column (a date, a code, a
    number), they are two rows and stay apart.
    """
    for key in sorted(by_row):
        head = by_row.get(key)
        tail = by_row.get((key[0], key[1] + 1))
        if not head or not tail or not any(r.field.settings.get("continues") for r in head.values()):
            continue
        columns = kinds.get(key[0], [])
        if any(_holds_value(head.get(c), kind) and _holds_value(tail.get(c), kind)
               for c, kind in enumerate(columns) if kind in SINGLE_VALUE_KINDS):
            continue
        for column, lower in tail.items():
            upper = head.get(column)
            if upper is None or upper.empty:
                head[column] = lower
            elif not lower.empty:
                upper.text = f"{upper.text}\n{lower.text}"
                upper.confidence = min(upper.confidence, lower.confidence)
        del by_row[(key[0], key[1] + 1)]


def _holds_value(reading: Reading | None, kind: str) -> bool:
    """Whether a cell holds a value of its kind (not just footnote marks)."""
    return reading is not None and not reading.empty and parse.parse_value(reading.text, kind).value is not None


def tables(doc: dict[str, Any], readings: list[Reading], specs: list[dict[str, Any]]) -> list[FieldResult]:
    """Table rows: each row becomes a transaction or a holding, by whether its transaction-only
    columns hold anything, and each cell goes to the element its column names."""
    by_row: dict[tuple[str, int], dict[int, Reading]] = {}
    for r in readings:
        by_row.setdefault((r.field.table, r.field.row), {})[r.field.column] = r
    _join_split_rows(by_row, {spec["element"]: [c["kind"] for c in spec["columns"]] for spec in specs})
    results = []
    counters: dict[str, int] = {}
    for spec in specs:
        table = spec["element"]
        rows = sorted(k for k in by_row if k[0] == table)
        for key in rows:
            cells = by_row[key]
            # a transaction has a date or a code; a holding may carry only footnote marks there
            is_txn = any(parse.parse_value(cells[c].text, spec["columns"][c]["kind"]).value is not None
                         for c in spec["transaction_if_any"] if c in cells and not cells[c].empty)
            kind = "transaction" if is_txn else "holding"
            element = spec["rows"][kind]
            index = counters.get(element, 0)
            counters[element] = index + 1
            base = f"{table}/{element}[{index}]"
            row_node = _container(doc, base.split("/"))
            if kind == "transaction":
                row_node["transactionCoding"] = {"transactionFormType": "4", "equitySwapInvolved": "false"}
            for column, column_spec in enumerate(spec["columns"]):
                r = cells.get(column)
                if r is None or r.empty:
                    continue
                path = column_spec.get(kind)
                if path is None:
                    results.append(FieldResult(f"{base}/column{column + 1}", None, r.text, r.confidence, r.field.page,
                                               r.field.box, True, [f"a {kind} row has a value in column {column + 1}"]))
                    continue
                if column_spec["kind"] == "flag":
                    parsed = parse.parse_value(True, "mark")
                else:
                    text = parse.join_lines(r.text) if column_spec["kind"] in TEXT_KINDS else r.text
                    parsed = parse.parse_value(text, column_spec["kind"])
                results.append(_result(put(doc, f"{base}/{path}", parsed.value, parsed.footnotes), parsed.value, r, parsed))
                for implied_path, implied in column_spec.get("implies", {}).items():
                    put(doc, f"{base}/{implied_path}", implied)
    return results


def _line_result(path: str, value: str | None, lines: list[TrailerLine], warning: str | None = None) -> FieldResult:
    first = lines[0]
    x0 = min(l.box[0] for l in lines if l.page == first.page)
    y0 = min(l.box[1] for l in lines if l.page == first.page)
    x1 = max(l.box[0] + l.box[2] for l in lines if l.page == first.page)
    y1 = max(l.box[1] + l.box[3] for l in lines if l.page == first.page)
    confidence = min(l.confidence for l in lines)
    text = " ".join(l.text for l in lines)
    return FieldResult(path, value, text, round(confidence, 3), first.page, (x0, y0, x1 - x0, y1 - y0),
                       bool(warning) or confidence < REVIEW_BELOW, [warning] if warning else [])


_LEADING_SPECKS = re.compile(r"^[‘’'`´*•·.,:;~_\-]+\s*(?=\w)")  # "‘The reporting person ...": a speck before the first word


def trailer(doc: dict[str, Any], found: Trailer) -> list[FieldResult]:
    """Footnotes, remarks and signature from the trailer's lines."""
    results = []
    notes = []
    for i, lines in enumerate(found.footnotes):
        body = parse.correct_prose(re.sub(r"^\s*(?:[0-9lI|]{1,2}\s*[.,]|\d{1,2}(?=\s))\s*", "", " ".join(l.text for l in lines)))
        notes.append({"id": f"F{i + 1}", "text": body})
        results.append(_line_result(f"footnotes/footnote[F{i + 1}]", body, lines))
    if notes:
        doc["footnotes"] = {"footnote": notes}
    if found.remarks:
        doc["remarks"] = parse.correct_prose(_LEADING_SPECKS.sub("", " ".join(l.text for l in found.remarks)))
        results.append(_line_result("remarks", doc["remarks"], found.remarks))
    signature: dict[str, str] = {}
    if found.signature_name:
        parsed = parse.parse_value(" ".join(l.text for l in found.signature_name), "signature")
        name = parsed.parts.get("signatureName") or parsed.value
        if name:
            signature["signatureName"] = name
            results.append(_line_result("ownerSignature[0]/signatureName", name, found.signature_name))
    if found.signature_date:
        parsed = parse.parse_value(" ".join(l.text for l in found.signature_date), "date")
        if parsed.value:
            signature["signatureDate"] = parsed.value
            results.append(_line_result("ownerSignature[0]/signatureDate", parsed.value, found.signature_date, parsed.warning))
    if signature:
        doc["ownerSignature"] = [signature]
    return results


def _split_run_together_marks(doc: dict[str, Any]) -> None:
    """"(2)(4)" read as "(24)": a footnote id the filing does not have, whose digits are all
    footnotes it has, is those footnotes."""
    have = {note["id"] for note in doc.get("footnotes", {}).get("footnote", [])}

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            ids = node.get("footnoteId")
            if ids:
                fixed = []
                for fid in ids:
                    digits = [f"F{d}" for d in fid[1:]]
                    split = fid not in have and len(digits) > 1 and all(d in have for d in digits)
                    fixed += [d for d in digits if d not in fixed] if split else [fid]
                node["footnoteId"] = fixed
            for key, value in node.items():
                if key != "footnoteId":
                    visit(value)

    visit(doc)


def _near(read: str, right: str) -> bool:
    """Whether ``read`` is a misreading of the word ``right`` of five letters or more: one
    edit off (two from eight letters), not counting edits at characters no word holds
    ("Emj}y" for "Emily")."""
    if len(right) < 5 or read.lower() == right.lower():
        return False
    distance = Levenshtein.distance(read.lower(), right.lower())
    odd = sum(not (c.isalpha() or c in "'-") for c in read)
    return distance - min(odd, distance) <= (2 if len(right) >= 8 else 1) and distance <= len(right) // 2


def _spell_as(doc: dict[str, Any], source: FieldResult, target: FieldResult) -> None:
    """Words of ``target`` set to the spelling of the near words of ``source`` (see ``_near``),
    in the target's case, and no comma between two of its words the source holds without one,
    when ``source`` was read with at least the target's confidence."""
    if not source.value or not target.value or source.confidence < target.confidence:
        return
    right = re.findall(r"[A-Za-z][A-Za-z'-]+", source.value)
    spelled = {r.lower() for r in right}
    names = {w for w in spelled if len(w) >= 3 and w not in parse.rules()["abbreviations"]
             and not re.fullmatch(r"[ivx]+", w)}  # "Bennett, III": a suffix follows its comma

    def respell(token: re.Match) -> str:
        word = token.group()
        match = next((r for r in right if _near(word, r)), None) if word.lower() not in spelled else None
        if match is None:
            return word
        return match.upper() if word.isupper() else match.lower() if word.islower() else match.capitalize()

    def unspeck(m: re.Match) -> str:  # "for Emily, Gray": a speck between two of the name's words
        pair = {m.group(1).lower(), m.group(2).lower()}
        own_comma = f"{m.group(1).lower()}," in source.value.lower()
        return f"{m.group(1)} " if pair <= names and not own_comma else m.group(0)

    value = re.sub(r"[^\s/,.;:()]+", respell, target.value)  # "/s/Michelle": the name after the slash
    value = re.sub(r"\b([A-Za-z'-]+), (?=([A-Za-z'-]+)\b)", unspeck, value)
    if value != target.value:
        target.value = value
        put(doc, target.path, value)


def _repair_dates(doc: dict[str, Any], spec: dict[str, Any] | None, results: list[FieldResult]) -> None:
    """An impossible date of the box map's ``elements`` becomes the one-digit change nearest
    the ``reference`` element's date (a signature is dated days after the period it reports,
    see ``parse.nearest_date``); the value goes to review, its reading in the warning."""
    reference = doc.get(spec["reference"]) if spec else None
    if not isinstance(reference, str):
        return
    for result in results:
        element = [part for part in result.path.split("/") if part != "value"][-1]
        if result.value and element in spec["elements"]:
            repaired = parse.nearest_date(result.value, reference, spec["within_days"])
            if repaired is not None:
                result.warnings.append(f"{element} read {result.value!r}, an impossible date; "
                                       f"taken as {repaired}, one digit off and nearest {spec['reference']}")
                result.value, result.needs_review = repaired, True
                put(doc, result.path, repaired)


def _settle_thousands(doc: dict[str, Any], elements: list[str], results: list[FieldResult]) -> None:
    """A row's amount read with a dot where a thousands comma goes ("82.036") is the whole
    number when another of the row's ``elements`` holds it: a fax blurs a comma into a point,
    and the shares of an option grant, its underlying shares and the holding after it are
    often one number. The value goes to review, its reading in the warning."""
    rows: dict[str, dict[str, FieldResult]] = {}
    for result in results:
        parts = [part for part in result.path.split("/") if part != "value"]
        row = next((i for i, part in enumerate(parts) if part.endswith("]")), None)
        if row is not None and result.value and parts[-1] in elements:
            rows.setdefault("/".join(parts[: row + 1]), {})[parts[-1]] = result
    for amounts in rows.values():
        for element, result in amounts.items():
            whole = parse.as_thousands(result.value)
            if whole is not None and any(o.value == whole for e, o in amounts.items() if e != element):
                result.warnings.append(f"{element} read {result.value!r}; taken as {whole}, as another amount of its row")
                result.value, result.needs_review = whole, True
                put(doc, result.path, whole)


def finish(doc: dict[str, Any], boxes: dict[str, Any], results: list[FieldResult]) -> list[str]:
    """Constants of the template, then the whole-document cross-checks; returns warnings and
    flags the fields they concern."""
    for name, value in boxes.get("constants", {}).items():
        doc.setdefault(name, value)
    amended = boxes.get("amended")
    if amended and doc.get(amended["if"]):
        doc.update(amended["set"])
    _split_run_together_marks(doc)
    by_path = {r.path: r for r in results}
    for source, target in boxes.get("same_words", []):
        if source in by_path and target in by_path:
            _spell_as(doc, by_path[source], by_path[target])
    _repair_dates(doc, boxes.get("repair_dates"), results)
    _settle_thousands(doc, boxes.get("same_amounts", []), results)
    warnings = []
    for path, warning in parse.validate(doc):
        target = by_path.get(path) or by_path.get(f"{path}/value")
        if target is not None:
            target.needs_review = True
            target.warnings.append(warning)
        warnings.append(f"{path}: {warning}")
    return warnings
