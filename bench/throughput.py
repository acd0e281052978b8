"""Throughput of ``form4-ocr extract`` on generated scans, with 1 and 2 workers.

For each worker count it runs the real command on the same N pages and prints pages/s,
CPU-seconds per page (every process of the run, pdftoppm included), the peak RSS of each
worker process and of the main process, and the main process's own CPU time (the batch's
overhead: hashing, triage, writing outputs and state). As the reference it then times one plain
full-page Tesseract pass (tesserocr, OMP_THREAD_LIMIT=1, one process) over the same pages.

    python bench/throughput.py                      # 100 pages from `form4-ocr synth`
    python bench/throughput.py --corpus corpus/ --pages 40 --workers 1,2,4

The corpus is any folder that `form4-ocr synth` wrote (manifest.json); without --corpus a
fresh one is built in a temporary folder. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.2  # how often the process tree's memory is sampled


def pick_documents(corpus: Path, pages: int) -> tuple[list[Path], int]:
    """Documents from the manifest, in order, until they hold at least ``pages`` pages."""
    chosen, total = [], 0
    for doc in json.loads((corpus / "manifest.json").read_text())["documents"]:
        if total >= pages:
            break
        chosen.append(corpus / doc["file"])
        total += doc["pages"]
    if total < pages:
        raise SystemExit(f"{corpus} holds {total} pages; {pages} were asked for")
    return chosen, total


def build_corpus(folder: Path, pages: int) -> None:
    """A corpus with at least ``pages`` pages (every filing has one page or more)."""
    subprocess.run([sys.executable, "-m", "ocr.cli", "synth", "-o", str(folder), "-n", str(pages)], check=True)


def run_extract(files: list[Path], out: Path, workers: int) -> dict:
    """Run the batch as a child process; sample the RSS of every process in its tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = psutil.Popen([sys.executable, "-m", "ocr.cli", "extract", *map(str, files), "-o", str(out),
                            "--jobs", str(workers), "--force", "--quiet"])
    peak: dict[int, int] = {}
    main_cpu = 0.0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            main_cpu = sum(process.cpu_times()[:2])  # the batch process alone, workers apart
        except psutil.NoSuchProcess:
            break
        for member in tree:
            try:
                if member.name() not in ("pdftoppm", "pdfinfo"):
                    peak[member.pid] = max(peak.get(member.pid, 0), member.memory_info().rss)
            except psutil.NoSuchProcess:
                pass
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = json.loads((out / "summary.json").read_text())["run"]
    main_rss = peak.pop(process.pid, 0)
    return {"workers": workers, "exit": process.returncode, "wall": wall,
            "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "pages": summary["pages"], "ok": summary["ok"], "failed": summary["failed"],
            "main_rss": main_rss, "main_cpu": main_cpu, "worker_rss": max(peak.values(), default=0),
            "worker_processes": len(peak)}


def tesseract_reference(files: list[Path]) -> tuple[int, float]:
    """One full-page Tesseract pass per page at 300 dpi, single-threaded: (pages, seconds in Tesseract)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    from PIL import Image
    from tesserocr import PyTessBaseAPI

    from ocr.engine import LANG, tessdata_dir
    from ocr.load import iter_pages

    pages, seconds = 0, 0.0
    with PyTessBaseAPI(path=str(tessdata_dir()), lang=LANG) as api:
        for path in files:
            for page in iter_pages(path):
                started = time.perf_counter()
                api.SetImage(Image.fromarray(page))
                api.GetUTF8Text()
                seconds += time.perf_counter() - started
                pages += 1
    return pages, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100, help="pages to read (default 100)")
    parser.add_argument("--corpus", type=Path, help="a folder written by `form4-ocr synth` (default: build one)")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated (default 1,2)")
    parser.add_argument("--no-reference", action="store_true", help="skip the plain Tesseract pass")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="form4-bench-") as work:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(work) / "corpus"
            build_corpus(corpus, args.pages)
        files, pages = pick_documents(corpus, args.pages)
        print(f"{len(files)} documents, {pages} pages from {corpus}; {os.cpu_count()} CPUs")
        print(f"{'workers':>7} {'pages':>5} {'failed':>6} {'wall s':>7} {'pages/s':>7} {'CPU s/page':>10} "
              f"{'peak RSS/worker MB':>18} {'main RSS MB':>11} {'main CPU s':>10}")
        for workers in map(int, args.workers.split(",")):
            r = run_extract(files, Path(work) / f"out-{workers}", workers)
            print(f"{workers:>7} {r['pages']:>5} {r['failed']:>6} {r['wall']:>7.1f} {r['pages'] / r['wall']:>7.2f} "
                  f"{r['cpu'] / max(r['pages'], 1):>10.2f} {r['worker_rss'] / 2**20:>18.0f} "
                  f"{r['main_rss'] / 2**20:>11.0f} {r['main_cpu']:>10.1f}", flush=True)
        if not args.no_reference:
            count, seconds = tesseract_reference(files)
            print(f"reference: plain full-page Tesseract (tesserocr, one thread, one process) on the same "
                  f"{count} pages: {seconds / count:.2f} s/page, {count / seconds:.2f} pages/s")


if __name__ == "__main__":
    main()
