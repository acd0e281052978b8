"""Build a scanned Form 4 corpus with its ground truth (``form4-ocr synth``).

Each document comes from one seed: a generated filing is written as truth/<stem>.xml, printed
to PDF by the EDGAR-look renderer, rasterized at 300 dpi, scanned with a profile (round robin
over --profiles) and stored beside truth/ as <stem>.pdf, .tif or .png (rotating; PNG only for
one-page filings). manifest.json lists stem, profile, layout, pages, format, seed and dpi of
each document. Everything is drawn from the seed, so a rerun writes the same bytes.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pdf2image import convert_from_path
from tqdm import tqdm

from .. import ownership
from ..atomic import write_bytes
from ..errors import ExitCode, Form4Error
from . import scan
from .generate import generate_filing
from .render import layout_of, render_pdf

FORMATS = ("pdf", "tif", "png")
MULTIPAGE_FALLBACK = "pdf"  # PNG holds one page; a longer filing in PNG's turn is stored as PDF
MANIFEST = "manifest.json"
TRUTH = "truth"


def stem_for(seed: int) -> str:
    """File stem of the document built from ``seed`` (says nothing about its profile)."""
    return f"form4-{seed:05d}"


def plan(n: int, seed: int, profiles: list[str], browser_header_share: float) -> list[dict[str, Any]]:
    """One task per document: its seed, profile (round robin) and format turn (rotating)."""
    return [{"index": i, "seed": seed + i, "profile": profiles[i % len(profiles)],
             "format": FORMATS[i % len(FORMATS)], "browser_header_share": browser_header_share}
            for i in range(n)]


def _rasterize(pdf_path: Path) -> list[np.ndarray]:
    """The printed pages as 300 dpi gray arrays, the paper a scanner would be fed."""
    return [np.asarray(page) for page in convert_from_path(pdf_path, dpi=scan.SOURCE_DPI, grayscale=True)]


def build_one(task: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Generate, render, scan and store one document; returns its manifest entry."""
    seed = task["seed"]
    header_seq, scan_seq = np.random.SeedSequence(seed).spawn(2)
    browser_header = bool(np.random.default_rng(header_seq).random() < task["browser_header_share"])
    doc = generate_filing(seed)
    stem = stem_for(seed)
    write_bytes(out_dir / TRUTH / f"{stem}.xml", ownership.to_xml(doc))
    with tempfile.TemporaryDirectory(prefix="form4-synth-") as work:
        pdf = render_pdf(doc, Path(work) / f"{stem}.pdf", browser_header=browser_header)
        pages = _rasterize(pdf)
    rng = np.random.default_rng(scan_seq)
    scanned = [scan.degrade(page, task["profile"], rng) for page in pages]
    dpis = {dpi for _, dpi in scanned}
    if len(dpis) != 1:
        raise RuntimeError(f"{stem}: pages scanned at different dpi {sorted(dpis)}")
    dpi = dpis.pop()
    fmt = task["format"] if task["format"] != "png" or len(pages) == 1 else MULTIPAGE_FALLBACK
    scan.write_scan([img for img, _ in scanned], dpi, out_dir / f"{stem}.{fmt}",
                    scan.store_jpeg_quality(task["profile"]))
    return {"stem": stem, "file": f"{stem}.{fmt}", "truth": f"{TRUTH}/{stem}.xml", "profile": task["profile"],
            "layout": layout_of(doc), "pages": len(pages), "format": fmt, "seed": seed, "dpi": list(dpi),
            "browser_header": browser_header}


def _init_worker() -> None:
    """One OpenCV thread per worker: the pool already fills the cores."""
    cv2.setNumThreads(1)


def _remove_stale(out_dir: Path, documents: list[dict[str, Any]]) -> None:
    """Delete files an earlier manifest in out_dir listed that this build did not write again."""
    old = out_dir / MANIFEST
    if not old.exists():
        return
    kept = {name for doc in documents for name in (doc["file"], doc["truth"])}
    for doc in json.loads(old.read_text()).get("documents", []):
        for name in (doc.get("file"), doc.get("truth")):
            if name and name not in kept:
                (out_dir / name).unlink(missing_ok=True)


def synth(out_dir: Path, n: int = 50, seed: int = 0, profiles: list[str] | None = None, jobs: int | None = None,
          browser_header_share: float = 0.3, progress: bool | None = None) -> dict[str, Any]:
    """Build n documents into out_dir (in parallel over documents) and write the manifest."""
    profiles = profiles or scan.profile_names()
    unknown = set(profiles) - set(scan.profile_names())
    if unknown:
        raise ValueError(f"unknown profiles {sorted(unknown)}; known: {', '.join(scan.profile_names())}")
    out_dir = Path(out_dir)
    tasks = plan(n, seed, profiles, browser_header_share)
    jobs = max(1, min(jobs or os.cpu_count() or 1, n or 1))
    documents: list[dict[str, Any]] = [{} for _ in tasks]
    # spawn, not fork: a forked worker inherits the parent's OpenCV/OpenMP thread pools half-locked
    # and can hang forever when the caller (a test session, a notebook) has used them already
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, mp_context=context) as pool:
        futures = {pool.submit(build_one, task, out_dir): task["index"] for task in tasks}
        try:
            with tqdm(total=n, unit="doc", desc="synth", disable=None if progress is None else not progress) as bar:
                for future in as_completed(futures):
                    documents[futures[future]] = future.result()
                    bar.update()
        except BaseException:  # a failed document or Ctrl-C: do not wait for the queue to drain
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    manifest = {"generator": "form4-ocr synth",
                "args": {"n": n, "seed": seed, "profiles": profiles, "browser_header_share": browser_header_share},
                "documents": documents}
    _remove_stale(out_dir, documents)
    write_bytes(out_dir / MANIFEST, json.dumps(manifest, indent=2).encode() + b"\n")
    return manifest


def _profiles_arg(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in scan.profile_names()]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"profiles must be from {', '.join(scan.profile_names())}")
    return names


def _share_arg(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("share must be between 0 and 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", type=Path, required=True, help="output folder (scans, truth/, manifest.json)")
    parser.add_argument("-n", type=int, default=50, help="number of documents (default 50)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first document (default 0)")
    parser.add_argument("--profiles", type=_profiles_arg, default=scan.profile_names(),
                        help=f"comma-separated scanner profiles, used round robin (default {','.join(scan.profile_names())})")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="worker processes (default: CPU count)")
    parser.add_argument("--browser-header-share", type=_share_arg, default=0.3,
                        help="share of documents printed with the browser's header and footer lines (default 0.3)")


def run(args: argparse.Namespace) -> int:
    try:
        manifest = synth(args.output, args.n, args.seed, args.profiles, args.jobs, args.browser_header_share)
    except Form4Error as exc:
        print(f"form4-ocr synth: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"form4-ocr synth: {exc}", file=sys.stderr)
        return ExitCode.file_access
    except KeyboardInterrupt:
        print("form4-ocr synth: interrupted", file=sys.stderr)
        return ExitCode.interrupted
    pages = sum(doc["pages"] for doc in manifest["documents"])
    print(f"{len(manifest['documents'])} documents, {pages} pages -> {args.output}")
    return ExitCode.ok
