"""Score predicted ownershipDocument XML against ground truth, the yardstick for every reader change.

Fields are compared pairwise by flattened path after normalization (whitespace, case, ISO
dates, numbers as Decimals, booleans with absent = false); a field empty in both files is not
counted, one filled only in the prediction is an error. Which elements are scored, their kinds
and their groups are data (``scoring.json``). Footnote text is judged by character error rate.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from .. import ownership
from ..atomic import write_bytes
from ..errors import ExitCode

TOP_ERRORS = 20
_INDEX = re.compile(r"\[[^\]]*\]")
_ISO_ZONE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})$")


@lru_cache(maxsize=None)
def rules() -> dict[str, Any]:
    """Scoring rules from ``scoring.json``, with name lists turned into sets."""
    spec = json.loads(resources.files("ocr.corpus").joinpath("scoring.json").read_text())
    for key in ("excluded", "booleans", "dates", "numbers", "rows"):
        spec[key] = frozenset(spec[key])
    return spec


def _segments(path: str) -> list[str]:
    return _INDEX.sub("", path).split("/")


def field_name(path: str) -> str:
    """A flattened path without row indices, as errors are reported and counted."""
    return _INDEX.sub("", path)


def _holder(segments: list[str]) -> str:
    """The element a value belongs to (``.../transactionShares/value`` -> transactionShares)."""
    return segments[-2] if segments[-1] == "value" and len(segments) > 1 else segments[-1]


def is_scored(path: str) -> bool:
    """False for fields not printed on the form, and for footnote text (scored by CER)."""
    segments = _segments(path)
    spec = rules()
    return segments[0] != spec["footnote_text"] and not spec["excluded"].intersection(segments)


def group_of(path: str) -> str:
    """The field group a path belongs to (first matching rule of ``scoring.json``)."""
    segments = _segments(path)
    for rule in rules()["groups"]:
        if segments[-1] in rule.get("leaf", ()) or segments[0] in rule.get("prefix", ()):
            return rule["group"]
    return "other"


def row_of(path: str) -> str | None:
    """The table row a path lies in (``nonDerivativeTable/nonDerivativeTransaction[2]``), if any."""
    parts = path.split("/")
    for i, part in enumerate(parts):
        if _INDEX.sub("", part) in rules()["rows"]:
            return "/".join(parts[: i + 1])
    return None


def _text(value: str) -> str:
    return " ".join(value.split()).casefold()


def _date(value: str) -> str:
    text = value.strip()
    zoned = _ISO_ZONE.match(text)
    text = zoned.group(1) if zoned else text
    for fmt in rules()["date_formats"]:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return _text(value)


def _number(value: str) -> str:
    text = re.sub(r"[\s,$]", "", value)
    try:
        return format(Decimal(text).normalize(), "f") if text else ""
    except InvalidOperation:
        return _text(value)


def _boolean(value: str) -> str:
    text = _text(value)
    return {"true": "true", "1": "true", "false": "", "0": "", "": ""}.get(text, text)


def normalize(path: str, value: str) -> str:
    """Canonical form of a field value for comparison; empty string means empty."""
    segments = _segments(path)
    spec = rules()
    holder = _holder(segments)
    if segments[-1] == spec["footnote_marks"]:
        return " ".join(sorted(value.split()))
    if holder in spec["booleans"]:
        return _boolean(value)
    if holder in spec["dates"]:
        return _date(value)
    if holder in spec["numbers"]:
        return _number(value)
    return _text(value)


def _footnotes(doc: ownership.Doc) -> dict[str, str]:
    notes = (doc.get("footnotes") or {}).get("footnote", [])  # an empty <footnotes/> parses as ""
    return {note["id"]: _text(note["text"]) for note in notes}


@dataclass
class Tally:
    """Counts that add up across documents, per profile and overall."""

    documents: int = 0
    documents_correct: int = 0
    fields: int = 0
    correct: int = 0
    group_fields: Counter = field(default_factory=Counter)
    group_correct: Counter = field(default_factory=Counter)
    rows: int = 0
    rows_correct: int = 0
    footnote_chars: int = 0
    footnote_edits: int = 0

    def add(self, other: Tally) -> None:
        for name in ("documents", "documents_correct", "fields", "correct", "rows", "rows_correct",
                     "footnote_chars", "footnote_edits"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.group_fields.update(other.group_fields)
        self.group_correct.update(other.group_correct)

    def report(self) -> dict[str, Any]:
        """Plain-data summary; a rate with nothing to count is None."""
        def rate(num: int, den: int) -> float | None:
            return num / den if den else None

        groups = {g: {"fields": n, "correct": self.group_correct[g], "accuracy": rate(self.group_correct[g], n)}
                  for g, n in sorted(self.group_fields.items())}
        return {
            "documents": self.documents,
            "documents_correct": self.documents_correct,
            "document_accuracy": rate(self.documents_correct, self.documents),
            "fields": self.fields,
            "correct": self.correct,
            "field_accuracy": rate(self.correct, self.fields),
            "groups": groups,
            "rows": self.rows,
            "rows_correct": self.rows_correct,
            "row_accuracy": rate(self.rows_correct, self.rows),
            "footnote_chars": self.footnote_chars,
            "footnote_edits": self.footnote_edits,
            "footnote_cer": rate(self.footnote_edits, self.footnote_chars) if self.footnote_chars
            else (0.0 if not self.footnote_edits else None),
        }


def compare(truth: ownership.Doc, pred: ownership.Doc) -> tuple[Tally, list[tuple[str, str, str]]]:
    """Score one document: its tally and its errors as (field without row index, truth, predicted)."""
    truth_flat = {p: normalize(p, v) for p, v in ownership.flatten(truth).items() if is_scored(p)}
    pred_flat = {p: normalize(p, v) for p, v in ownership.flatten(pred).items() if is_scored(p)}
    tally = Tally(documents=1)
    errors: list[tuple[str, str, str]] = []
    row_ok: dict[str, bool] = {}
    for path in sorted(truth_flat.keys() | pred_flat.keys()):
        want, got = truth_flat.get(path, ""), pred_flat.get(path, "")
        if not want and not got:
            continue
        ok = want == got
        group = group_of(path)
        tally.fields += 1
        tally.correct += ok
        tally.group_fields[group] += 1
        tally.group_correct[group] += ok
        row = row_of(path)
        if row is not None:
            row_ok[row] = row_ok.get(row, True) and ok
        if not ok:
            errors.append((field_name(path), want, got))
    tally.rows = len(row_ok)
    tally.rows_correct = sum(row_ok.values())
    want_notes, got_notes = _footnotes(truth), _footnotes(pred)
    for note_id in want_notes.keys() | got_notes.keys():
        want, got = want_notes.get(note_id, ""), got_notes.get(note_id, "")
        tally.footnote_chars += len(want)
        tally.footnote_edits += Levenshtein.distance(want, got)
    tally.documents_correct = int(not errors and tally.footnote_edits == 0)
    return tally, errors


def _read(path: Path) -> ownership.Doc | None:
    """A predicted document, or None when it is missing or not ownershipDocument XML."""
    try:
        return ownership.parse(path.read_bytes())
    except (OSError, ET.ParseError, ValueError):
        return None


def load_manifest(path: Path | None) -> dict[str, str]:
    """stem -> profile from a ``form4-ocr synth`` manifest."""
    if path is None:
        return {}
    data = json.loads(Path(path).read_text())
    return {doc["stem"]: doc["profile"] for doc in data["documents"]}


def score(truth_dir: Path, pred_dir: Path, manifest: Path | None = None) -> dict[str, Any]:
    """Score every ``<stem>.xml`` of truth_dir against the same stem in pred_dir; a missing or
    unreadable prediction counts as an empty document."""
    truth_files = sorted(Path(truth_dir).glob("*.xml"))
    if not truth_files:
        raise FileNotFoundError(f"no truth XML in {truth_dir}")
    profile_of = load_manifest(manifest)
    overall = Tally()
    per_profile: dict[str, Tally] = {}
    error_counts: Counter = Counter()
    documents = []
    for truth_file in truth_files:
        stem = truth_file.stem
        pred = _read(Path(pred_dir) / f"{stem}.xml")
        tally, errors = compare(ownership.parse(truth_file.read_bytes()), pred or {})
        profile = profile_of.get(stem, "unknown")
        overall.add(tally)
        per_profile.setdefault(profile, Tally()).add(tally)
        error_counts.update(errors)
        documents.append({"stem": stem, "profile": profile, "prediction": pred is not None,
                          "fields": tally.fields, "correct": tally.correct,
                          "footnote_edits": tally.footnote_edits, "fully_correct": bool(tally.documents_correct)})
    return {
        "overall": overall.report(),
        "profiles": {name: t.report() for name, t in sorted(per_profile.items())},
        "top_errors": [{"field": f, "truth": t, "predicted": p, "count": n}
                       for (f, t, p), n in error_counts.most_common(TOP_ERRORS)],
        "documents": documents,
    }


GROUP_COLUMNS = ["header boxes", "checkboxes", "table I", "table II", "footnote marks", "signature", "remarks"]


def format_table(report: dict[str, Any]) -> str:
    """The compact stdout summary: one line per profile and overall, then the top errors."""
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.1f}"

    head = ["profile", "docs", "fields"] + GROUP_COLUMNS + ["rows", "docs ok", "fn CER"]
    title = "accuracy in % (fn CER: footnote text character error rate in %)"
    lines = []
    for name, r in list(report["profiles"].items()) + [("overall", report["overall"])]:
        groups = [pct(r["groups"].get(g, {}).get("accuracy")) for g in GROUP_COLUMNS]
        lines.append([name, str(r["documents"]), pct(r["field_accuracy"])] + groups
                     + [pct(r["row_accuracy"]), pct(r["document_accuracy"]), pct(r["footnote_cer"])])
    widths = [max(len(row[i]) for row in [head] + lines) for i in range(len(head))]
    out = [title] + ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
           for row in [head] + lines]
    if report["top_errors"]:
        out.append("")
        out.append("most frequent errors (count  field  truth -> predicted):")
        out += [f"{e['count']:5d}  {e['field']}  {e['truth']!r} -> {e['predicted']!r}" for e in report["top_errors"]]
    return "\n".join(out)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("truth", type=Path, help="folder of ground-truth <stem>.xml")
    parser.add_argument("pred", type=Path, help="folder of predicted <stem>.xml")
    parser.add_argument("--manifest", type=Path, help="manifest.json from form4-ocr synth (scores per profile)")
    parser.add_argument("--json", type=Path, dest="json_out", help="write the full report here")


def run(args: argparse.Namespace) -> int:
    try:
        report = score(args.truth, args.pred, args.manifest)
    except (FileNotFoundError, json.JSONDecodeError, KeyError, ET.ParseError, ValueError) as exc:
        print(f"form4-ocr score: {exc}", file=sys.stderr)
        return ExitCode.input_failed
    print(format_table(report))
    if args.json_out:
        write_bytes(args.json_out, json.dumps(report, indent=2).encode() + b"\n")
    return ExitCode.ok
